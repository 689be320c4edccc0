import Foundation
import RelayConfig
import XCTest

@testable import RelayCLI

/// What both check-config test classes share: the command's output lines and a private directory
/// for the files it checks.
class CheckConfigTestCase: XCTestCase {
    fileprivate var out: [String] = []
    fileprivate var err: [String] = []
    fileprivate var io: CommandIO { CommandIO(out: { self.out.append($0) }, err: { self.err.append($0) }) }
    fileprivate var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "checkconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    fileprivate func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }
}

final class CheckConfigCommandTests: CheckConfigTestCase {
    private func run(_ arguments: [String]) -> Int32 {
        CheckConfigCommand.run(arguments, io: io) {
            var config = RelayConfiguration.embeddedDefault(environment: ["HOME": "/home/test"], effectiveUserID: 1000)
            config.referencedFiles = config.referencedFiles.filter { $0.kind == .directory }
            return config
        }
    }

    func testGoodFilePrintsConfigurationOK() throws {
        let anchor = try write("root.key", "anchor")
        let path = try write("relay.toml", "[dns]\ntrust_anchor = \"\(anchor)\"\n[tls]\nca_file = \"root.key\"\n")
        XCTAssertEqual(run([path]), ExitCode.ok)
        XCTAssertEqual(out, ["configuration OK"])
        XCTAssertEqual(err, [])
    }

    func testBadFilePrintsEveryErrorAndExitsTwo() throws {
        let anchor = try write("root.key", "anchor")
        let path = try write(
            "relay.toml",
            "[relay]\nstate_dr = \"/x\"\n[listen]\ns2s = [\"[::]:0\"]\n[dns]\ntrust_anchor = \"\(anchor)\"\n"
                + "[tls]\nca_file = \"root.key\"\n")
        XCTAssertEqual(run([path]), ExitCode.usage)
        XCTAssertEqual(out, [])
        XCTAssertEqual(
            err,
            [
                "\(path):2: unknown key 'state_dr' in [relay]; did you mean 'state_dir'?",
                "\(path):4: listen.s2s: '0' is not a port; ports are 1 to 65535",
            ])
    }

    func testUnreadableFile() {
        XCTAssertEqual(run([directory + "/missing.toml"]), ExitCode.usage)
        XCTAssertEqual(
            err,
            [
                "\(directory)/missing.toml: cannot read the configuration file: No such file or directory; check the path "
                    + "(xmpp-relay check-config FILE) and that the relay's user may read it"
            ])
    }

    func testNoFileChecksTheEmbeddedDefault() {
        XCTAssertEqual(run([]), ExitCode.ok)
        XCTAssertEqual(
            out,
            [
                "no FILE given: checking the embedded default (listeners on loopback only, "
                    + "state in /home/test/.local/state/xmpp-relay)",
                "configuration OK",
            ])
    }

    func testUsageErrors() {
        XCTAssertEqual(run(["a.toml", "b.toml"]), ExitCode.usage)
        XCTAssertEqual(run(["--verbose"]), ExitCode.usage)
        XCTAssertEqual(err.count, 2)
        XCTAssertTrue(err[1].contains("unknown option '--verbose'"))
        XCTAssertEqual(out, [])
        XCTAssertTrue(CheckConfigCommand.usage.hasPrefix("usage: xmpp-relay check-config [FILE]"))
        XCTAssertEqual(CheckConfigCommand.name, "check-config")
    }
}

/// check-config makes the checks `run` makes at start (`StartChecks`): TLS identities, expiry,
/// state directory, warnings, the service user.
final class CheckConfigStartChecksTests: CheckConfigTestCase {
    private func run(_ arguments: [String]) -> Int32 {
        CheckConfigCommand.run(arguments, io: io) { RelayConfiguration.embeddedDefault() }
    }

    /// keygen DOMAIN into the test directory.
    private func keygen(_ domain: String) {
        let quiet = CommandIO(out: { _ in }, err: { XCTFail($0) })
        XCTAssertEqual(KeygenCommand.run([domain, "--out", directory], io: quiet), ExitCode.ok)
    }

    /// A relay config whose files are all in the test directory (state too).
    private func config(tls: String, extra: String = "") -> String {
        """
        [relay]
        state_dir = "state"
        [tls]
        \(tls)
        [listen]
        s2s = ["127.0.0.1:5269"]
        \(extra)
        """
    }

