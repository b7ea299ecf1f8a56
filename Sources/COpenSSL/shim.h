#ifndef LINGER_COPENSSL_SHIM_H
#define LINGER_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/param_build.h>
#include <openssl/core_names.h>

/* Macros Swift does not import: the selection for public keys, and key type ids. */
static inline int linger_evp_pkey_public_key_selection(void) { return EVP_PKEY_PUBLIC_KEY; }
static inline int linger_evp_pkey_ed25519(void) { return EVP_PKEY_ED25519; }
static inline int linger_evp_pkey_rsa(void) { return EVP_PKEY_RSA; }
static inline int linger_evp_pkey_rsa_pss(void) { return EVP_PKEY_RSA_PSS; }
static inline int linger_evp_pkey_ec(void) { return EVP_PKEY_EC; }
static inline int linger_evp_pkey_dsa(void) { return EVP_PKEY_DSA; }
#endif
