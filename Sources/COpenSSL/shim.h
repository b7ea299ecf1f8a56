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
static inline int linger_evp_gcm_set_iv_length(EVP_CIPHER_CTX *context, int length) {
    return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, length, NULL);
}
static inline int linger_evp_pkey_dsa(void) { return EVP_PKEY_DSA; }
#include <openssl/x509v3.h>
#include <time.h>

/* The stack macros of X509_CRL, the RFC 2253 name flags and ASN1_TIME conversion, as functions. */
static inline int linger_crl_revoked_count(X509_CRL *crl) {
    STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
    return revoked ? sk_X509_REVOKED_num(revoked) : 0;
}
static inline const ASN1_INTEGER *linger_crl_revoked_serial(X509_CRL *crl, int index) {
    return X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), index));
}
static inline unsigned long linger_xn_flag_rfc2253(void) { return XN_FLAG_RFC2253; }
static inline long long linger_asn1_time_epoch(const ASN1_TIME *time) {
    struct tm parts;
    if (time == NULL || ASN1_TIME_to_tm(time, &parts) != 1) return -1;
    return (long long)timegm(&parts);
}

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

/* TLS macros as functions: server name indication, and TLS 1.2 at the least. */
static inline int linger_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline void linger_ssl_ctx_ignore_unexpected_eof(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
}
static inline int linger_ssl_ctx_require_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}
#endif
