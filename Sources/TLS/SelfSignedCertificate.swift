internal import CMbedTLS
import X509

/// A new EC P-256 key and a self-signed certificate for an XMPP domain, as `xmpp-relay keygen`
/// makes them for a home relay that peers authenticate by pin or DANE-EE (`3 1 1`).
///
/// The certificate carries every XMPP identity a peer may check (RFC 6120 §13.7.1.4, RFC 7673):
/// DNS-ID and XmppAddr for the domain, SRV-ID `_xmpp-server.<domain>`, and a DNS-ID for each extra
/// name; subject CN=domain; basicConstraints CA:false; keyUsage digitalSignature; extendedKeyUsage
/// serverAuth and clientAuth (s2s uses both sides); a random 128-bit serial; ECDSA-SHA256.
public struct SelfSignedCertificate {
    /// Default validity: ten years. Pins and `3 1 1` records follow the key, so a long-lived
    /// self-signed certificate costs nothing, and DANE-EE ignores dates anyway (RFC 7671 §5.1).
    public static let defaultValidityDays = 3650

    public let certificatePEM: String
    public let privateKeyPEM: String
    public let certificate: Certificate

    /// The subjectAltName entries keygen puts in for `domain` and `extraNames`.
    public static func subjectAltNames(domain: String, extraNames: [String]) -> [GeneralName] {
        var names: [GeneralName] = [.dnsName(domain)]
        for name in extraNames where !names.contains(.dnsName(name)) { names.append(.dnsName(name)) }
        names.append(.srvName("_xmpp-server." + domain))
        names.append(.xmppAddr(domain))
        return names
    }

    /// Generates the key and certificate. `domain` must already be a valid host name (keygen checks);
    /// the certificate is valid from an hour before `now` (clock skew) for `validityDays`.
    public static func generate(
        domain: String, extraNames: [String] = [], validityDays: Int = defaultValidityDays, now: Int64
    ) throws(SelfSignedCertificateError) -> SelfSignedCertificate {
        let keygen = try CertificateWriter()
        let keyPEM = try keygen.generateKey()
        let notBefore = now - 3_600
        let notAfter = notBefore + Int64(validityDays) * 86_400
        let pem = try keygen.writeCertificate(
            subject: "CN=" + domain, names: subjectAltNames(domain: domain, extraNames: extraNames),
            notBefore: notBefore, notAfter: notAfter)
        do {
            let certificate = try PEMBlock.certificates(pem)[0]
            return SelfSignedCertificate(certificatePEM: pem, privateKeyPEM: keyPEM, certificate: certificate)
        } catch {
            throw SelfSignedCertificateError("mbedTLS wrote a certificate this relay cannot read back: \(error)")
        }
    }
}

/// Why keygen failed (an mbedTLS call, named with its error text).
public struct SelfSignedCertificateError: Error, CustomStringConvertible {
    public let message: String

    init(_ message: String) { self.message = message }

    static func mbedTLS(_ call: String, _ code: Int32) -> SelfSignedCertificateError {
        var buffer = [CChar](repeating: 0, count: 200)
        mbedtls_strerror(code, &buffer, buffer.count)
        let text = String(
            decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        let hex = String(-Int(code), radix: 16)
        return SelfSignedCertificateError("\(call) failed: -0x\(hex) \(text)")
    }

    public var description: String { message }
}

/// Owns the mbedTLS objects for one key generation: entropy, DRBG, key and certificate writer.
private final class CertificateWriter {
    private let entropy = UnsafeMutablePointer<mbedtls_entropy_context>.allocate(capacity: 1)
    private let random = UnsafeMutablePointer<mbedtls_ctr_drbg_context>.allocate(capacity: 1)
    private let key = UnsafeMutablePointer<mbedtls_pk_context>.allocate(capacity: 1)
    private let writer = UnsafeMutablePointer<mbedtls_x509write_cert>.allocate(capacity: 1)

