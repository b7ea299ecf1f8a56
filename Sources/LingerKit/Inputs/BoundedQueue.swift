import Foundation

/// A blocking first-in-first-out queue with a fixed capacity: producers wait when it is full, so
/// memory stays flat however much history is walked.
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func push(_ item: Element) {
        condition.lock()
        while items.count - head >= capacity && !closed { condition.wait() }
        if !closed {
            items.append(item)
            condition.signal()
        }
        condition.unlock()
    }

    /// The next item, or nil once the queue is closed and drained.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Counters a long scan updates and a progress display reads, from any thread.
public final class ScanProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var _blobs = 0
    private var _bytes = 0
    private var _secrets = Set<String>()
    private var _discovered = 0
    private var _expected: Int?
    private var _walkFinished = false

    public init() {}

    func discovered(_ count: Int = 1) { lock.lock(); _discovered += count; lock.unlock() }
    /// How many objects the sweep will read, known before it starts (from the pack indexes).
    func expect(_ count: Int) { lock.lock(); _expected = count; lock.unlock() }
    func walkFinished() { lock.lock(); _walkFinished = true; lock.unlock() }
    func scanned(bytes: Int, fingerprints: some Sequence<String> = []) {
        lock.lock()
        _blobs += 1
        _bytes += bytes
        _secrets.formUnion(fingerprints)
        lock.unlock()
    }

    /// Inputs scanned, bytes scanned, distinct secrets found so far (a report counts secrets, not
    /// places; suppression and unreachable objects may still set some aside), inputs found so far,
    /// inputs expected in all (when known up front), and whether the walk is done.
    public var snapshot:
        (scanned: Int, bytes: Int, secrets: Int, discovered: Int, expected: Int?, walkFinished: Bool)
    {
        lock.lock()
        defer { lock.unlock() }
        return (_blobs, _bytes, _secrets.count, _discovered, _expected, _walkFinished)
    }
}
