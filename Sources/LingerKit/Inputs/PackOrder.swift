import Foundation

/// Where objects sit in the repository's pack files, read from the pack indexes (`.idx`, version 2).
/// Reading blobs in pack order lets each delta find its base freshly inflated in libgit2's delta
/// cache, as `git cat-file --unordered` does; in history order the same chains are rebuilt again
/// and again. Objects not in a pack (loose, or in an unreadable index) sort last.
struct PackOrder {
    private struct Index {
        let bytes: [UInt8]
        let count: Int
        let packNumber: Int
        let packPath: String
        /// Whether the pack matched its index when opened.
        let sound: Bool
    }
    private var indexes: [Index] = []
    /// Pack indexes that cannot be read, and packs that do not match their index (truncated,
    /// replaced): objects in them are unreadable, so a scan that relies on them is incomplete.
    private(set) var faults: [String] = []

    init(gitDirectory: String) {
        let packDirectory = (gitDirectory as NSString).appendingPathComponent("objects/pack")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: packDirectory)) ?? []).filter {
            $0.hasSuffix(".idx")
        }.sorted()
        for (number, name) in names.enumerated() {
            let path = (packDirectory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                faults.append("pack index \(name) cannot be read")
                continue
            }
            let bytes = [UInt8](data)
            // Version 2: magic \377tOc, version 2, a 256-entry fan-out table.
            guard bytes.count >= 8 + 1024, bytes[0..<4] == [0xFF, 0x74, 0x4F, 0x63], Self.uint32(bytes, 4) == 2 else {
                faults.append("pack index \(name) is damaged or truncated (\(bytes.count) bytes; not a version-2 index)")
                continue
            }
            let count = Int(Self.uint32(bytes, 8 + 255 * 4))
            guard bytes.count >= 8 + 1024 + count * 28 + 40 else {
                faults.append("pack index \(name) is truncated: \(bytes.count) bytes for \(count) objects")
                continue
            }
            // The index ends with its pack's checksum, which is the pack's last 20 bytes.
            let pack = String(path.dropLast(4)) + ".pack"
            let expected = Array(bytes[(bytes.count - 40)..<(bytes.count - 20)])
            var sound = true
            if let trailer = Self.lastBytes(20, of: pack), trailer != expected {
                faults.append("pack \(PathName.name(pack)) does not match its index (truncated or replaced)")
                sound = false
            } else if !FileManager.default.fileExists(atPath: pack) {
                faults.append("pack \(PathName.name(pack)) is missing; its index lists \(count) objects")
                sound = false
            }
            indexes.append(Index(bytes: bytes, count: count, packNumber: number, packPath: pack, sound: sound))
        }
    }

    /// The last `count` bytes of a file, or nil when it cannot be read or is shorter.
    private static func lastBytes(_ count: Int, of path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= UInt64(count) else { return [] }
        try? handle.seek(toOffset: size - UInt64(count))
        return (try? handle.read(upToCount: count)).map { [UInt8]($0) }
    }

    private static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    /// Every object in the packs, pack by pack, each pack in offset order (the order in which
    /// `git cat-file --batch-all-objects --unordered` reads them).
    func objectsInPackOrder() -> [GitObjectID] {
        packsInOffsetOrder().flatMap { $0.entries.map(\.id) }
    }

    /// Each pack, with its objects in offset order and whether it matched its index.
    func packsInOffsetOrder() -> [(path: String, sound: Bool, entries: [(offset: UInt64, id: GitObjectID)])] {
        var result = [(path: String, sound: Bool, entries: [(offset: UInt64, id: GitObjectID)])]()
        for index in indexes {
            let bytes = index.bytes
            let table = 8 + 1024
            let offsets = table + index.count * 24
            var entries = [(UInt64, GitObjectID)]()
            entries.reserveCapacity(index.count)
            for position in 0..<index.count {
                let value = Self.uint32(bytes, offsets + position * 4)
                var offset = UInt64(value)
                if value & 0x8000_0000 != 0 {
                    let large = offsets + index.count * 4 + Int(value & 0x7FFF_FFFF) * 8
                    offset =
                        large + 8 <= bytes.count
                        ? (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[large + $1]) } : UInt64.max
                }
                let id = bytes.withUnsafeBufferPointer {
                    GitObjectID(
                        rawBytes: UnsafeRawBufferPointer(
                            rebasing: UnsafeRawBufferPointer($0)[(table + position * 20)..<(table + position * 20 + 20)]
                        ))
                }
                entries.append((offset, id))
            }
            entries.sort { $0.0 < $1.0 }
            result.append((index.packPath, index.sound, entries.map { (offset: $0.0, id: $0.1) }))
        }
        return result
    }

    /// A sort key: (pack number, offset in the pack); unknown objects get `Int.max`.
    func position(of id: GitObjectID) -> (Int, UInt64) {
        var oid = id.raw
        let target = withUnsafeBytes(of: &oid.id) { Array($0) }
        for index in indexes {
            let bytes = index.bytes
            let first = Int(target[0])
            var low = first == 0 ? 0 : Int(Self.uint32(bytes, 8 + (first - 1) * 4))
            var high = Int(Self.uint32(bytes, 8 + first * 4))
            let table = 8 + 1024
            while low < high {
                let middle = (low + high) / 2
                let start = table + middle * 20
                var order = 0
                for byte in 0..<20 where bytes[start + byte] != target[byte] {
                    order = bytes[start + byte] < target[byte] ? -1 : 1
                    break
                }
                if order == 0 {
                    let offsets = table + index.count * 24
                    let value = Self.uint32(bytes, offsets + middle * 4)
                    if value & 0x8000_0000 == 0 { return (index.packNumber, UInt64(value)) }
                    // A large offset: an index into the 8-byte table that follows.
                    let large = offsets + index.count * 4 + Int(value & 0x7FFF_FFFF) * 8
                    guard large + 8 <= bytes.count else { return (index.packNumber, UInt64.max) }
                    let wide = (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[large + $1]) }
                    return (index.packNumber, wide)
                }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
        }
        return (Int.max, UInt64.max)
    }
}
