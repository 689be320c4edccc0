import Foundation
import XCTest

@testable import RelayConfig

final class FileChecksTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "relayconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    private func write(_ name: String, _ text: String, mode: Int) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func testGoodFilesPass() throws {
        try write("cert.pem", "cert", mode: 0o644)
        try write("key.pem", "key", mode: 0o600)
        try write("iot.secret", "secret\n", mode: 0o400)
        try write("ca.crt", "ca", mode: 0o644)
        try write("root.key", "anchor", mode: 0o644)
        let config = try write(
            "relay.toml",
            """
            [relay]
            state_dir = "state"
            [tls]
            certificate = "cert.pem"
            key = "key.pem"
            ca_file = "ca.crt"
            [dns]
            trust_anchor = "root.key"
            [[component]]
            domain = "iot.example"
            secret_file = "iot.secret"
            """, mode: 0o644)
        let loaded = ConfigLoader.load(path: config)
        XCTAssertEqual(try loaded.get().tls.key, directory + "/key.pem")
    }

    func testMissingUnreadableAndOpenFilesAreAllReported() throws {
        try write("key.pem", "key", mode: 0o644)
        try write("iot.secret", "secret", mode: 0o660)
        try write("state", "not a directory", mode: 0o644)
        try FileManager.default.createDirectory(atPath: directory + "/ca.d", withIntermediateDirectories: false)
        let config = try write(
            "relay.toml",
            """
            [relay]
            state_dir = "state"
            [tls]
            certificate = "missing.pem"
            key = "key.pem"
            ca_file = "ca.d"
            [dns]
            trust_anchor = "missing.key"
            [[component]]
            domain = "iot.example"
            secret_file = "iot.secret"
            [limits]
            max_depth = 1
            """, mode: 0o644)
        assertErrors(
            ConfigLoader.load(path: config),
            [
                Expected(2, .invalidValue, "relay.state_dir \(directory)/state exists but is not a directory"),
                Expected(
                    4, .fileUnreadable,
                    "cannot read tls.certificate \(directory)/missing.pem: No such file or directory; fix the path, "
                        + "or make a key and certificate with xmpp-relay keygen DOMAIN"),
                Expected(
                    5, .filePermissions,
                    "tls.key \(directory)/key.pem is accessible by others or writable by its group (mode 0644); "
                        + "run: chmod 600 \(directory)/key.pem (or 640 with the relay's group)"),
                Expected(6, .fileUnreadable, "cannot read tls.ca_file \(directory)/ca.d: it is a directory"),
                Expected(8, .fileUnreadable, "No such file or directory; install the dns-root-data package"),
                Expected(11, .filePermissions, "(mode 0660); run: chmod 600 \(directory)/iot.secret"),
                Expected(13, .invalidValue, "limits.max_depth must be between 4 and 1000"),
            ])
        // Without file checks only the semantic error remains.
        assertErrors(ConfigLoader.load(path: config, checkFiles: false), [Expected(13, .invalidValue, "max_depth")])
    }

    func testInlineSecretMakesTheConfigurationPrivate() throws {
        let text = """
            [[component]]
            domain = "iot.example"
            secret = "s3cret"
            [tls]
            certificate = "/etc/ssl/certs/ca-certificates.crt"
            key = "/etc/ssl/certs/ca-certificates.crt"
            [dns]
            trust_anchor = "/etc/ssl/certs/ca-certificates.crt"
            """
        let open = try write("open.toml", text, mode: 0o604)
        let errors = try XCTUnwrap(ConfigLoader.load(path: open).failureValue)
        XCTAssertTrue(
            errors.errors.contains {
                $0.line == 3 && $0.code == .filePermissions
                    && $0.description == "\(open):3: this file holds a component secret but is accessible by others "
                        + "or writable by its group (mode 0604); run: chmod 600 \(open) (or 640 with the relay's group)"
            }, errors.description)
        let closed = try write("closed.toml", text, mode: 0o600)
        let remaining = ConfigLoader.load(path: closed).failureValue?.errors ?? []
        XCTAssertFalse(remaining.contains { $0.path == closed }, "\(remaining)")
    }

    func testComponentSecretFileMustHoldASecret() throws {
        let empty = try write("empty.secret", "\nsecond line", mode: 0o600)
        let good = try write("good.secret", "s3cret\r\n", mode: 0o600)
        let config = try write(
            "relay.toml",
            """
            [tls]
            certificate = "/etc/ssl/certs/ca-certificates.crt"
            key = "good.secret"
            ca_file = "good.secret"
            [dns]
            trust_anchor = "good.secret"
            [[component]]
            domain = "a.example"
            secret_file = "empty.secret"
            [[component]]
            domain = "b.example"
            secret_file = "good.secret"
            """, mode: 0o600)
        assertErrors(
            ConfigLoader.load(path: config),
            [Expected(9, .invalidValue, "component.secret_file \(empty) has no secret on its first line")])
        let loaded = try ConfigLoader.load(path: config, checkFiles: false).get()
        XCTAssertEqual(try loaded.components[1].readSecret().get(), "s3cret")
        XCTAssertEqual(loaded.components[1].secret, .file(good))
        XCTAssertEqual(
            loaded.components[0].readSecret().failureValue?.description,
            "\(empty): cannot read the secret of component a.example: its first line is empty")
        XCTAssertEqual(
            try ComponentDomain(domain: "c.example", secret: .inline("x")).readSecret().get(), "x")
    }

    func testConfigurationFileItselfCannotBeRead() throws {
        assertErrors(
            ConfigLoader.load(path: directory + "/nope.toml"),
            [Expected(0, .fileUnreadable, "cannot read the configuration file: No such file or directory")])
        guard case .failure(let errors) = ConfigLoader.load(path: directory) else { return XCTFail() }
        XCTAssertEqual(
            errors.description,
            "\(directory): cannot read the configuration file: it is a directory; check the path "
                + "(xmpp-relay check-config FILE) and that the relay's user may read it")
        let big = try write("big.toml", String(repeating: "# padding\n", count: 110_000), mode: 0o644)
        assertErrors(ConfigLoader.load(path: big), [Expected(0, .fileUnreadable, "larger than 1024 KB")])
    }

    func testDefaultsAreCheckedWithoutALine() throws {
        var config = RelayConfiguration.embeddedDefault(environment: [:], effectiveUserID: 1000)
        config.source = "relay.toml"
        config.referencedFiles[1].path = directory + "/no-root.key"
        let errors = config.checkFiles()
        XCTAssertEqual(
            errors.map(\.description).filter { $0.contains("no-root.key") },
            [
                "relay.toml: cannot read dns.trust_anchor \(directory)/no-root.key (the default): No such file or directory; "
                    + "install the dns-root-data package or set dns.trust_anchor"
            ])
    }
}

extension Result {
    fileprivate var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

extension ConfigError {
    fileprivate var path: String { message.contains("this file") ? file : "" }
}
