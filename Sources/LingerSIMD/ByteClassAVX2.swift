#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Byte classes of 64 bytes at a time in AVX2: each byte's two nibbles index two 16-entry
/// tables (`vpshufb`), and a class holds where the two entries share a bit. Compiled for AVX2:
/// call only where the processor has it.
public enum ByteClassAVX2 {
    /// For `count` whole chunks of 64 bytes from `bytes`: per chunk, a bit per byte (byte 0's
    /// lowest) for base64 characters of either alphabet (into `base64`), for bytes that are not
    /// hex digits (`notHex`) and for bytes that are not `I`–`Z` or `a`–`f` (`notLead`).
    public static func masks(
        _ bytes: UnsafeRawPointer, chunks count: Int,
        base64: UnsafeMutablePointer<UInt64>, notHex: UnsafeMutablePointer<UInt64>,
        notLead: UnsafeMutablePointer<UInt64>
    ) {
        // Tables of bits by low and by high nibble; a byte is in a class when its two entries
        // share one of the class's bits.
        // 0: A–O, a–o (high 4 or 6, low 1–F)   1: P–Z, p–z (5 or 7, 0–A)   2: 0–9 (3, 0–9)
        // 3: + - / (2; B, D, F)   4: _ (5, F)   5: A–F, a–f (4 or 6, 1–6)
        let low1 = _mm256_setr_epi8(
            0x06, 0x27, 0x27, 0x27, 0x27, 0x27, 0x27, 0x07, 0x07, 0x07, 0x03, 0x09, 0x01, 0x09, 0x01, 0x19,
            0x06, 0x27, 0x27, 0x27, 0x27, 0x27, 0x27, 0x07, 0x07, 0x07, 0x03, 0x09, 0x01, 0x09, 0x01, 0x19)
        let high1 = _mm256_setr_epi8(
            0, 0, 0x08, 0x04, 0x21, 0x12, 0x21, 0x02, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0x08, 0x04, 0x21, 0x12, 0x21, 0x02, 0, 0, 0, 0, 0, 0, 0, 0)
        // 0: I–O (4, 9–F)   1: P–Z (5, 0–A)   2: a–f (6, 1–6)
        let low2 = _mm256_setr_epi8(
            0x02, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x02, 0x02, 0x03, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01,
            0x02, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x02, 0x02, 0x03, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01)
        let high2 = _mm256_setr_epi8(
            0, 0, 0, 0, 0x01, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0x01, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let nibble = _mm256_set1_epi8(0x0F)
        let zero = _mm256_setzero_si256()
        let base64Bits = _mm256_set1_epi8(0x1F)
        let hexBits = _mm256_set1_epi8(0x24)
        @inline(__always) func none(_ flags: __m256i, _ bits: __m256i) -> UInt64 {
            // A bit per byte where `flags` holds none of `bits`.
            UInt64(UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(flags, bits), zero))))
        }
        for chunk in 0..<count {
            var classes = (base64: UInt64(0), notHex: UInt64(0), notLead: UInt64(0))
            for half in 0..<2 {
                let x = _mm256_loadu_si256((bytes + chunk * 64 + half * 32).assumingMemoryBound(to: __m256i.self))
                let lowNibbles = _mm256_and_si256(x, nibble)
                let highNibbles = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble)
                let flags = _mm256_and_si256(
                    _mm256_shuffle_epi8(low1, lowNibbles), _mm256_shuffle_epi8(high1, highNibbles))
                let leads = _mm256_and_si256(
                    _mm256_shuffle_epi8(low2, lowNibbles), _mm256_shuffle_epi8(high2, highNibbles))
                let shift = UInt64(half * 32)
                classes.base64 |= (~none(flags, base64Bits) & 0xFFFF_FFFF) << shift
                classes.notHex |= none(flags, hexBits) << shift
                classes.notLead |= UInt64(UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(leads, zero)))) << shift
            }
            base64[chunk] = classes.base64
            notHex[chunk] = classes.notHex
            notLead[chunk] = classes.notLead
        }
    }
}
#endif
