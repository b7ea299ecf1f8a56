#ifndef LINGER_CPCRE2_SHIM_H
#define LINGER_CPCRE2_SHIM_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* PCRE2_UNSET and PCRE2_ZERO_TERMINATED are macros Swift does not import. */
static inline size_t linger_pcre2_unset(void) { return PCRE2_UNSET; }
#endif
