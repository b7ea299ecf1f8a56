#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Substring search over raw bytes: libc's vectorised `memchr` for the first byte, `memcmp` for
/// the rest (`memmem` is not visible to Swift without _GNU_SOURCE). The generic
/// `Collection.firstRange(of:)` allocates and goes through protocol witnesses per byte, which
/// made certificate detection dominate a history sweep.
extension UnsafeRawBufferPointer {
    /// The range of the first occurrence of `needle` at or after `start`.
    func range(of needle: [UInt8], from start: Int = 0) -> Range<Int>? {
        guard !needle.isEmpty, start >= 0, start < count, count - start >= needle.count, let base = baseAddress else {
            return nil
        }
        return needle.withUnsafeBytes { pattern -> Range<Int>? in
            let first = Int32(needle[0])
            let last = count - needle.count
            var position = start
            while position <= last {
                guard let hit = memchr(base + position, first, last - position + 1) else { return nil }
                let offset = UnsafeRawPointer(hit) - base
                if memcmp(base + offset, pattern.baseAddress!, needle.count) == 0 {
                    return offset..<(offset + needle.count)
                }
                position = offset + 1
            }
            return nil
        }
    }

    func contains(_ needle: [UInt8]) -> Bool { range(of: needle) != nil }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool { withUnsafeBytes { $0.contains(needle) } }
}
