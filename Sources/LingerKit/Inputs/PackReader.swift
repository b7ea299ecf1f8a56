import CDeflate
import Foundation

/// One instruction of a git delta: bytes of the result copied from the base, or inserted as
/// they are (the inserted bytes are the delta's own).
struct DeltaOperation: Equatable {
    /// Where the bytes go in the result.
    var target: Range<Int>
    /// Where they come from in the base; nil for inserted bytes.
    var sourceStart: Int?
}

/// Why an object of a pack could not be read by `PackReader` (it is then read through libgit2,
/// which reports what is wrong with it).
struct PackReadError: Error, CustomStringConvertible {
    var description: String
}

/// Reads a pack file's objects itself, so that a history sweep can see each delta's copy and
/// insert instructions (libgit2 only hands out the finished objects). The layout is git's pack
/// format version 2: per object a type-and-size header, for `OFS_DELTA` the distance back to the
/// base and for `REF_DELTA` the base's id, then zlib data; a delta's data is the base's size, the
/// result's size and the instructions. Objects are read with `pread` (no mapping: the pack's
/// pages would count against the sweep's memory), each one's compressed bytes running to the
/// next object's offset. Not changed after `init`; `pread` may be called from any thread.
final class PackReader: @unchecked Sendable {
    enum Kind: UInt8 {
        case commit = 1, tree = 2, blob = 3, tag = 4, offsetDelta = 6, referenceDelta = 7
    }

    /// One object of the pack, by its position in offset order.
    struct Entry {
        var offset: UInt64
        var id: GitObjectID
        /// Its own kind (a delta's kind is its root's).
        var kind: Kind
        /// The size its header declares: of the object, or of a delta's instructions.
        var size: Int
        /// Bytes of the header (and a delta's base reference) before the zlib data.
        var headerLength: Int
        /// The base's position, for a delta whose base is in this pack.
        var base: Int32 = -1
        /// The non-delta object at the end of its chain; -1 when the chain leaves the pack.
        var root: Int32 = -1
    }

    let path: String
    private(set) var entries: [Entry] = []
    /// How many deltas use each object as their base.
    private(set) var deltaCounts: [Int32] = []
    private let descriptor: Int32
    private let dataEnd: UInt64

