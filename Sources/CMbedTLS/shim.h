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
// Whether the CPU has AES instructions: cpuid's AES-NI bit on x86-64, the ARMv8 crypto extensions'
// AES bit in the auxiliary vector on aarch64 (no /proc/cpuinfo: the systemd unit's ProcSubset=pid
// hides it). 0 elsewhere: ChaCha20 is the safe guess.
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static inline int shim_cpu_has_aes(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_AES) != 0;
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
static inline int shim_cpu_has_aes(void) {
    return (getauxval(AT_HWCAP) & (1UL << 3)) != 0;  // HWCAP_AES
}
#else
static inline int shim_cpu_has_aes(void) { return 0; }
#endif


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

// ---- TLS module wrappers (Sources/TLS). Everything version-dependent is decided here. ----

// 3.x hides most struct fields behind MBEDTLS_PRIVATE(); 2.28 has no such macro.
#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(member) member
#endif

static inline int shim_ssl_has_tls13(void) {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    return 1;
#else
    return 0;
#endif
}

// TLS 1.0 and 1.1 (probe only): mbedTLS 2.28 builds may have them, 3.x has not.
static inline int shim_ssl_has_tls10_tls11(void) {
#if MBEDTLS_VERSION_MAJOR < 3 && defined(MBEDTLS_SSL_PROTO_TLS1) && defined(MBEDTLS_SSL_PROTO_TLS1_1)
    return 1;
#else
    return 0;
#endif
}

// Version range by TLS 1.x minor number (2 = TLS 1.2, 3 = TLS 1.3); the maximum is clamped to
// what the build has.
static inline void shim_ssl_conf_version_range(mbedtls_ssl_config *conf, int min_tls1x, int max_tls1x) {
    if (max_tls1x > 2 && !shim_ssl_has_tls13()) { max_tls1x = 2; }
    if (min_tls1x > max_tls1x) { min_tls1x = max_tls1x; }
#if MBEDTLS_VERSION_MAJOR >= 3
    mbedtls_ssl_conf_min_tls_version(conf, (mbedtls_ssl_protocol_version)(0x0301 + min_tls1x));
    mbedtls_ssl_conf_max_tls_version(conf, (mbedtls_ssl_protocol_version)(0x0301 + max_tls1x));
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, min_tls1x + 1);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, max_tls1x + 1);
#endif
}

// ECDHE + AEAD only (TLS 1.2), then the TLS 1.3 suites where the build has them; zero-terminated.
static inline const int *shim_ssl_allowed_ciphersuites(void) {
    static const int suites[] = {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
        MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
        MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
#endif
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        0
    };
    return suites;
}

// The same suites with ChaCha20-Poly1305 first: for CPUs without AES instructions (the Pi Zero 2 W,
// Pi 3 and Pi 4 have no ARMv8 crypto extensions), where software AES-GCM costs several times more.
static inline const int *shim_ssl_allowed_ciphersuites_chacha_first(void) {
    static const int suites[] = {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
        MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
        MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
#endif
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        0
    };
    return suites;
}

// Key exchange groups in order of preference: X25519, then P-256, P-384, P-521. mbedTLS 2.28's
// default list starts with secp521r1, and its TLS 1.2 server picks by its own order: every
// handshake paid for a P-521 ECDHE (several times X25519's cost). 3.x starts with X25519 already;
// the list is set on both so the order is ours.
static inline void shim_ssl_conf_preferred_groups(mbedtls_ssl_config *conf) {
#if MBEDTLS_VERSION_MAJOR >= 3
    static const uint16_t groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED) || defined(PSA_WANT_ECC_MONTGOMERY_255)
        MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
#endif
        MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
        MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
        MBEDTLS_SSL_IANA_TLS_GROUP_SECP521R1,
        MBEDTLS_SSL_IANA_TLS_GROUP_NONE
    };
    mbedtls_ssl_conf_groups(conf, groups);