    init() throws(SelfSignedCertificateError) {
        mbedtls_entropy_init(entropy)
        mbedtls_ctr_drbg_init(random)
        mbedtls_pk_init(key)
        mbedtls_x509write_crt_init(writer)
        try check("psa_crypto_init", shim_mbedtls_global_init())
        let personalization = Array("xmpp-relay keygen".utf8)
        try check(
            "mbedtls_ctr_drbg_seed",
            mbedtls_ctr_drbg_seed(random, mbedtls_entropy_func, entropy, personalization, personalization.count))
    }

    deinit {
        mbedtls_x509write_crt_free(writer)
        mbedtls_pk_free(key)
        mbedtls_ctr_drbg_free(random)
        mbedtls_entropy_free(entropy)
        writer.deallocate()
        key.deallocate()
        random.deallocate()
        entropy.deallocate()
    }

    /// Makes the P-256 key; returns it as PEM ("EC PRIVATE KEY", which mbedTLS and openssl read).
    func generateKey() throws(SelfSignedCertificateError) -> String {
        try check("mbedtls_ecp_gen_key", shim_pk_generate_p256(key, mbedtls_ctr_drbg_random, random))
        var buffer = [UInt8](repeating: 0, count: 1024)
        try check("mbedtls_pk_write_key_pem", mbedtls_pk_write_key_pem(key, &buffer, buffer.count))
        let pem = String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
        // The key's bytes must not linger in freed memory.
        _ = buffer.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        return pem
    }

    func writeCertificate(
        subject: String, names: [GeneralName], notBefore: Int64, notAfter: Int64
    ) throws(SelfSignedCertificateError) -> String {
        mbedtls_x509write_crt_set_version(writer, shim_x509_crt_version_3())
        mbedtls_x509write_crt_set_md_alg(writer, MBEDTLS_MD_SHA256)
        mbedtls_x509write_crt_set_subject_key(writer, key)
        mbedtls_x509write_crt_set_issuer_key(writer, key)
        try check("mbedtls_x509write_crt_set_subject_name", mbedtls_x509write_crt_set_subject_name(writer, subject))
        try check("mbedtls_x509write_crt_set_issuer_name", mbedtls_x509write_crt_set_issuer_name(writer, subject))
        var serial = [UInt8](repeating: 0, count: 16)
        try check("mbedtls_ctr_drbg_random", mbedtls_ctr_drbg_random(random, &serial, serial.count))
        serial[0] = (serial[0] & 0x7F) | 0x40  // positive and exactly 16 bytes long
        try check("mbedtls_x509write_crt_set_serial", shim_x509write_crt_set_serial_raw(writer, serial, serial.count))
        try check(
            "mbedtls_x509write_crt_set_validity",
            mbedtls_x509write_crt_set_validity(
                writer, UnixTime.compactDigits(notBefore), UnixTime.compactDigits(notAfter)))
        try check(
            "mbedtls_x509write_crt_set_basic_constraints", mbedtls_x509write_crt_set_basic_constraints(writer, 0, -1))
        try check(
            "mbedtls_x509write_crt_set_key_usage",
            mbedtls_x509write_crt_set_key_usage(writer, shim_x509_ku_digital_signature()))
        try check(
            "mbedtls_x509write_crt_set_subject_key_identifier", mbedtls_x509write_crt_set_subject_key_identifier(writer)
        )
        try setExtension(.subjectAltName, subjectAltNameExtensionValue(names))
        try setExtension(
            .extendedKeyUsage,
            DERWriter.sequence([DERWriter.objectIdentifier(.serverAuth), DERWriter.objectIdentifier(.clientAuth)]))
        var buffer = [UInt8](repeating: 0, count: 4096)
        try check(
            "mbedtls_x509write_crt_pem",
            mbedtls_x509write_crt_pem(writer, &buffer, buffer.count, mbedtls_ctr_drbg_random, random))
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    private func setExtension(_ id: OID, _ value: [UInt8]) throws(SelfSignedCertificateError) {
        let oid = id.content.map { CChar(truncatingIfNeeded: $0) }
        try check(
            "mbedtls_x509write_crt_set_extension(\(id))",
            mbedtls_x509write_crt_set_extension(writer, oid, oid.count, 0, value, value.count))
    }

    private func check(_ call: String, _ code: Int32) throws(SelfSignedCertificateError) {
        if code != 0 { throw .mbedTLS(call, code) }
    }
}