    /// Reads every object's header (one sequential pass over the pack).
    init(path: String, objects: [(offset: UInt64, id: GitObjectID)]) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PackReadError(description: "\(path): \(String(cString: strerror(errno)))") }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= 32 else {
            close(descriptor)
            throw PackReadError(description: "\(path): not a pack (too short)")
        }
        dataEnd = UInt64(status.st_size) - 20
        var positions = [UInt64: Int32]()
        positions.reserveCapacity(objects.count)
        for (position, object) in objects.enumerated() { positions[object.offset] = Int32(position) }
        var byID = [GitObjectID: Int32]()
        byID.reserveCapacity(objects.count)
        for (position, object) in objects.enumerated() { byID[object.id] = Int32(position) }

        // Headers, read through a sliding buffer in offset order.
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var bufferStart: UInt64 = 0
        var bufferCount = 0
        entries.reserveCapacity(objects.count)
        for object in objects {
            if object.offset < bufferStart || object.offset + 32 > bufferStart + UInt64(bufferCount) {
                bufferStart = object.offset
                bufferCount = buffer.withUnsafeMutableBytes {
                    max(0, pread(descriptor, $0.baseAddress, $0.count, off_t(object.offset)))
                }
            }
            let start = Int(object.offset - bufferStart)
            var entry = Entry(offset: object.offset, id: object.id, kind: .blob, size: 0, headerLength: 0)
            var cursor = start
            func next() -> UInt8? {
                guard cursor < bufferCount else { return nil }
                defer { cursor += 1 }
                return buffer[cursor]
            }
            guard var byte = next(), let kind = Kind(rawValue: (byte >> 4) & 7), object.offset < dataEnd else {
                entry.headerLength = -1
                entries.append(entry)
                continue
            }
            entry.kind = kind
            var size = Int(byte & 0x0F)
            var shift = 4
            var sound = true
            while byte & 0x80 != 0, sound {
                guard let more = next(), shift < 57 else { sound = false; break }
                byte = more
                size |= Int(byte & 0x7F) << shift
                shift += 7
            }
            entry.size = size
            switch kind {
            case .offsetDelta:
                guard var part = next() else { sound = false; break }
                var distance = UInt64(part & 0x7F)
                while part & 0x80 != 0 {
                    guard let more = next(), distance < (1 << 55) else { sound = false; break }
                    part = more
                    distance = ((distance + 1) << 7) | UInt64(part & 0x7F)
                }
                if sound, distance <= object.offset, let base = positions[object.offset - distance] {
                    entry.base = base
                } else {
                    sound = false
                }
            case .referenceDelta:
                guard cursor + 20 <= bufferCount else { sound = false; break }
                let id = buffer.withUnsafeBytes { GitObjectID(rawBytes: UnsafeRawBufferPointer(rebasing: $0[cursor..<(cursor + 20)])) }
                cursor += 20
                if let base = byID[id] { entry.base = base } else { sound = false }
            case .commit, .tree, .blob, .tag:
                break
            }
            entry.headerLength = sound ? cursor - start : -1
            entries.append(entry)
        }
        // Roots and kinds: a delta's base usually comes first (always for OFS_DELTA), but a
        // REF_DELTA may point forward, so chains are followed to their end (bounded by the count).
        for position in entries.indices {
            var chain = [Int]()
            var current = position
            var root: Int32 = -1
            while chain.count <= entries.count {
                let entry = entries[current]
                if entry.headerLength < 0 { break }
                if entry.base < 0 {
                    root = Int32(current)
                    break
                }
                if entry.root >= 0 {
                    root = entry.root
                    break
                }
                chain.append(current)
                current = Int(entry.base)
            }
            for member in chain { entries[member].root = root }
            if chain.isEmpty { entries[position].root = root }
        }
        deltaCounts = [Int32](repeating: 0, count: entries.count)
        for entry in entries where entry.base >= 0 { deltaCounts[Int(entry.base)] += 1 }
    }

    deinit { close(descriptor) }

    /// The object's real kind: its own, or for a delta its root's (nil when unreadable).
    func kind(of position: Int) -> Kind? {
        let entry = entries[position]
        guard entry.root >= 0 else { return nil }
        return entries[Int(entry.root)].kind
    }

    /// The size of the finished object: the header's size for a whole object, the result size a
    /// delta's data begins with otherwise (read by the caller from the delta).
    private func compressedRange(of position: Int) -> Range<UInt64> {
        let entry = entries[position]
        let start = entry.offset + UInt64(entry.headerLength)
        let end = position + 1 < entries.count ? entries[position + 1].offset : dataEnd
        return start..<max(start, min(end, dataEnd))
    }

    /// Inflates an object's zlib data into exactly `size` bytes, with the caller's `inflater`.
    func inflated(_ position: Int, scratch: inout [UInt8], inflater: PackInflater) throws -> [UInt8] {
        let entry = entries[position]
        let range = compressedRange(of: position)
        let count = Int(range.upperBound - range.lowerBound)
        if scratch.count < count { scratch = [UInt8](repeating: 0, count: count) }
        let read = scratch.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(range.lowerBound)) }
        guard read == count else { throw PackReadError(description: "object at offset \(entry.offset) cannot be read") }
        // zlib cannot inflate more than about 1032:1; a header declaring more is damaged or made up.
        guard entry.size <= count * 1040 + 1024 else {
            throw PackReadError(description: "object at offset \(entry.offset) declares \(entry.size) bytes from \(count)")
        }
        // Not zero-filled first: the stream must fill every byte (its checksum checked), or the
        // object is refused. The range runs to the next object; libdeflate stops where the stream ends.
        // A capacity of at least one byte gives an empty object a buffer to point at too.
        let output = try [UInt8](unsafeUninitializedCapacity: max(1, entry.size)) { out, initialized in
            let status = scratch.withUnsafeBytes { input in
                libdeflate_zlib_decompress(
                    inflater.decompressor, input.baseAddress, count, out.baseAddress, entry.size, nil)
            }
            guard status == LIBDEFLATE_SUCCESS else {
                throw PackReadError(
                    description: "object at offset \(entry.offset): its zlib data does not inflate to \(entry.size) bytes")
            }
            initialized = entry.size
        }
        return output
    }

    /// Applies delta `data` to `base`; returns the result and the instructions. A result the
    /// delta declares larger than `limit` is refused before anything is allocated.
    static func apply(_ data: [UInt8], to base: [UInt8], limit: Int = .max) throws -> ([UInt8], [DeltaOperation]) {
        var cursor = 0
        func varint() throws -> Int {
            var value = 0
            var shift = 0
            while true {
                guard cursor < data.count, shift < 57 else { throw PackReadError(description: "delta header cut short") }
                let byte = data[cursor]
                cursor += 1
                value |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { return value }
            }
        }
        let baseSize = try varint()
        let resultSize = try varint()
        guard baseSize == base.count else {
            throw PackReadError(description: "delta expects a base of \(baseSize) bytes, found \(base.count)")
        }
        guard resultSize <= limit else {
            throw PackReadError(description: "delta declares a result of \(resultSize) bytes; the limit is \(limit)")
        }
        var operations = [DeltaOperation]()
        var written = 0
        // Not zero-filled first: the instructions must write every byte, or the delta is refused.
        let result = try [UInt8](unsafeUninitializedCapacity: resultSize) { buffer, initialized in
            let out = UnsafeMutableRawBufferPointer(buffer)
            try base.withUnsafeBytes { source in
                try data.withUnsafeBytes { delta in
                    while cursor < delta.count {
                        let command = delta[cursor]
                        cursor += 1
                        if command & 0x80 != 0 {
                            var offset = 0
                            var size = 0
                            for bit in 0..<4 where command & (1 << bit) != 0 {
                                guard cursor < delta.count else { throw PackReadError(description: "copy cut short") }
                                offset |= Int(delta[cursor]) << (8 * bit)
                                cursor += 1
                            }
                            for bit in 0..<3 where command & (0x10 << bit) != 0 {
                                guard cursor < delta.count else { throw PackReadError(description: "copy cut short") }
                                size |= Int(delta[cursor]) << (8 * bit)
                                cursor += 1
                            }
                            if size == 0 { size = 0x10000 }
                            guard offset + size <= source.count, written + size <= out.count else {
                                throw PackReadError(description: "copy outside the base or the result")
                            }
                            memcpy(out.baseAddress! + written, source.baseAddress! + offset, size)
                            operations.append(DeltaOperation(target: written..<(written + size), sourceStart: offset))
                            written += size
                        } else if command != 0 {
                            let size = Int(command)
                            guard cursor + size <= delta.count, written + size <= out.count else {
                                throw PackReadError(description: "insert outside the delta or the result")
                            }
                            memcpy(out.baseAddress! + written, delta.baseAddress! + cursor, size)
                            operations.append(DeltaOperation(target: written..<(written + size), sourceStart: nil))
                            cursor += size
                            written += size
                        } else {
                            throw PackReadError(description: "reserved delta instruction 0")
                        }
                    }
                }
            }
            guard written == resultSize else {
                throw PackReadError(description: "delta produced \(written) of \(resultSize) bytes")
            }
            initialized = resultSize
        }
        return (result, operations)
    }
}

