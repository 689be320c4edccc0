import Foundation

/// A self-signed ECDSA P-256 certificate made with openssl at test time, with `DNS:domain` (plus
/// any extra names) in its SAN, as Prosody's outgoing DANE-EE still checks the name.
struct TestCertificate {
    let domain: String
    let certificatePath: String
    let keyPath: String
    /// SHA-256 of the SubjectPublicKeyInfo, lowercase hex: the data of a `3 1 1` TLSA record.
    let spkiSHA256: String

    /// The TLSA rdata for this certificate: `3 1 1 <hex>`.
    var tlsa311: String { "3 1 1 \(spkiSHA256)" }

    /// Writes DOMAIN.crt and DOMAIN.key into `directory`; the key is readable by user prosody.
    /// With `srvID`, the SAN also carries SRV-ID `_xmpp-server.DOMAIN` (RFC 4985 SRVName); with
    /// `xmppAddr`, an XmppAddr `DOMAIN` (RFC 6120 §13.7.1.4), as `xmpp-relay keygen` writes.
    static func make(
        domain: String, in directory: String, extraNames: [String] = [], srvID: Bool = false, xmppAddr: Bool = false
    ) throws -> TestCertificate {
        let certificate = "\(directory)/\(domain).crt"
        let key = "\(directory)/\(domain).key"
        let srvName = "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.\(domain)"
        let xmppAddrName = "otherName:1.3.6.1.5.5.7.8.5;UTF8:\(domain)"
        let names =
            (([domain] + extraNames).map { "DNS:\($0)" } + (srvID ? [srvName] : []) + (xmppAddr ? [xmppAddrName] : []))
            .joined(separator: ",")
        try InteropTools.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", certificate, "-days", "2", "-subj", "/CN=\(domain)", "-addext", "subjectAltName=\(names)",
            ])
        let digest = try InteropTools.shell(
            "openssl x509 -in '\(certificate)' -pubkey -noout | openssl pkey -pubin -outform DER"
                + " | openssl dgst -sha256 -r")
        guard let hex = digest.split(separator: " ").first, hex.count == 64 else {
            throw InteropSetupError("could not hash the public key of \(certificate): \(digest)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: key)
        try InteropTools.run("/bin/chown", ["root:prosody", key])
        return TestCertificate(domain: domain, certificatePath: certificate, keyPath: key, spkiSHA256: String(hex))
    }

    /// The same hash with its first byte changed: a TLSA that matches nothing.
    var wrongSPKISHA256: String {
        let first = spkiSHA256.prefix(2) == "00" ? "ff" : "00"
        return first + spkiSHA256.dropFirst(2)
    }
}
