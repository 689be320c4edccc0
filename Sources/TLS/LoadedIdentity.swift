internal import CMbedTLS

/// A certificate chain and its key, parsed, paired (mbedtls_pk_check_pair) and checked for validity.
final class LoadedIdentity {
    let chain: CertificateChain
    let key: PrivateKey
    let certificateName: String

    init(_ identity: TLSIdentity, now: Int64, random: RandomGenerator) throws(TLSError) {
        certificateName = identity.certificateChain.name
        chain = try CertificateChain(parsing: try identity.certificateChain.load(), name: certificateName)
        key = try PrivateKey(parsing: try identity.privateKey.load(), name: identity.privateKey.name, random: random)
        let pairStatus = shim_pk_check_pair(&chain.crt.pointee.pk, key.pk, mbedtls_ctr_drbg_random, random.drbg)
        if pairStatus != 0 {
            throw TLSError(
                .keyDoesNotMatchCertificate,
                "\(identity.privateKey.name): key does not match the certificate in \(certificateName)",
                libraryCode: pairStatus)
        }
        let validity = validityPeriod(chain.crt)
        if now < validity.notBefore {
            throw TLSError(
                .certificateNotYetValid,
                "\(certificateName): certificate not valid until \(formatUnixTime(validity.notBefore)); check the clock"
            )
        }
        if now > validity.notAfter {
            throw TLSError(
                .certificateExpired,
                "\(certificateName): certificate expired at \(formatUnixTime(validity.notAfter)); renew it")
        }
    }

    var notAfter: Int64 { validityPeriod(chain.crt).notAfter }
}
