#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Substring search over raw bytes: libc's vectorised `memchr` for the needle's rarest byte (by a
/// rough rank of how often bytes occur in code and prose), the rest compared in place (`memmem`
/// is not visible to Swift without _GNU_SOURCE). The generic `Collection.firstRange(of:)`
/// allocates and goes through protocol witnesses per byte; searching for a needle's first byte
/// stops at every common byte (each capital of a C macro, for `BEGIN `) and compares there.
extension UnsafeRawBufferPointer {
    /// The range of the first occurrence of `needle` at or after `start`.
    func range(of needle: [UInt8], from start: Int = 0) -> Range<Int>? {
        guard !needle.isEmpty, start >= 0, start < count, count - start >= needle.count, let base = baseAddress else {
            return nil
        }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        return needle.withUnsafeBufferPointer { pattern -> Range<Int>? in
            let probe = ByteRank.rarestIndex(of: pattern)
            let probeByte = Int32(pattern[probe])
            let last = count - needle.count  // the last possible start
            var position = start
            while position <= last {
                guard let hit = memchr(base + position + probe, probeByte, last - position + 1) else { return nil }
                let candidate = UnsafeRawPointer(hit) - base - probe
                var index = 0
                while index < pattern.count && bytes[candidate + index] == pattern[index] { index += 1 }
                if index == pattern.count { return candidate..<(candidate + pattern.count) }
                position = candidate + 1
            }
            return nil
        }
    }

    func contains(_ needle: [UInt8]) -> Bool { range(of: needle) != nil }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool { withUnsafeBytes { $0.contains(needle) } }
}

/// How common a byte is in source code and prose, roughly: 0 for the rarest. Searches look for a
/// needle's rarest byte first.
enum ByteRank {
    static let rank: [UInt8] = {
        var table = [UInt8](repeating: 1, count: 256)
        for byte in "ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8 { table[Int(byte)] = 2 }
        for byte in "0123456789_-=.,:;()\"'/*#<>{}[]".utf8 { table[Int(byte)] = 3 }
        for byte in "abcdefghijklmnopqrstuvwxyz".utf8 { table[Int(byte)] = 4 }
        for byte in "etaoinsr ACDEIRST\t\n".utf8 { table[Int(byte)] = 5 }
        return table
    }()

    static func rarestIndex(of needle: UnsafeBufferPointer<UInt8>) -> Int {
        var best = 0
        for index in needle.indices where rank[Int(needle[index])] < rank[Int(needle[best])] { best = index }
        return best
    }
}
