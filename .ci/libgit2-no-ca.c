/* For the relocatable build (`.ci/build-release`), linked with
 * `--wrap=mbedtls_x509_crt_parse_file --wrap=mbedtls_x509_crt_parse_path`.
 *
 * Debian's libgit2 uses mbedTLS for HTTPS remotes, and its initialisation parses the whole
 * system CA bundle (about 150 certificates) whether or not a remote is ever contacted: a fifth of
 * a pre-commit run's time. Linger opens local repositories only and never asks libgit2 for a
 * network transport, so in this build libgit2's certificate loading fails as if no bundle were
 * installed. Were an HTTPS remote ever reached through libgit2, it would then fail certificate
 * verification — it could not connect without verification. Linger's own TLS (live checks) goes
 * through OpenSSL and is not affected. */

int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    (void)chain;
    (void)path;
    return -0x2900; /* MBEDTLS_ERR_X509_FILE_IO_ERROR */
}

int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path) {
    (void)chain;
    (void)path;
    return -0x2900; /* MBEDTLS_ERR_X509_FILE_IO_ERROR */
}
