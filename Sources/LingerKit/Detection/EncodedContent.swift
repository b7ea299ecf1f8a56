#if arch(x86_64)
import _Builtin_intrinsics.intel
import LingerSIMD
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

    /// Runs that decode to text, in order, skipping any that overlap `excluded` ranges.
    /// `candidates`: those `candidates(in: bytes, mayBeText: true)` gives, when already known
    /// (`MatchOutcome.encodedCandidates`).
    static func runs(
        in bytes: UnsafeRawBufferPointer, excluding excluded: [Range<Int>] = [],
        candidates known: [(range: Range<Int>, allHex: Bool)]? = nil
    ) -> [EncodedRun] {
        decode(known ?? candidates(in: bytes, mayBeText: true), in: bytes, excluding: excluded)
    }

    /// The maximal runs of base64 characters (both alphabets) at least `minimumBase64Length`
    /// long, in order, and whether each is all hex digits. Without a branch per byte: each 64
    /// bytes become mask words (a bit per byte, sixteen bytes classified at once, `ByteClass`):
    /// base64 characters, hex digits, and the bytes base64 of text puts first in a quad. Shifted
    /// ANDs of two neighbouring base64 words mark the bytes that begin 20 base64 characters in a
    /// row, and each run that begins at such a byte is traced and judged on the masks alone.
    /// In code most runs are long identifiers (830,000 in /usr/include); judging each byte by
    /// byte, with a branch per byte, cost more than finding them.
    /// With `mayBeText`, a run that `mayEncodeText` would turn down at once (two misses among
    /// its first ten quads) is left out here, unless it could be hex: in code, almost every run
    /// is an identifier that fails so.
    static func candidates(
        in bytes: UnsafeRawBufferPointer, mayBeText: Bool = false, classifier: ByteClass.Classifier = .fastest
    ) -> [(range: Range<Int>, allHex: Bool)] {
        var unused: [(rule: Int, end: Int)] = []
        return candidates(in: bytes, mayBeText: mayBeText, classifier: classifier, gates: [], gateEnds: &unused)
    }

    /// A rule whose candidates are runs (`PrefilterRun`), by rule index.
    struct RunGate {
        var rule: Int
        var run: PrefilterRun
    }

    /// Whether `byte` is a base64 character of either alphabet (`ByteClass.Masks.base64`).
    static func isBase64Character(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2B, 0x2D, 0x2F, 0x5F: return true
        default: return false
        }
    }

    /// `candidates`, and in `gateEnds` (appended to) the candidate ends of each of `gates`' rules:
    /// after every maximal run at least as long as it asks, and the byte it asks to follow. Every
    /// run of 20 or more is traced here anyway, `mayBeText` or not.
    static func candidates(
        in bytes: UnsafeRawBufferPointer, mayBeText: Bool, classifier: ByteClass.Classifier = .fastest,
        gates: [RunGate], gateEnds: inout [(rule: Int, end: Int)]
    ) -> [(range: Range<Int>, allHex: Bool)] {
        var candidates: [(range: Range<Int>, allHex: Bool)] = []
        let shortestGate = gates.lazy.map(\.run.minimumLength).min() ?? .max
        let count = bytes.count
        guard count >= minimumBase64Length, let base = bytes.baseAddress else { return candidates }
        let chunks = (count + 63) / 64
        // Per chunk: base64 characters, bytes that are not hex digits, bytes that are not quad
        // leads, and (with AVX2) the bytes that begin a run of 20. One more chunk, all zero,
        // after the last: a run always ends within the masks.
        var masks = [UInt64](repeating: 0, count: 4 * (chunks + 1))
        masks.withUnsafeMutableBufferPointer { masks in
            let base64 = masks.baseAddress!
            let notHex = base64 + (chunks + 1)
            let notLead = notHex + (chunks + 1)
            let longStarts = notLead + (chunks + 1)
            @inline(__always) func store(_ classes: ByteClass.Masks, at chunk: Int) {
                base64[chunk] = classes.base64
                notHex[chunk] = ~classes.hex
                notLead[chunk] = ~classes.lead
            }
            let whole = count / 64
            var classified = false
            #if arch(x86_64)
            if classifier == .avx2 {
                linger_byte_classes_avx2(base.assumingMemoryBound(to: UInt8.self), whole, base64, notHex, notLead)
                classified = true
            }
            #endif
            if !classified {
                for chunk in 0..<whole { store(ByteClass.masks(base + chunk * 64), at: chunk) }
            }
            if whole < chunks {
                // The last, partial chunk: copied into zeros (a NUL is not base64).
                var tail = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
                withUnsafeMutableBytes(of: &tail) { buffer in
                    buffer.baseAddress!.copyMemory(from: base + whole * 64, byteCount: count - whole * 64)
                    store(ByteClass.masks(UnsafeRawPointer(buffer.baseAddress!)), at: whole)
                }
            }
            // Where runs of 20 begin: with AVX2, for four chunks at a time (finding them a chunk
            // at a time was most of this function's time: a run is rare, a chunk is not).
            var startsFound = false
            #if arch(x86_64)
            if classifier == .avx2 {
                linger_long_run_starts_avx2(base64, chunks, longStarts)
                startsFound = true
            }
            #endif
            // Every fourth byte of the first forty: where `mayEncodeText` looks for quad leads.
            let quadPlaces: UInt64 = 0x11_1111_1111
            var previousTop: UInt64 = 0  // the last byte of the chunk before, as bit 0
            for chunk in 0..<chunks {
                var long: UInt64
                if startsFound {
                    long = longStarts[chunk]
                } else {
                    let low = base64[chunk]
                    let starts = low & ~((low << 1) | previousTop)
                    previousTop = low >> 63
                    guard starts != 0 else { continue }
                    long = ByteClass.beginsRunOf20(low, base64[chunk + 1]) & starts
                }
                while long != 0 {
                    let start = chunk * 64 + long.trailingZeroBitCount
                    long &= long - 1
                    // The run's end: the first clear bit after its start. Whether a byte in
                    // it is not hex, on the way.
                    var word = start / 64
                    var from: UInt64 = ~0 << UInt64(start % 64)
                    var outside = ~base64[word] & from
                    var nonHex: UInt64 = 0
                    while outside == 0 {
                        nonHex |= notHex[word] & from
                        from = ~0
                        word += 1
                        outside = ~base64[word]
                    }
                    let end = word * 64 + outside.trailingZeroBitCount
                    // In the last word, the run's bytes are those below the end.
                    nonHex |= notHex[word] & from & ((outside & (0 &- outside)) &- 1)
                    let allHex = nonHex == 0
                    let length = end - start
                    if length >= shortestGate {
                        for gate in gates where length >= gate.run.minimumLength {
                            guard let byte = gate.run.followedBy else {
                                gateEnds.append((gate.rule, end))
                                continue
                            }
                            if end < count && bytes[end] == byte { gateEnds.append((gate.rule, end + 1)) }
                        }
                    }
                    if mayBeText && !(allHex && length >= minimumHexLength && length % 2 == 0) {
                        // `mayEncodeText`'s first ten steps: a second miss there turns the run down.
                        let shift = UInt64(start % 64)
                        let following = start / 64 + 1
                        let window =
                            (notLead[following - 1] >> shift) | (shift == 0 ? 0 : notLead[following] << (64 - shift))
                        let within = length >= 64 ? ~UInt64(0) : (UInt64(1) << UInt64(length)) - 1
                        if (window & quadPlaces & within).nonzeroBitCount >= 2 { continue }
                    }
                    candidates.append((start..<end, allHex))
                }
            }
        }
        return candidates
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
        /// What classifies the whole chunks: `linger_byte_classes_avx2` (LingerSIMD, C) where the
        /// processor runs AVX2 (two table look-ups per byte class, 32 bytes at a time: on
        /// /usr/include's bytes, `candidates` took 29 ms instead of 41), else `masks` (SSE2 or
        /// the portable lanes).
        enum Classifier: Hashable {
            case avx2, sixteenLanes
            static let fastest: Classifier = {
                #if arch(x86_64)
                return VectorscanDatabase.processorHasAVX2 ? .avx2 : .sixteenLanes
                #else
                return .sixteenLanes
                #endif
            }()
        }

        /// One bit per byte for 64 bytes, byte 0's lowest, for each class `candidates` reads.
        struct Masks: Equatable {
            /// Base64 characters of either alphabet: `A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`, `-`, `_`.
            var base64: UInt64 = 0
            /// Hex digits: `0`–`9`, `a`–`f`, `A`–`F`.
            var hex: UInt64 = 0
            /// What base64 of text puts first in a quad (`mayEncodeText`): `I`–`Z`, `a`–`f`.
            var lead: UInt64 = 0
        }

        /// The masks of the 64 bytes at `pointer`. SSE2 on x86-64 (every x86-64 processor has
        /// it), where `pmovmskb` gathers the sixteen answers at once, where the portable lanes'
        /// gathers are multiplications (over /usr/include's bytes, the base64 mask alone made
        /// `candidates` take 41 ms instead of 51). The portable lanes elsewhere.
        @inline(__always) static func masks(_ pointer: UnsafeRawPointer) -> Masks {
            #if arch(x86_64)
            return masksSSE2(pointer)
            #else
            return masksPortable(pointer)
            #endif
        }

        #if arch(x86_64)
        /// `masks` in SSE2. A range test is an addition that moves the range to the bottom of
        /// the signed bytes and one signed comparison.
        @inline(__always) static func masksSSE2(_ pointer: UnsafeRawPointer) -> Masks {
            @inline(__always) func within(_ x: __m128i, from low: UInt8, count: UInt8) -> __m128i {
                _mm_cmplt_epi8(
                    _mm_add_epi8(x, _mm_set1_epi8(CChar(bitPattern: 0x80 &- low))),
                    _mm_set1_epi8(CChar(bitPattern: 0x80 &+ count)))
            }
            @inline(__always) func equal(_ x: __m128i, _ byte: UInt8) -> __m128i {
                _mm_cmpeq_epi8(x, _mm_set1_epi8(CChar(bitPattern: byte)))
            }
            @inline(__always) func bits(_ answers: __m128i, _ index: Int) -> UInt64 {
                UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(answers))) << UInt64(index * 16)
            }
            var masks = Masks()
            for index in 0..<4 {
                let x = _mm_loadu_si128((pointer + index * 16).assumingMemoryBound(to: __m128i.self))
                let digit = within(x, from: 0x30, count: 10)
                let folded = _mm_or_si128(x, _mm_set1_epi8(0x20))
                let letter = within(folded, from: 0x61, count: 26)
                let hexLetter = within(folded, from: 0x61, count: 6)
                let signs = _mm_or_si128(
                    _mm_or_si128(equal(x, UInt8(ascii: "+")), equal(x, UInt8(ascii: "-"))),
                    _mm_or_si128(equal(x, UInt8(ascii: "/")), equal(x, UInt8(ascii: "_"))))
                masks.base64 |= bits(_mm_or_si128(_mm_or_si128(digit, letter), signs), index)
                masks.hex |= bits(_mm_or_si128(digit, hexLetter), index)
                masks.lead |= bits(
                    _mm_or_si128(within(x, from: UInt8(ascii: "I"), count: 18), within(x, from: 0x61, count: 6)), index)
            }
            return masks
        }
        #endif

        /// `masks` on `SIMD16` lanes, for every architecture.
        @inline(__always) static func masksPortable(_ pointer: UnsafeRawPointer) -> Masks {
            @inline(__always) func bits(_ answers: SIMD16<UInt8>, _ index: Int) -> UInt64 {
                // Lane 0 is the lowest byte of the first half: every Swift target is little-endian.
                let halves = unsafeBitCast(answers, to: SIMD2<UInt64>.self)
                return (gather(halves[0]) | gather(halves[1]) << 8) << UInt64(index * 16)
            }
            var masks = Masks()
            for index in 0..<4 {
                let x = pointer.loadUnaligned(fromByteOffset: index * 16, as: SIMD16<UInt8>.self)
                masks.base64 |= bits(base64(x), index)
                let folded = x | 0x20
                let digit = atLeast(x, 0x30) & ~atLeast(x, 0x3A)
                let hexLetter = atLeast(folded, 0x61) & ~atLeast(folded, 0x67)
                masks.hex |= bits(~x & (digit | hexLetter) & 0x80, index)
                let upper = atLeast(x, UInt8(ascii: "I")) & ~atLeast(x, 0x5B)
                let lower = atLeast(x, 0x61) & ~atLeast(x, 0x67)
                masks.lead |= bits(~x & (upper | lower) & 0x80, index)
            }
            return masks
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
