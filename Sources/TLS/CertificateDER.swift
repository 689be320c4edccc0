internal import CMbedTLS

/// Small questions about single certificates, answered by mbedTLS's parser.
public enum TLSCertificate {
    /// DER SubjectPublicKeyInfo of a DER certificate: what a `3 1 x` / `2 1 x` TLSA record or pin hashes.
    public static func subjectPublicKeyInfo(der: [UInt8]) throws(TLSError) -> [UInt8] {
        let chain = try parsedDER(der)
        return withExtendedLifetime(chain) {
            let spki = chain.crt.pointee.pk_raw
            return Array(UnsafeBufferPointer(start: spki.p, count: spki.len))
        }
    }

    /// Validity period (Unix seconds) of a DER certificate.
    public static func validity(der: [UInt8]) throws(TLSError) -> (notBefore: Int64, notAfter: Int64) {
        let chain = try parsedDER(der)
        return withExtendedLifetime(chain) { validityPeriod(chain.crt) }
    }

    /// Whole days until a DER certificate expires (negative once expired).
    public static func daysLeft(der: [UInt8], now: Int64? = nil) throws(TLSError) -> Int {
        let notAfter = try validity(der: der).notAfter
        return TLSCertificateExpiry(domain: nil, source: "", notAfter: notAfter, now: now ?? currentUnixTime()).daysLeft
    }

    /// All certificates in PEM text or one DER certificate, as DER (leaf first as in the input).
    public static func derChain(from source: TLSSource) throws(TLSError) -> [[UInt8]] {
        TLSLibrary.initializeOnce()
        return try CertificateChain(parsing: try source.load(), name: source.name).derChain
    }

    private static func parsedDER(_ der: [UInt8]) throws(TLSError) -> CertificateChain {
        TLSLibrary.initializeOnce()
        let chain = CertificateChain()
        let status = chain.append(der: der)
        if status != 0 {
            throw TLSError(.notACertificate, "not a DER certificate (\(libraryErrorText(status)))", libraryCode: status)
        }
        return chain
    }
}
