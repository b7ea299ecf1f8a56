#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

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
        decode(candidates(in: bytes, mayBeText: true), in: bytes, excluding: excluded)
    }

    /// The maximal runs of base64 characters (both alphabets) at least `minimumBase64Length`
    /// long, in order, and whether each is all hex digits. Without a branch per byte or per
    /// word: each 64 bytes become one mask word (a bit per base64 character, sixteen bytes
    /// classified at once, `ByteClass`), shifted ANDs of two neighbouring mask words mark the
    /// bytes that begin 20 base64 characters in a row, and only the runs that begin at such a
    /// byte are traced, on the masks. In code, most runs are short identifiers; a test per run,
    /// or per word as before, was a mispredicted branch every few bytes.
    /// With `mayBeText`, a run that `mayEncodeText` would turn down at once (two misses among
    /// its first ten quads) is left out here, unless it could be hex: in code, almost every run
    /// is an identifier that fails so.
    static func candidates(
        in bytes: UnsafeRawBufferPointer, mayBeText: Bool = false
    ) -> [(range: Range<Int>, allHex: Bool)] {
        var candidates: [(range: Range<Int>, allHex: Bool)] = []
        let count = bytes.count
        guard count >= minimumBase64Length, let base = bytes.baseAddress else { return candidates }
        let chunks = (count + 63) / 64
        // One more word, all zero, after the last: a run always ends within the masks.
        var masks = [UInt64](repeating: 0, count: chunks + 1)
        masks.withUnsafeMutableBufferPointer { masks in
            let whole = count / 64
            for chunk in 0..<whole { masks[chunk] = ByteClass.base64Mask(base + chunk * 64) }
            if whole < chunks {
                // The last, partial chunk: copied into zeros (a NUL is not base64).
                var tail = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
                withUnsafeMutableBytes(of: &tail) { buffer in
                    buffer.baseAddress!.copyMemory(from: base + whole * 64, byteCount: count - whole * 64)
                    masks[whole] = ByteClass.base64Mask(UnsafeRawPointer(buffer.baseAddress!))
                }
            }
            let table = classTable
            let leads = quadLeadTable
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            var previousTop: UInt64 = 0  // the last byte of the chunk before, as bit 0
            for chunk in 0..<chunks {
                let low = masks[chunk]
                let starts = low & ~((low << 1) | previousTop)
                previousTop = low >> 63
                guard starts != 0 else { continue }
                var long = ByteClass.beginsRunOf20(low, masks[chunk + 1]) & starts
                while long != 0 {
                    let start = chunk * 64 + long.trailingZeroBitCount
                    long &= long - 1
                    // The run's end: the first clear bit after its start.
                    var word = start / 64
                    var outside = ~masks[word] & (~0 << UInt64(start % 64))
                    while outside == 0 {
                        word += 1
                        outside = ~masks[word]
                    }
                    let end = word * 64 + outside.trailingZeroBitCount
                    var allHex = true
                    for index in start..<end where table[Int(bytes[index])] == 1 {
                        allHex = false
                        break
                    }
                    if mayBeText && !(allHex && end - start >= minimumHexLength && (end - start) % 2 == 0) {
                        // `mayEncodeText`'s first ten steps: a second miss there turns the run down.
                        var misses = 0
                        var lead = start
                        while lead < end && lead < start + 40 && misses < 2 {
                            if leads[Int(bytes[lead])] == 0 { misses += 1 }
                            lead += 4
                        }
                        if misses >= 2 { continue }
                    }
                    candidates.append((start..<end, allHex))
                }
            }
        }
        return candidates
    }

    /// 1 for the bytes base64 of text puts first in a quad (`I`–`Z`, `a`–`f`; `mayEncodeText`).
    private static let quadLeads: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in "IJKLMNOPQRSTUVWXYZabcdef".utf8 { table[Int(byte)] = 1 }
        return table
    }()

    /// `classes` and `quadLeads` where the run loop reads them: a pointer each, made once and
    /// kept for the process, so the loop pays neither a retain nor a bounds check per byte.
    /// Read-only after it is made.
    nonisolated(unsafe) private static let classTable = permanentCopy(classes)
    nonisolated(unsafe) private static let quadLeadTable = permanentCopy(quadLeads)

    private static func permanentCopy(_ table: [UInt8]) -> UnsafePointer<UInt8> {
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: table.count)
        copy.initialize(from: table, count: table.count)
        return UnsafePointer(copy)
    }

    /// Decodes the candidate runs that hold text, skipping those overlapping `excluded`.
    static func decode(
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

    /// Per-byte tests on sixteen bytes at once. `SIMD16` additions and masks lower to SSE2 or
    /// NEON instructions, its comparisons to a loop over the lanes: so the tests are additions
    /// whose high bit tells (`atLeast`), and each answer has a byte's high bit set where the
    /// test holds. Bytes of 0x80 and above never hold.
    enum ByteClass {
        /// One bit per byte for the 64 bytes at `pointer`, byte 0's lowest: set for base64
        /// characters of either alphabet. SSE2 on x86-64 (every x86-64 processor has it), where
        /// `pmovmskb` gathers the sixteen answers at once, where the portable lanes' gathers are
        /// multiplications (over /usr/include's bytes, `candidates` took 41 ms instead of 51).
        /// The portable lanes elsewhere.
        @inline(__always) static func base64Mask(_ pointer: UnsafeRawPointer) -> UInt64 {
            #if arch(x86_64)
            return base64MaskSSE2(pointer)
            #else
            return base64MaskPortable(pointer)
            #endif
        }

        #if arch(x86_64)
        /// `base64Mask` in SSE2. A range test is an addition that moves the range to the
        /// bottom of the signed bytes and one signed comparison.
        @inline(__always) static func base64MaskSSE2(_ pointer: UnsafeRawPointer) -> UInt64 {
            @inline(__always) func within(_ x: __m128i, from low: UInt8, count: UInt8) -> __m128i {
                _mm_cmplt_epi8(
                    _mm_add_epi8(x, _mm_set1_epi8(CChar(bitPattern: 0x80 &- low))),
                    _mm_set1_epi8(CChar(bitPattern: 0x80 &+ count)))
            }
            @inline(__always) func equal(_ x: __m128i, _ byte: UInt8) -> __m128i {
                _mm_cmpeq_epi8(x, _mm_set1_epi8(CChar(bitPattern: byte)))
            }
            var mask: UInt64 = 0
            for index in 0..<4 {
                let x = _mm_loadu_si128((pointer + index * 16).assumingMemoryBound(to: __m128i.self))
                let digit = within(x, from: 0x30, count: 10)
                let letter = within(_mm_or_si128(x, _mm_set1_epi8(0x20)), from: 0x61, count: 26)
                let signs = _mm_or_si128(
                    _mm_or_si128(equal(x, UInt8(ascii: "+")), equal(x, UInt8(ascii: "-"))),
                    _mm_or_si128(equal(x, UInt8(ascii: "/")), equal(x, UInt8(ascii: "_"))))
                let base64 = _mm_or_si128(_mm_or_si128(digit, letter), signs)
                mask |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(base64))) << UInt64(index * 16)
            }
            return mask
        }
        #endif

        /// `base64Mask` on `SIMD16` lanes, for every architecture.
        @inline(__always) static func base64MaskPortable(_ pointer: UnsafeRawPointer) -> UInt64 {
            var mask: UInt64 = 0
            for index in 0..<4 {
                let value = pointer.loadUnaligned(fromByteOffset: index * 16, as: SIMD16<UInt8>.self)
                // Lane 0 is the lowest byte of the first half: every Swift target is little-endian.
                let halves = unsafeBitCast(base64(value), to: SIMD2<UInt64>.self)
                mask |= (gather(halves[0]) | gather(halves[1]) << 8) << UInt64(index * 16)
            }
            return mask
        }

        /// Bytes that are base64 characters of either alphabet: `A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`, `-`, `_`.
        @inline(__always) static func base64(_ value: SIMD16<UInt8>) -> SIMD16<UInt8> {
            // Lanes are apart (no carry crosses them), and a lane of 0x80 or more is dropped by
            // `~value` at the end: the tests need not mask the high bit first.
            let x = value
            let digit = atLeast(x, 0x30) & ~atLeast(x, 0x3A)
            let folded = x | 0x20
            let letter = atLeast(folded, 0x61) & ~atLeast(folded, 0x7B)
            // `+`, `-` and `/` are the odd bytes from 0x2B to 0x2F.
            let sign = atLeast(x, 0x2B) & ~atLeast(x, 0x30) & (x &<< 7)
            let underscore = ~((x ^ 0x5F) &+ 0x7F)
            return ~value & (digit | letter | sign | underscore) & 0x80
        }

        /// Bytes at least `c` (1…0x80), of bytes below 0x80.
        @inline(__always) static func atLeast(_ x: SIMD16<UInt8>, _ c: UInt8) -> SIMD16<UInt8> {
            x &+ SIMD16(repeating: 0x80 &- c)
        }

        /// The high bits of a word's eight bytes as eight bits, byte 0's lowest.
        @inline(__always) static func gather(_ highBits: UInt64) -> UInt64 {
            ((highBits >> 7) &* 0x0102_0408_1020_4080) >> 56
        }

        /// Bits of `low` that begin 20 set bits in a row, reading on into `high` (the next word).
        @inline(__always) static func beginsRunOf20(_ low: UInt64, _ high: UInt64) -> UInt64 {
            // Each step keeps the bits with twice as many set bits from them on.
            func step(_ low: UInt64, _ high: UInt64, _ shift: UInt64) -> (UInt64, UInt64) {
                (low & ((low >> shift) | (high << (64 - shift))), high & (high >> shift))
            }
            let two = step(low, high, 1)
            let four = step(two.0, two.1, 2)
            let eight = step(four.0, four.1, 4)
            let sixteen = step(eight.0, eight.1, 8)
            return sixteen.0 & ((four.0 >> 16) | (four.1 << 48))
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
