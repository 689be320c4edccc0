import Foundation

/// A throwaway CA (openssl, ECDSA P-256) for PKIX cases: it signs leaf certificates with any
/// validity window, an expired one included (`openssl ca -startdate/-enddate`, which OpenSSL 3.0's
/// `x509 -req` cannot do).
struct CertificateAuthority {
    let directory: String
    var certificatePath: String { directory + "/ca.crt" }
    private var keyPath: String { directory + "/ca.key" }

    init(in parent: String) throws {
        directory = parent + "/ca"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try InteropTools.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyPath,
                "-out", certificatePath, "-days", "30", "-subj", "/CN=xmpp-relay interop test CA",
            ])
        try InteropTools.write("", to: directory + "/index.txt")
        try InteropTools.write("1000\n", to: directory + "/serial")
    }

    /// A leaf for `domain` (SAN DNS:domain) valid from `start` to `end` (`YYYYMMDDHHMMSSZ`).
    func issue(_ domain: String, start: String, end: String) throws -> TestCertificate {
        let key = "\(directory)/\(domain).key"
        let request = "\(directory)/\(domain).csr"
        let certificate = "\(directory)/\(domain).crt"
        let config = "\(directory)/\(domain).cnf"
        try InteropTools.write(
            """
            [ca]
            default_ca = test
            [test]
            dir = \(directory)
            database = \(directory)/index.txt
            new_certs_dir = \(directory)
            serial = \(directory)/serial
            default_md = sha256
            policy = anything
            unique_subject = no
            x509_extensions = leaf
            [anything]
            commonName = supplied
            [leaf]
            basicConstraints = CA:FALSE
            subjectAltName = DNS:\(domain)

            """, to: config)
        try InteropTools.run(
            "/usr/bin/openssl",
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", request, "-subj", "/CN=\(domain)",
            ])
        try InteropTools.run(
            "/usr/bin/openssl",
            [
                "ca", "-batch", "-notext", "-config", config, "-cert", certificatePath, "-keyfile", keyPath, "-in",
                request, "-out", certificate, "-startdate", start, "-enddate", end,
            ])
        let digest = try InteropTools.shell(
            "openssl x509 -in '\(certificate)' -pubkey -noout | openssl pkey -pubin -outform DER"
                + " | openssl dgst -sha256 -r")
        return TestCertificate(
            domain: domain, certificatePath: certificate, keyPath: key,
            spkiSHA256: String(digest.split(separator: " ").first ?? ""))
    }
}
