// mbedTLS for Swift: 2.28 (Debian 12) and 3.6 (Debian 13) differ in signatures and field
// visibility; Swift cannot #if on C macros, so version-guarded inline wrappers live here.
#ifndef XMPP_RELAY_CMBEDTLS_SHIM_H
#define XMPP_RELAY_CMBEDTLS_SHIM_H
#include <mbedtls/version.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <mbedtls/build_info.h>
#include <psa/crypto.h>
#else
#include <mbedtls/config.h>
#endif
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <mbedtls/pk.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>

static inline int shim_mbedtls_version_major(void) { return MBEDTLS_VERSION_MAJOR; }

// 3.x needs psa_crypto_init() once before any direct PSA use; 2.x has nothing to do.
static inline int shim_mbedtls_global_init(void) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return (int)psa_crypto_init();
#else
    return 0;
#endif
}

static inline int shim_mbedtls_sha256(const unsigned char *input, size_t len, unsigned char out[32], int is224) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha256(input, len, out, is224);
#else
    return mbedtls_sha256_ret(input, len, out, is224);
#endif
}

static inline int shim_mbedtls_sha512(const unsigned char *input, size_t len, unsigned char out[64], int is384) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha512(input, len, out, is384);
#else
    return mbedtls_sha512_ret(input, len, out, is384);
#endif
}

static inline int shim_mbedtls_sha1(const unsigned char *input, size_t len, unsigned char out[20]) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha1(input, len, out);
#else
    return mbedtls_sha1_ret(input, len, out);
#endif
}

// 3.x added RNG arguments to key parsing.
static inline int shim_mbedtls_pk_parse_key(mbedtls_pk_context *pk, const unsigned char *key, size_t keylen,
                                            const unsigned char *pwd, size_t pwdlen,
                                            int (*f_rng)(void *, unsigned char *, size_t), void *p_rng) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen, f_rng, p_rng);
#else
    (void)f_rng; (void)p_rng;
    return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen);
#endif
}
// Certificate writing (keygen). 3.4 added mbedtls_x509write_crt_set_serial_raw and deprecated the
// mbedtls_mpi variant; 2.28 only has the latter.
static inline int shim_x509write_crt_set_serial_raw(mbedtls_x509write_cert *ctx, const unsigned char *serial,
                                                    size_t len) {
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
    return mbedtls_x509write_crt_set_serial_raw(ctx, (unsigned char *)serial, len);
#else
    mbedtls_mpi mpi;
    mbedtls_mpi_init(&mpi);
    int ret = mbedtls_mpi_read_binary(&mpi, serial, len);
    if (ret == 0) ret = mbedtls_x509write_crt_set_serial(ctx, &mpi);
    mbedtls_mpi_free(&mpi);
    return ret;
#endif
}

// A fresh EC P-256 key in an initialised, empty pk context (mbedtls_pk_ec is inline and by value).
static inline int shim_pk_generate_p256(mbedtls_pk_context *pk, int (*f_rng)(void *, unsigned char *, size_t),
                                        void *p_rng) {
    int ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (ret != 0) return ret;
    return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), f_rng, p_rng);
}

static inline int shim_x509_crt_version_3(void) { return MBEDTLS_X509_CRT_VERSION_3; }
static inline unsigned int shim_x509_ku_digital_signature(void) { return MBEDTLS_X509_KU_DIGITAL_SIGNATURE; }
#endif