#else
    static const mbedtls_ecp_group_id curves[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
        MBEDTLS_ECP_DP_CURVE25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
        MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
        MBEDTLS_ECP_DP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
        MBEDTLS_ECP_DP_SECP521R1,
#endif
        MBEDTLS_ECP_DP_NONE
    };
    mbedtls_ssl_conf_curves(conf, curves);
#endif
}

// Probe only: suites with static RSA key exchange (no forward secrecy), to ask whether a server
// accepts them; zero-terminated, limited to what the build has.
static inline const int *shim_ssl_ciphersuites_without_forward_secrecy(void) {
    static const int suites[] = {
#if defined(MBEDTLS_KEY_EXCHANGE_RSA_ENABLED)
        MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384,
        MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256,
        MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA256,
        MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA256,
        MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA,
        MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA,
#endif
        0
    };
    return suites;
}

static inline void shim_ssl_conf_no_renegotiation(mbedtls_ssl_config *conf) {
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#else
    (void)conf;
#endif
}

// Max fragment length code (1 = 512 … 4 = 4096, 0 = off); returns 0 when the build lacks it.
static inline int shim_ssl_conf_max_frag_len(mbedtls_ssl_config *conf, int code) {
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    return mbedtls_ssl_conf_max_frag_len(conf, (unsigned char)code) == 0;
#else
    (void)conf; (void)code;
    return 0;
#endif
}

static inline int shim_ssl_has_variable_buffer_length(void) {
#if defined(MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH)
    return 1;
#else
    return 0;
#endif
}

static inline size_t shim_ssl_in_content_len(void) { return MBEDTLS_SSL_IN_CONTENT_LEN; }
static inline size_t shim_ssl_out_content_len(void) { return MBEDTLS_SSL_OUT_CONTENT_LEN; }

// The SNI callback only gets the ssl context; its BIO pointer leads back to the Swift connection.
static inline void *shim_ssl_bio_context(const mbedtls_ssl_context *ssl) {
    return ssl->MBEDTLS_PRIVATE(p_bio);
}

// 3.x added RNG arguments to the key-pair check.
static inline int shim_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv,
                                     int (*f_rng)(void *, unsigned char *, size_t), void *p_rng) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_check_pair(pub, prv, f_rng, p_rng);
#else
    (void)f_rng; (void)p_rng;
    return mbedtls_pk_check_pair(pub, prv);
#endif
}

// Chain verification profile: SHA-256 or better, RSA (>= 2048 bits) or EC keys, any curve the build has.
static inline const mbedtls_x509_crt_profile *shim_x509_profile_sha256_rsa2048(void) {
    static const mbedtls_x509_crt_profile profile = {
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
            MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) |
            MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
        0x0FFFFFFF,
        2048
    };
    return &profile;
}

// mbedTLS error codes were renamed and renumbered between 2.28 and 3.x; classify them here.
enum {
    SHIM_SSL_ERR_OTHER = 0,
    SHIM_SSL_ERR_WANT_READ,
    SHIM_SSL_ERR_WANT_WRITE,
    SHIM_SSL_ERR_PEER_CLOSE_NOTIFY,
    SHIM_SSL_ERR_CONN_EOF,
    SHIM_SSL_ERR_PROTOCOL_VERSION,
    SHIM_SSL_ERR_NO_SHARED_CIPHER,
    SHIM_SSL_ERR_FATAL_ALERT,
    SHIM_SSL_ERR_BAD_CERTIFICATE,
    SHIM_SSL_ERR_NO_CLIENT_CERTIFICATE,
    SHIM_SSL_ERR_INVALID_RECORD,
    SHIM_SSL_ERR_INVALID_MAC,
    SHIM_SSL_ERR_UNEXPECTED_MESSAGE,
    SHIM_SSL_ERR_NEW_SESSION_TICKET,
    SHIM_SSL_ERR_NO_APPLICATION_PROTOCOL,
    SHIM_SSL_ERR_BAD_HANDSHAKE_MESSAGE,
    SHIM_SSL_ERR_ALLOC_FAILED,
    SHIM_SSL_ERR_PEER_VERIFY_FAILED,
    SHIM_SSL_ERR_HANDSHAKE_FAILURE
};

