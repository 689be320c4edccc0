import Foundation
import RelayTestSupport
import XCTest

/// `xmpp-relay run` as an operator sees it: the real binary, real signals, its log on stderr.
final class RunCommandTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "xmpp-relay-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func writeConfig(_ text: String) throws -> String {
        let path = directory + "/relay.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func validConfig(level: String = "info") -> String {
        """
        [relay]
        state_dir = "\(directory)/state"
        allow_root = true

        [log]
        level = "\(level)"

        [listen]
        s2s = ["127.0.0.1:15269"]
        s2s_direct_tls = []
        home = []
        component = []
        """
    }

    func testStartReloadBrokenReloadAndStop() throws {
        let binary = try RelayBinary()
        let path = try writeConfig(validConfig())
        let (process, out, err) = try binary.start(["run", "--config", path])
        let log = RelayProcess.LogCollector()
        err.fileHandleForReading.readabilityHandler = { log.append($0.availableData) }
        defer { if process.isRunning { process.terminate() } }

        XCTAssertTrue(eventually { log.value.contains("event=relay.start") }, log.value)
        XCTAssertTrue(log.value.contains("config=\(path)"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/state"))

        // A good reload applies.
        _ = try writeConfig(validConfig(level: "debug"))
        kill(process.processIdentifier, SIGHUP)
        XCTAssertTrue(eventually { log.value.contains("event=config.reload ") }, log.value)

        // A broken file is reported with FILE:LINE and the relay keeps running on the old one.
        _ = try writeConfig(validConfig() + "\nbogus_key = 1\n")
        kill(process.processIdentifier, SIGHUP)
        XCTAssertTrue(eventually { log.value.contains("event=config.reload_failed") }, log.value)
        XCTAssertTrue(log.value.contains("\(path):13:"), log.value)
        XCTAssertTrue(process.isRunning)

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        _ = out
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(eventually { log.value.contains("event=relay.stop signal=TERM") }, log.value)
        XCTAssertEqual(log.value.components(separatedBy: "event=config.reload ").count, 2, log.value)
        for line in log.value.split(separator: "\n") {
            XCTAssertTrue(line.hasPrefix("ts="), "not a logfmt line: \(line)")
        }
    }

    func testBrokenConfigurationRefusesToStartWithExitCode2() throws {
        let binary = try RelayBinary()
        let path = try writeConfig("[relay]\nstate_dir = 5\n")
        let result = try binary.run(["run", "--config", path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("\(path):2:"), result.stderr)
    }

    /// The same StartChecks as check-config: a key that does not match its certificate stops `run`.
    func testKeyThatDoesNotMatchItsCertificateRefusesToStart() throws {
        let binary = try RelayBinary()
        for domain in ["a.example", "b.example"] {
            XCTAssertEqual(try binary.run(["keygen", domain, "--out", directory]).status, 0)
        }
        let path = try writeConfig(
            validConfig() + "\n[tls]\ncertificate = \"a.example.crt\"\nkey = \"b.example.key\"\n")
        let result = try binary.run(["run", "--config", path])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("event=relay.start_failed"), result.stderr)
        XCTAssertTrue(
            result.stderr.contains(
                "\(path):15: TLS: \(directory)/b.example.key: key does not match the certificate in "
                    + "\(directory)/a.example.crt"), result.stderr)
        XCTAssertFalse(result.stderr.contains("event=relay.start "), result.stderr)
        let check = try binary.run(["check-config", path])
        XCTAssertEqual(check.status, 2)
        XCTAssertTrue(
            check.stderr.contains("\(path):15: TLS: \(directory)/b.example.key: key does not match"), check.stderr)
    }

    /// A deprecated key name still works: run says so at start, in the words check-config prints.
    func testDeprecatedQueueKeyIsLoggedAtStart() throws {
        let binary = try RelayBinary()
        let path = try writeConfig(validConfig() + "\n[queue]\nretry_max = \"5m\"\n")
        let (process, out, err) = try binary.start(["run", "--config", path])
        let log = RelayProcess.LogCollector()
        err.fileHandleForReading.readabilityHandler = { log.append($0.availableData) }
        defer { if process.isRunning { process.terminate() } }
        XCTAssertTrue(eventually { log.value.contains("event=config.deprecated") }, log.value)
        XCTAssertTrue(log.value.contains("at=\(path):14 "), log.value)
        XCTAssertTrue(log.value.contains("warning=\"queue.retry_max is now called queue.max_backoff"), log.value)
        let check = try binary.run(["check-config", path])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout, "configuration OK (1 warning)\n")
        XCTAssertTrue(
            check.stderr.hasPrefix("\(path):14: warning: queue.retry_max is now called queue.max_backoff"),
            check.stderr)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        _ = out
    }

    func testRootWithoutPermissionIsRefused() throws {
        guard geteuid() == 0 else { throw XCTSkip("only meaningful as root") }
        let binary = try RelayBinary()
        let config = validConfig().replacingOccurrences(of: "allow_root = true", with: "")
        let result = try binary.run(["run", "--config", try writeConfig(config)])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("refusing to run as root"), result.stderr)
    }

    func testCheckConfigExitCodes() throws {
        let binary = try RelayBinary()
        let good = try binary.run(["check-config", try writeConfig(validConfig())])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertEqual(good.stdout, "configuration OK\n")
        let bad = try binary.run(["check-config", try writeConfig("[listen]\ns2s = [\"nowhere\"]\n")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("relay.toml:2:"), bad.stderr)
    }

    func testUnknownFlagGivesUsageAndExitCode2() throws {
        let binary = try RelayBinary()
        let result = try binary.run(["run", "--frobnicate"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("unknown option --frobnicate"), result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: xmpp-relay run"), result.stderr)
    }
}
