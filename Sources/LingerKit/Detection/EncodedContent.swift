/// Base64 and hex runs inside a blob that decode to text: where secrets hide in Kubernetes
/// Secrets (`data:` values), CI variables and configuration blobs. Bounded: runs of 20 bytes to
/// 1 MiB, at most 4 MiB decoded and 2,000 runs per blob.
struct EncodedRun: Equatable {
    enum Encoding: String { case base64, hex }
    /// Where the encoded text is in the blob.
    var range: Range<Int>
    var encoding: Encoding
    var decoded: [UInt8]
}

enum EncodedContent {
    static let minimumBase64Length = 20
    static let minimumHexLength = 32
    static let maximumRunLength = 1 << 20
    static let maximumDecodedBytes = 4 << 20
    static let maximumRuns = 2_000
    /// Share of printable bytes a decoded run needs to count as text.
    static let printableShare = 0.95

    /// 1: a base64 character (both alphabets), 2: also a hex digit.
    private static let classes: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".utf8 { table[Int(byte)] = 1 }
        for byte in "0123456789abcdefABCDEF".utf8 { table[Int(byte)] = 2 }
        return table
    }()

    /// Runs that decode to text, in order, skipping any that overlap `excluded` ranges.
    static func runs(in bytes: UnsafeRawBufferPointer, excluding excluded: [Range<Int>] = []) -> [EncodedRun] {
        decode(candidates(in: bytes), in: bytes, excluding: excluded)
    }

    /// The maximal runs of base64 characters (both alphabets) at least `minimumBase64Length`
    /// long, in order, and whether each is all hex digits. Eight bytes at a time: a run of 15 or
    /// more holds a whole block of eight starting at a multiple of eight, so only those blocks
    /// are looked at, and a run is traced out from each block that is all base64 characters.
    /// Most blocks of code and prose hold a space, a line break or punctuation and cost a few
    /// instructions (`SWARClass`).
    static func candidates(in bytes: UnsafeRawBufferPointer) -> [(range: Range<Int>, allHex: Bool)] {
        var candidates: [(range: Range<Int>, allHex: Bool)] = []
        let count = bytes.count
        guard count >= minimumBase64Length, let base = bytes.baseAddress else { return candidates }
        func word(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        classes.withUnsafeBufferPointer { table in
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            var block = 0
            while block + 8 <= count {
                let value = word(block)
                guard SWARClass.mayAllBeBase64(value), SWARClass.base64(value) == SWARClass.high else {
                    block += 8
                    continue
                }
                // Back from the block to the first byte of the run, a word at a time while whole words fit.
                var start = block
                while start >= 8 {
                    let outside = ~SWARClass.base64(word(start - 8)) & SWARClass.high
                    if outside != 0 {
                        start -= outside.leadingZeroBitCount / 8
                        break
                    }
                    start -= 8
                }
                if start < 8 { while start > 0 && table[Int(bytes[start - 1])] != 0 { start -= 1 } }
                // On from the block to the byte after the run.
                var end = block + 8
                while end + 8 <= count {
                    let outside = ~SWARClass.base64(word(end)) & SWARClass.high
                    if outside != 0 {
                        end += outside.trailingZeroBitCount / 8
                        break
                    }
                    end += 8
                }
                if end + 8 > count { while end < count && table[Int(bytes[end])] != 0 { end += 1 } }
                if end - start >= minimumBase64Length {
                    var allHex = true
                    for index in start..<end where table[Int(bytes[index])] == 1 {
                        allHex = false
                        break
                    }
                    candidates.append((start..<end, allHex))
                }
                // The next run starts after the byte that ended this one.
                block = (end + 1 + 7) & ~7
            }
        }
        return candidates
    }

    /// Decodes the candidate runs that hold text, skipping those overlapping `excluded`.
    private static func decode(
        _ candidates: [(range: Range<Int>, allHex: Bool)], in bytes: UnsafeRawBufferPointer, excluding excluded: [Range<Int>]
    ) -> [EncodedRun] {
        // The excluded ranges as a sorted union of disjoint spans, swept alongside the candidates
        // (which come in order): linear, however many findings a file holds.
        let merged = excluded.merged()
        var nextExcluded = 0
        var runs: [EncodedRun] = []
        var decodedTotal = 0
        for (range, allHex) in candidates {
            guard runs.count < maximumRuns, decodedTotal < maximumDecodedBytes else { break }
            var stop = range.upperBound
            // Padding belongs to the run.
            while stop < bytes.count && stop - range.upperBound < 2 && bytes[stop] == UInt8(ascii: "=") { stop += 1 }
            let length = range.count
            while nextExcluded < merged.count && merged[nextExcluded].upperBound <= range.lowerBound {
                nextExcluded += 1
            }
            let overlapsExcluded = nextExcluded < merged.count && merged[nextExcluded].lowerBound < stop
            guard stop - range.lowerBound <= maximumRunLength, !overlapsExcluded else { continue }
            let text = UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<stop])
            let hex = allHex && length >= minimumHexLength && length % 2 == 0
            guard mayEncodeText(text, hex: hex) else { continue }
            if hex, let decoded = hexDecode(text), isText(decoded) {
                runs.append(EncodedRun(range: range.lowerBound..<stop, encoding: .hex, decoded: decoded))
                decodedTotal += decoded.count
            } else if length % 4 != 1, let decoded = Base64URL.decode(text), decoded.count >= 12, isText(decoded) {
                runs.append(EncodedRun(range: range.lowerBound..<stop, encoding: .base64, decoded: decoded))
                decodedTotal += decoded.count
            }
        }
        return runs
    }

    /// Per-byte tests on eight bytes at once (SIMD within a register): each answer has a byte's
    /// high bit set where the test holds. Bytes of 0x80 and above never hold.
    enum SWARClass {
        static let high: UInt64 = 0x8080_8080_8080_8080
        static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        static let ones: UInt64 = 0x0101_0101_0101_0101

        /// Bytes at least `c` (1…0x80), of the low seven bits `x` of each byte.
        @inline(__always) static func atLeast(_ x: UInt64, _ c: UInt64) -> UInt64 { (x &+ (0x80 &- c) &* ones) & high }
        @inline(__always) static func equal(_ x: UInt64, _ c: UInt64) -> UInt64 { ~((x ^ (c &* ones)) &+ low7) & high }

        /// A quick necessary test for all eight being base64 characters: all within `+`…`z`.
        @inline(__always) static func mayAllBeBase64(_ value: UInt64) -> Bool {
            let x = value & low7
            return (~value & atLeast(x, 0x2B) & ~atLeast(x, 0x7B)) == high
        }

        /// Bytes that are base64 characters of either alphabet: `A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`, `-`, `_`.
        @inline(__always) static func base64(_ value: UInt64) -> UInt64 {
            let x = value & low7
            let digit = atLeast(x, 0x30) & ~atLeast(x, 0x3A)
            let folded = x | (0x20 &* ones)
            let letter = atLeast(folded, 0x61) & ~atLeast(folded, 0x7B)
            // `+`, `-` and `/` are the odd bytes from 0x2B to 0x2F.
            let sign = atLeast(x, 0x2B) & ~atLeast(x, 0x30) & (x << 7)
            return ~value & (digit | letter | sign | equal(x, 0x5F))
        }
    }

    /// A cheap look before decoding: text bytes (0x20–0x7E) put the first character of every
    /// base64 quad in `I`–`Z` or `a`–`f`, and the first digit of every hex pair in `2`–`7`. Code
    /// identifiers and hashes fail at once; a run passes with at most 1 in 10 misses.
    static func mayEncodeText(_ text: UnsafeRawBufferPointer, hex: Bool) -> Bool {
        let stride = hex ? 2 : 4
        var checked = 0
        var misses = 0
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "=") { break }
            let fits =
                hex
                ? (byte >= UInt8(ascii: "2") && byte <= UInt8(ascii: "7"))
                : ((byte >= UInt8(ascii: "I") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")))
            checked += 1
            if !fits {
                misses += 1
                if misses * 10 > max(checked, 10) { return hex ? mayEncodeText(text, hex: false) : false }
            }
            index += stride
        }
        return true
    }

    /// A whole value that is base64 of text (a Kubernetes Secret's `data:` value): at least 12
    /// characters, canonical padding, decoding to 8 or more bytes of text.
    static func decodeWholeValue(_ value: [UInt8]) -> [UInt8]? {
        guard value.count >= 12 else { return nil }
        let padded = value.last == UInt8(ascii: "=")
        guard padded ? value.count % 4 == 0 : value.count % 4 != 1 else { return nil }
        let check = value.withUnsafeBytes { mayEncodeText($0, hex: false) }
        guard check, let decoded = Base64URL.decode(value), decoded.count >= 8,
            isText(decoded)
        else { return nil }
        return decoded
    }

    static func hexDecode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x61...0x66: return byte - 0x61 + 10
            case 0x41...0x46: return byte - 0x41 + 10
            default: return nil
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 2)
        var index = 0
        while index + 1 < text.count {
            guard let high = value(text[index]), let low = value(text[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    /// Mostly printable ASCII (with tabs and line breaks), or valid UTF-8 text.
    static func isText(_ bytes: [UInt8]) -> Bool {
        var printable = 0
        for byte in bytes where (byte >= 0x20 && byte < 0x7F) || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            printable += 1
        }
        return Double(printable) >= Double(bytes.count) * printableShare
    }
}