static inline int shim_ssl_error_kind(int err) {
    if (err == MBEDTLS_ERR_SSL_WANT_READ) return SHIM_SSL_ERR_WANT_READ;
    if (err == MBEDTLS_ERR_SSL_WANT_WRITE) return SHIM_SSL_ERR_WANT_WRITE;
    if (err == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return SHIM_SSL_ERR_PEER_CLOSE_NOTIFY;
    if (err == MBEDTLS_ERR_SSL_CONN_EOF) return SHIM_SSL_ERR_CONN_EOF;
    if (err == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) return SHIM_SSL_ERR_FATAL_ALERT;
    if (err == MBEDTLS_ERR_SSL_INVALID_RECORD) return SHIM_SSL_ERR_INVALID_RECORD;
    if (err == MBEDTLS_ERR_SSL_INVALID_MAC) return SHIM_SSL_ERR_INVALID_MAC;
    if (err == MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE) return SHIM_SSL_ERR_UNEXPECTED_MESSAGE;
    if (err == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) return SHIM_SSL_ERR_NO_CLIENT_CERTIFICATE;
    if (err == MBEDTLS_ERR_SSL_ALLOC_FAILED) return SHIM_SSL_ERR_ALLOC_FAILED;
#if defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
    if (err == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION) return SHIM_SSL_ERR_PROTOCOL_VERSION;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
    if (err == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION) return SHIM_SSL_ERR_PROTOCOL_VERSION;
#endif
#if defined(MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN)
    if (err == MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN) return SHIM_SSL_ERR_NO_SHARED_CIPHER;
#endif
#if defined(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE)
    if (err == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE) return SHIM_SSL_ERR_NO_SHARED_CIPHER;
#endif
#if defined(MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE)
    if (err == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE) return SHIM_SSL_ERR_HANDSHAKE_FAILURE;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_CERTIFICATE)
    if (err == MBEDTLS_ERR_SSL_BAD_CERTIFICATE) return SHIM_SSL_ERR_BAD_CERTIFICATE;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE)
    if (err == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE) return SHIM_SSL_ERR_BAD_CERTIFICATE;
#endif
#if defined(MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED)
    if (err == MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED) return SHIM_SSL_ERR_PEER_VERIFY_FAILED;
#endif
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (err == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) return SHIM_SSL_ERR_NEW_SESSION_TICKET;
#endif
#if defined(MBEDTLS_ERR_SSL_NO_APPLICATION_PROTOCOL)
    if (err == MBEDTLS_ERR_SSL_NO_APPLICATION_PROTOCOL) return SHIM_SSL_ERR_NO_APPLICATION_PROTOCOL;
#endif
#if defined(MBEDTLS_ERR_SSL_DECODE_ERROR)
    if (err == MBEDTLS_ERR_SSL_DECODE_ERROR) return SHIM_SSL_ERR_BAD_HANDSHAKE_MESSAGE;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO)
    if (err == MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO) return SHIM_SSL_ERR_BAD_HANDSHAKE_MESSAGE;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO)
    if (err == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO) return SHIM_SSL_ERR_BAD_HANDSHAKE_MESSAGE;
#endif
    return SHIM_SSL_ERR_OTHER;
}


// The description byte of the alert just received (after MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE), or -1.
static inline int shim_ssl_last_alert(const mbedtls_ssl_context *ssl) {
    const unsigned char *msg = ssl->MBEDTLS_PRIVATE(in_msg);
    if (msg == NULL || ssl->MBEDTLS_PRIVATE(in_msgtype) != MBEDTLS_SSL_MSG_ALERT) return -1;
    return msg[1];
}


// Heap bytes in use (glibc mallinfo2), for the per-link memory measurement in TLSTests; -1 elsewhere.
#if defined(__GLIBC__)
#include <malloc.h>
#endif
static inline long long shim_heap_bytes_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return (long long)info.uordblks;
#else
    return -1;
#endif
}

#endif