/// A pack reader's working set for one thread: finished bases, kept (first in, first out) within
/// a byte budget, as git's delta base cache keeps them. Packs write a delta family together, so a
/// base is usually still here when its deltas come.
struct PackObjectCache {
    private let inflater: PackInflater
    private var objects: [Int32: [UInt8]] = [:]
    private var order: [Int32] = []
    private var head = 0
    private var bytes = 0
    let budget: Int
    private var scratch = [UInt8]()

    init(budget: Int) throws {
        self.budget = budget
        inflater = try PackInflater()
    }

    /// The finished object at `position`, and for a delta its instructions and its base. Objects
    /// (and bases) larger than `limit` are refused before they are built.
    mutating func object(_ position: Int, in pack: PackReader, limit: Int = .max) throws -> (
        bytes: [UInt8], operations: [DeltaOperation]?, base: [UInt8]
    ) {
        if let cached = objects[Int32(position)] { return (cached, nil, []) }
        // Walk down to a cached object or the root, then build back up.
        var chain = [Int]()
        var current = position
        var content: [UInt8]?
        while true {
            if current != position, let cached = objects[Int32(current)] {
                content = cached
                break
            }
            let entry = pack.entries[current]
            guard entry.headerLength >= 0 else { throw PackReadError(description: "object header at offset \(entry.offset) is damaged") }
            if entry.base < 0 { break }
            chain.append(current)
            current = Int(entry.base)
            guard chain.count <= pack.entries.count else { throw PackReadError(description: "delta chain loops") }
        }
        var bytes = try content ?? pack.inflated(current, scratch: &scratch, inflater: inflater)
        if content == nil { keep(current, bytes, isBase: pack.deltaCounts[current] > 0) }
        var operations: [DeltaOperation]?
        var base = [UInt8]()
        for member in chain.reversed() {
            let data = try pack.inflated(member, scratch: &scratch, inflater: inflater)
            base = bytes
            (bytes, operations) = try PackReader.apply(data, to: bytes, limit: limit)
            keep(member, bytes, isBase: pack.deltaCounts[member] > 0)
        }
        return (bytes, operations, base)
    }

    private mutating func keep(_ position: Int, _ content: [UInt8], isBase: Bool) {
        guard isBase, content.count <= budget / 4 else { return }
        objects[Int32(position)] = content
        order.append(Int32(position))
        bytes += content.count
        while bytes > budget, head < order.count {
            if let old = objects.removeValue(forKey: order[head]) { bytes -= old.count }
            head += 1
        }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

/// libdeflate's decompressor, made once per `PackObjectCache` (one worker, one pack) and reused
/// for every object it inflates.
final class PackInflater {
    let decompressor: OpaquePointer

    init() throws {
        guard let made = libdeflate_alloc_decompressor() else {
            throw PackReadError(description: "libdeflate could not allocate its decompressor (out of memory)")
        }
        decompressor = made
    }

    deinit { libdeflate_free_decompressor(decompressor) }
}
