// Byte classes of 64 bytes at a time in AVX2: each byte's two nibbles index two 16-entry tables
// (vpshufb), and a byte is in a class when its two entries share one of the class's bits. The
// function alone is compiled for AVX2 (a target attribute), so the rest of the program runs on
// any x86-64 processor; LingerKit calls it only where vectorscan's check finds AVX2.
#include "byte_classes.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) void linger_byte_classes_avx2(
    const uint8_t *bytes, size_t chunks, uint64_t *base64, uint64_t *not_hex, uint64_t *not_lead) {
    // Each table is 16 entries, the same in both 128-bit lanes (vpshufb looks up within a lane).
    // Bits of the first pair of tables, by low and by high nibble:
    // 0: A-O, a-o (high 4 or 6, low 1-F)   1: P-Z, p-z (5 or 7, 0-A)   2: 0-9 (3, 0-9)
    // 3: + - / (2; B, D, F)   4: _ (5, F)   5: A-F, a-f (4 or 6, 1-6)
    const __m256i low1 = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0x06, 0x27, 0x27, 0x27, 0x27, 0x27, 0x27, 0x07, 0x07, 0x07, 0x03, 0x09, 0x01, 0x09, 0x01, 0x19));
    const __m256i high1 = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0, 0, 0x08, 0x04, 0x21, 0x12, 0x21, 0x02, 0, 0, 0, 0, 0, 0, 0, 0));
    // The second pair, quad leads: 0: I-O (4, 9-F)   1: P-Z (5, 0-A)   2: a-f (6, 1-6)
    const __m256i low2 = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0x02, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x02, 0x02, 0x03, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01));
    const __m256i high2 = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        0, 0, 0, 0, 0x01, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i base64_bits = _mm256_set1_epi8(0x1F);
    const __m256i hex_bits = _mm256_set1_epi8(0x24);
    for (size_t chunk = 0; chunk < chunks; chunk++) {
        uint64_t in_base64 = 0, outside_hex = 0, outside_lead = 0;
        for (int half = 0; half < 2; half++) {
            const __m256i x = _mm256_loadu_si256((const __m256i *)(bytes + chunk * 64 + half * 32));
            const __m256i low_nibbles = _mm256_and_si256(x, nibble);
            const __m256i high_nibbles = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
            const __m256i flags =
                _mm256_and_si256(_mm256_shuffle_epi8(low1, low_nibbles), _mm256_shuffle_epi8(high1, high_nibbles));
            const __m256i leads =
                _mm256_and_si256(_mm256_shuffle_epi8(low2, low_nibbles), _mm256_shuffle_epi8(high2, high_nibbles));
            // A bit per byte where the flags hold none of a class's bits.
            const uint64_t not_base64 =
                (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(flags, base64_bits), zero));
            const uint64_t no_hex =
                (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(flags, hex_bits), zero));
            const uint64_t no_lead = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(leads, zero));
            const int shift = half * 32;
            in_base64 |= (~not_base64 & 0xFFFFFFFFu) << shift;
            outside_hex |= no_hex << shift;
            outside_lead |= no_lead << shift;
        }
        base64[chunk] = in_base64;
        not_hex[chunk] = outside_hex;
        not_lead[chunk] = outside_lead;
    }
}

// Each step keeps the bits with twice as many set bits from them on (`low` reads on into
// `high`, the next word); four steps make 16, and the bits 16 on from them that begin 4 make 20.
static inline uint64_t begins_run_of_20(uint64_t low, uint64_t high) {
    uint64_t four_low = 0, four_high = 0;
    for (unsigned shift = 1; shift <= 8; shift *= 2) {
        low &= (low >> shift) | (high << (64 - shift));
        high &= high >> shift;
        if (shift == 2) {
            four_low = low;
            four_high = high;
        }
    }
    return low & ((four_low >> 16) | (four_high << 48));
}

__attribute__((target("avx2"))) void linger_long_run_starts_avx2(
    const uint64_t *base64, size_t chunks, uint64_t *starts) {
    if (chunks == 0) return;
    starts[0] = begins_run_of_20(base64[0], base64[1]) & base64[0] & ~(base64[0] << 1);
    size_t chunk = 1;
    for (; chunk + 4 <= chunks; chunk += 4) {
        __m256i low = _mm256_loadu_si256((const __m256i *)(base64 + chunk));
        __m256i high = _mm256_loadu_si256((const __m256i *)(base64 + chunk + 1));
        const __m256i before = _mm256_loadu_si256((const __m256i *)(base64 + chunk - 1));
        const __m256i begins =
            _mm256_andnot_si256(_mm256_or_si256(_mm256_slli_epi64(low, 1), _mm256_srli_epi64(before, 63)), low);
        // The steps of `begins_run_of_20`, a word per lane.
        low = _mm256_and_si256(low, _mm256_or_si256(_mm256_srli_epi64(low, 1), _mm256_slli_epi64(high, 63)));
        high = _mm256_and_si256(high, _mm256_srli_epi64(high, 1));
        low = _mm256_and_si256(low, _mm256_or_si256(_mm256_srli_epi64(low, 2), _mm256_slli_epi64(high, 62)));
        high = _mm256_and_si256(high, _mm256_srli_epi64(high, 2));
        const __m256i four_low = low, four_high = high;
        low = _mm256_and_si256(low, _mm256_or_si256(_mm256_srli_epi64(low, 4), _mm256_slli_epi64(high, 60)));
        high = _mm256_and_si256(high, _mm256_srli_epi64(high, 4));
        low = _mm256_and_si256(low, _mm256_or_si256(_mm256_srli_epi64(low, 8), _mm256_slli_epi64(high, 56)));
        const __m256i twenty =
            _mm256_and_si256(low, _mm256_or_si256(_mm256_srli_epi64(four_low, 16), _mm256_slli_epi64(four_high, 48)));
        _mm256_storeu_si256((__m256i *)(starts + chunk), _mm256_and_si256(twenty, begins));
    }
    for (; chunk < chunks; chunk++) {
        const uint64_t low = base64[chunk];
        starts[chunk] = begins_run_of_20(low, base64[chunk + 1]) & low & ~((low << 1) | (base64[chunk - 1] >> 63));
    }
}
#endif
