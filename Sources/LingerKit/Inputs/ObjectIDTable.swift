/// An open-addressing hash table keyed by git object ids. Ids are uniformly random, so 64 of
/// their bits index the table directly: no hashing, no per-lookup allocation. History walks do
/// tens of millions of lookups, where `Dictionary`'s general hashing showed in profiles.
struct ObjectIDTable<Value> {
    private var slots: [GitObjectID]
    private var values: [Value?]
    private var occupied: [Bool]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: GitObjectID.zero, count: size)
        values = Array(repeating: nil, count: size)
        occupied = Array(repeating: false, count: size)
        mask = size - 1
    }

    private func slot(for key: GitObjectID) -> (index: Int, found: Bool) {
        var index = Int(truncatingIfNeeded: key.high) & mask
        while occupied[index] {
            if slots[index] == key { return (index, true) }
            index = (index + 1) & mask
        }
        return (index, false)
    }

    subscript(key: GitObjectID) -> Value? {
        let (index, found) = slot(for: key)
        return found ? values[index] : nil
    }

    func contains(_ key: GitObjectID) -> Bool { slot(for: key).found }

    /// Inserts `value` unless `key` is present; returns whether it inserted.
    @discardableResult
    mutating func insert(_ key: GitObjectID, _ value: Value) -> Bool {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let (index, found) = slot(for: key)
        if found { return false }
        slots[index] = key
        values[index] = value
        occupied[index] = true
        count += 1
        return true
    }

    /// Every key, in table order.
    var keys: [GitObjectID] { slots.indices.filter { occupied[$0] }.map { slots[$0] } }

    private mutating func grow() {
        let oldKeys = slots
        let oldValues = values
        let oldOccupied = occupied
        let size = slots.count * 2
        slots = Array(repeating: GitObjectID.zero, count: size)
        values = Array(repeating: nil, count: size)
        occupied = Array(repeating: false, count: size)
        mask = size - 1
        count = 0
        for index in oldKeys.indices where oldOccupied[index] {
            let (slot, _) = slot(for: oldKeys[index])
            slots[slot] = oldKeys[index]
            values[slot] = oldValues[index]
            occupied[slot] = true
            count += 1
        }
    }
}
