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
        // First the candidate runs, then the decoding. A run of at least `minimumBase64Length`
        // characters holds one of any set of positions spaced no further apart than that, so
        // only those positions are looked at, and a run is traced out from the ones that land in one.
        var candidates: [(range: Range<Int>, allHex: Bool)] = []
        let step = minimumBase64Length
        classes.withUnsafeBufferPointer { table in
            let count = bytes.count
            var position = step - 1
            var examinedUpTo = 0
            while position < count {
                // A run of `step` or more through `position` reaches `step / 2` to one side of it,
                // all of that side in the run: probes at the far end and half-way on each side
                // rule out most words (identifiers are runs too) without tracing them.
                let half = step / 2
                let quarter = half / 2
                let reachesRight =
                    position + half - 1 < count && table[Int(bytes[position + half - 1])] != 0
                    && table[Int(bytes[position + quarter])] != 0
                let reachesLeft =
                    position >= half && table[Int(bytes[position - half])] != 0
                    && table[Int(bytes[position - quarter])] != 0
                if table[Int(bytes[position])] == 0 || (!reachesRight && !reachesLeft) {
                    position += step
                    continue
                }
                var start = position
                while start > examinedUpTo && table[Int(bytes[start - 1])] != 0 { start -= 1 }
                var end = position + 1
                while end < count && table[Int(bytes[end])] != 0 { end += 1 }
                if end - start >= step {
                    var allHex = true
                    for index in start..<end where table[Int(bytes[index])] == 1 {
                        allHex = false
                        break
                    }
                    candidates.append((start..<end, allHex))
                }
                examinedUpTo = end
                position = end + step
            }
        }
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
