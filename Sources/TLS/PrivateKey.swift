internal import CMbedTLS

/// Owns a parsed private key (EC or RSA).
final class PrivateKey {
    let pk: UnsafeMutablePointer<mbedtls_pk_context>

    init(parsing bytes: [UInt8], name: String, random: RandomGenerator) throws(TLSError) {
        pk = .allocate(capacity: 1)
        mbedtls_pk_init(pk)
        let status = withParseableBuffer(bytes) {
            shim_mbedtls_pk_parse_key(pk, $0, $1, nil, 0, mbedtls_ctr_drbg_random, random.drbg)
        }
        if status != 0 {
            let why =
                status == MBEDTLS_ERR_PK_PASSWORD_REQUIRED
                ? "the key is encrypted; store it without a passphrase (openssl pkey -in KEY -out KEY.plain)"
                : "not a private key in PEM or DER form (\(libraryErrorText(status)))"
            throw TLSError(.notAPrivateKey, "\(name): \(why)", libraryCode: status)
        }
    }

    deinit {
        mbedtls_pk_free(pk)
        pk.deallocate()
    }
}
