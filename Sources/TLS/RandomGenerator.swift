internal import CMbedTLS

/// Owns an entropy source and a CTR-DRBG seeded from it (they point at each other, so both live
/// at fixed heap addresses).
final class RandomGenerator {
    let entropy: UnsafeMutablePointer<mbedtls_entropy_context>
    let drbg: UnsafeMutablePointer<mbedtls_ctr_drbg_context>

    init() throws(TLSError) {
        TLSLibrary.initializeOnce()
        entropy = .allocate(capacity: 1)
        drbg = .allocate(capacity: 1)
        mbedtls_entropy_init(entropy)
        mbedtls_ctr_drbg_init(drbg)
        let personalisation = Array("xmpp-relay tls".utf8)
        let status = mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, personalisation, personalisation.count)
        if status != 0 {
            throw TLSError(
                .libraryFailure, "cannot seed the random generator (\(libraryErrorText(status)))", libraryCode: status)
        }
    }

    deinit {
        mbedtls_ctr_drbg_free(drbg)
        mbedtls_entropy_free(entropy)
        drbg.deallocate()
        entropy.deallocate()
    }
}
