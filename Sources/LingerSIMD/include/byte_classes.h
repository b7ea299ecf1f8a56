// Byte classification in AVX2 for EncodedContent (LingerKit), selected at run time.
#ifndef LINGER_BYTE_CLASSES_H
#define LINGER_BYTE_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
/// For `chunks` whole chunks of 64 bytes from `bytes`: per chunk, a bit per byte (byte 0's
/// lowest) for base64 characters of either alphabet (into `base64`), for bytes that are not hex
/// digits (`not_hex`) and for bytes that are not `I`-`Z` or `a`-`f` (`not_lead`). Compiled for
/// AVX2: call it only where the processor has AVX2.
void linger_byte_classes_avx2(
    const uint8_t *bytes, size_t chunks, uint64_t *base64, uint64_t *not_hex, uint64_t *not_lead);

/// For each of `chunks` words of `base64` (a bit per byte, as above; the array holds one word
/// more, after the last chunk, which may be zero): the bits that begin a run of 20 or more set
/// bits (reading on into the next words) and are not preceded by a set bit (the word before's
/// highest, for all but the first), into `starts`. AVX2, four words at a time: call it only
/// where the processor has AVX2.
void linger_long_run_starts_avx2(const uint64_t *base64, size_t chunks, uint64_t *starts);
#endif

#endif
