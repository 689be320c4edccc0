import Foundation

/// Files the daemon tests need, made at test time in a private temporary directory.
enum TestFiles {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "xmpp-relay-server-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// The root zone's KSK-2017 DS record, so tests need not depend on dns-root-data.
    static let rootTrustAnchor: String = {
        let path = directory + "/root.key"
        let text = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }()

    /// A self-signed EC certificate for `domain` valid `days` days, and its key (mode 0600), by openssl.
    static func certificate(domain: String, days: Int, name: String) throws -> (certificate: String, key: String) {
        let certificate = directory + "/\(name).crt"
        let key = directory + "/\(name).key"
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", certificate, "-days", String(days), "-subj", "/CN=\(domain)", "-addext",
            "subjectAltName=DNS:\(domain)",
        ])
        chmod(key, 0o600)
        return (certificate, key)
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "openssl", code: Int(process.terminationStatus))
        }
    }
}