    func testKeyThatDoesNotMatchItsCertificateIsRefused() throws {
        keygen("a.example")
        keygen("b.example")
        let path = try write("relay.toml", config(tls: "certificate = \"a.example.crt\"\nkey = \"b.example.key\""))
        XCTAssertEqual(run([path]), ExitCode.usage)
        XCTAssertEqual(
            err,
            [
                "\(path):5: TLS: \(directory)/b.example.key: key does not match the certificate in \(directory)/a.example.crt"
            ])
        XCTAssertEqual(out, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/state"), "check-config creates nothing")
    }

    func testCertificateCloseToExpiryIsAWarning() throws {
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        made.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "5",
            "-subj", "/CN=soon.example", "-keyout", directory + "/soon.key", "-out", directory + "/soon.crt",
        ]
        made.standardError = FileHandle.nullDevice
        guard (try? made.run()) != nil else { throw XCTSkip("openssl is not installed") }
        made.waitUntilExit()
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory + "/soon.key")
        let path = try write("relay.toml", config(tls: "certificate = \"soon.crt\"\nkey = \"soon.key\""))
        XCTAssertEqual(run([path]), ExitCode.ok, "\(err)")
        XCTAssertEqual(out, ["configuration OK (1 warning)"])
        XCTAssertEqual(err.count, 1)
        XCTAssertTrue(
            err.first?.hasPrefix(
                "\(path):4: warning: certificate \(directory)/soon.crt (every served domain) expires in ")
                == true, "\(err)")
        XCTAssertTrue(err.first?.contains("renew it") == true)
    }

    func testRelativePathsAreReadFromTheConfigurationsDirectory() throws {
        try FileManager.default.createDirectory(atPath: directory + "/etc/keys", withIntermediateDirectories: true)
        let quiet = CommandIO(out: { _ in }, err: { XCTFail($0) })
        XCTAssertEqual(KeygenCommand.run(["r.example", "--out", directory + "/etc/keys"], io: quiet), ExitCode.ok)
        let path = try write(
            "etc/relay.toml", config(tls: "certificate = \"keys/r.example.crt\"\nkey = \"keys/nope.key\""))
        // Started from elsewhere, with the configuration named relatively: the paths follow the file.
        let previous = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory))
        XCTAssertEqual(run(["etc/relay.toml"]), ExitCode.usage)
        XCTAssertEqual(err.count, 1, "\(err)")
        XCTAssertTrue(
            err.first?.hasPrefix(
                "etc/relay.toml:5: cannot read tls.key \(FileManager.default.currentDirectoryPath)/etc/keys/nope.key:")
                == true, "\(err)")
        _ = path
    }

    func testRiskyAndNotImplementedSettingsWarnWithTheirLines() throws {
        let path = try write(
            "relay.toml",
            """
            [relay]
            state_dir = "state"
            [listen]
            component = ["0.0.0.0:5347", "127.0.0.1:5348"]
            home = ["127.0.0.1:5289"]
            [policy]
            allow_dialback = ["*"]
            [queue]
            retry_max = "5m"
            """, mode: 0o666)
        XCTAssertEqual(run([path]), ExitCode.ok, "\(err)")
        XCTAssertEqual(out, ["configuration OK (4 warnings)"])
        XCTAssertEqual(err.count, 4, "\(err)")
        // listen.home (line 5) works since issue 10: no warning for it.
        let expected = [
            "\(path): warning: the configuration file \(path) is writable by every user (mode 0666)",
            "\(path):4: warning: listen.component 0.0.0.0:5347 is not a loopback address: XEP-0114 is plaintext",
            "\(path):7: warning: policy.allow_dialback = [\"*\"] lets any server",
            "\(path):9: warning: queue.retry_max is now called queue.max_backoff",
        ]
        for (line, prefix) in zip(err, expected) { XCTAssertTrue(line.hasPrefix(prefix), line) }
    }

    func testHomeBlocksPassWithoutWarnings() throws {
        keygen("smith.example")
        let path = try write(
            "relay.toml",
            config(
                tls: "certificate = \"smith.example.crt\"\nkey = \"smith.example.key\"",
                extra:
                    "home = [\"127.0.0.1:5289\"]\n[[home]]\ndomain = \"smith.example\"\nserver = \"127.0.0.1:5299\"\n"
                    + "plaintext_loopback = true"
            ))
        XCTAssertEqual(run([path]), ExitCode.ok, "\(err)")
        XCTAssertEqual(out, ["configuration OK"])
        XCTAssertEqual(err, [])
    }

    func testHomeBlocksNeedTheHomeListener() throws {
        keygen("smith.example")
        let path = try write(
            "relay.toml",
            config(
                tls: "certificate = \"smith.example.crt\"\nkey = \"smith.example.key\"",
                extra:
                    "home = []\n[[home]]\ndomain = \"smith.example\"\nserver = \"127.0.0.1:5299\"\nplaintext_loopback = true"
            ))
        XCTAssertEqual(run([path]), ExitCode.usage, "\(err)")
        XCTAssertEqual(
            err,
            [
                "\(path):10: [[home]] smith.example needs the home listener, but listen.home is empty: the home server "
                    + "sends everything through it, even its dialback checks of the relay; set home = [\"127.0.0.1:5289\"] "
                    + "in [listen]"
            ])
    }

    func testUserWhoCannotReadTheKeyIsNamedWithTheFix() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to check files as another user") }
        keygen("u.example")
        let path = try write("relay.toml", config(tls: "certificate = \"u.example.crt\"\nkey = \"u.example.key\""))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        XCTAssertEqual(run([path]), ExitCode.ok, "\(err)")
        err = []
        out = []
        XCTAssertEqual(run([path, "--user", "nobody"]), ExitCode.usage)
        let key = directory + "/u.example.key"
        XCTAssertTrue(
            err.contains(
                "\(path):5: as user nobody: cannot read tls.key \(key) (owner root, group root, mode 0600); "
                    + "run: chgrp nobody \(key) && chmod 640 \(key)"), "\(err)")
        XCTAssertTrue(
            err.contains {
                $0.hasPrefix("\(path):2: as user nobody: cannot create \(directory)/state in \(directory)")
            }, "\(err)")
        XCTAssertFalse(err.contains { $0.contains("u.example.crt") }, "the certificate (0644) is readable: \(err)")
        XCTAssertEqual(run([path, "--user", "no-such-user-here"]), ExitCode.usage)
        XCTAssertTrue(err.last?.contains("no user named 'no-such-user-here'") == true, "\(err)")
    }

    func testReferenceConfigurationPassesOnceItsFilesExist() throws {
        let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/xmpp-relay.toml")
        var text = try String(contentsOf: reference, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"/etc/xmpp-relay/", with: "\"\(directory)/")
        text = text.replacingOccurrences(of: "\"/var/lib/xmpp-relay\"", with: "\"\(directory)/state\"")
        keygen("smith.example")
        keygen("kids.example")
        let files = FileManager.default
        try files.moveItem(atPath: directory + "/smith.example.crt", toPath: directory + "/cert.pem")
        try files.moveItem(atPath: directory + "/smith.example.key", toPath: directory + "/key.pem")
        try files.moveItem(atPath: directory + "/kids.example.crt", toPath: directory + "/kids.example.pem")
        _ = try write("iot.secret", "s3cret\n", mode: 0o600)
        let path = try write("xmpp-relay.toml", text)
        XCTAssertEqual(run([path]), ExitCode.ok, "\(err)")
        XCTAssertEqual(out, ["configuration OK"])
        XCTAssertEqual(err, [])
    }

    /// The examples the README's "Your home Prosody behind the relay" quotes pass check-config with
    /// no warning once keygen has written their files.
    func testHomeExamplesPassOnceTheirFilesExist() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/examples")
        keygen("smith.example")
        for name in ["home-prosody.toml", "two-home-relays.toml"] {
            var text = try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "\"/etc/xmpp-relay/", with: "\"\(directory)/")
            text = text.replacingOccurrences(of: "\"/var/lib/xmpp-relay\"", with: "\"\(directory)/state\"")
            let path = try write(name, text)
            out = []
            err = []
            XCTAssertEqual(run([path]), ExitCode.ok, "\(name): \(err)")
            XCTAssertEqual(out, ["configuration OK"], name)
            XCTAssertEqual(err, [], name)
        }
    }
}
