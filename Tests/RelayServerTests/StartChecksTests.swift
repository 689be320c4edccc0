import EventLoop
import Foundation
import RelayConfig
import RelayLog
import XCTest

@testable import RelayServer

/// The checks `run` and `check-config` share; the CLI tests drive them end to end.
final class StartChecksTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "start-checks-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func config(_ text: String) throws -> RelayConfiguration {
        try ConfigLoader.parse(
            text:
                "[relay]\nstate_dir = \"\(directory)/state\"\n[dns]\ntrust_anchor = \"\(TestFiles.rootTrustAnchor)\"\n"
                + text, file: directory + "/relay.toml"
        ).get()
    }

    func testInspectChangesNothingAndPrepareCreatesThePrivateStateDirectory() throws {
        let config = try config("")
        let inspected = StartChecks.run(config, now: 0, stateDirectory: .inspect)
        XCTAssertEqual(inspected.errors, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/state"))
        let prepared = StartChecks.run(config, now: 0, stateDirectory: .prepare)
        XCTAssertEqual(prepared.errors, [])
        var info = stat()
        XCTAssertEqual(stat(directory + "/state", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        XCTAssertEqual(prepared.warnings, [])
    }

    /// A queue database that is not one (or another schema) stops `run` and fails `check-config`
    /// alike, on the state_dir line; check-config reads it without writing.
    func testABrokenQueueDatabaseIsAnErrorForRunAndCheckConfigAlike() throws {
        let config = try config("")
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: false)
        chmod(directory + "/state", 0o700)
        let garbage = Data(repeating: 0x41, count: 8192)
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/state/queue.db", contents: garbage))
        let inspected = StartChecks.run(config, now: 0, stateDirectory: .inspect)
        let prepared = StartChecks.run(config, now: 0, stateDirectory: .prepare)
        for report in [inspected, prepared] {
            XCTAssertEqual(report.errors.map(\.line), [2], "\(report.errors)")
            XCTAssertTrue(report.errors.first?.message.hasPrefix("queue: ") == true, "\(report.errors)")
            XCTAssertTrue(
                report.errors.first?.message.contains("\(directory)/state/queue.db") == true, "\(report.errors)")
        }
        XCTAssertNil(prepared.store)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/state/queue.db")), garbage)

        try FileManager.default.removeItem(atPath: directory + "/state/queue.db")
        let fresh = StartChecks.run(config, now: 0, stateDirectory: .prepare)
        XCTAssertEqual(fresh.errors, [])
        XCTAssertNotNil(fresh.store)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/state/queue.db"))
    }

    func testStateDirectoryProblemsAreErrorsAndAWorldWritableOneAWarning() throws {
        _ = FileManager.default.createFile(atPath: directory + "/file", contents: Data())
        let blocked = try ConfigLoader.parse(
            text: "[relay]\nstate_dir = \"\(directory)/file/state\"\n", file: directory + "/relay.toml"
        ).get()
        let report = StartChecks.run(blocked, now: 0, stateDirectory: .inspect)
        XCTAssertEqual(report.errors.map(\.line), [2])
        XCTAssertTrue(report.errors.first?.message.contains("is not a directory") == true, "\(report.errors)")

        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: false)
        chmod(directory + "/state", 0o777)
        let open = StartChecks.run(try config(""), now: 0, stateDirectory: .inspect)
        XCTAssertEqual(open.errors, [])
        XCTAssertEqual(open.warnings.map(\.kind), [.risky])
        XCTAssertTrue(
            open.warnings.first?.message.hasPrefix("relay.state_dir \(directory)/state is writable by every user")
                == true)
    }

    func testDaemonLogsDeprecatedAndRiskySettingsAtStart() throws {
        let config = try config("[queue]\nretry_max = \"1m\"\n[policy]\nallow_dialback = [\"*\"]\n")
        let sink = MemorySink()
        let daemon = RelayDaemon(
            configuration: config, version: "t", logger: Logger(level: .info, sink: sink, now: { 0 }),
            logLevelOverride: nil, reloadConfiguration: { .success(config) })
        try daemon.start()
        let lines = sink.lines.joined(separator: "\n")
        XCTAssertTrue(
            lines.contains("event=config.deprecated at=\(directory)/relay.toml:6 warning=\"queue.retry_max is now"),
            lines)
        XCTAssertTrue(
            lines.contains("event=config.risky at=\(directory)/relay.toml:8 warning=\"policy.allow_dialback"), lines)
    }
}

/// A listener that cannot bind says why and gives one hint, the one that fits the error.
final class ListenerSocketTests: XCTestCase {
    func testAddressInUseGivesOneHint() throws {
        let loop = Loop()
        let first = try ListenerSocket.open(ListenAddress(host: "127.0.0.1", port: 0), loop: loop) { _ in }
        let port = first.localAddress.port
        XCTAssertThrowsError(
            try ListenerSocket.open(ListenAddress(host: "127.0.0.1", port: port), loop: loop) { _ in }
        ) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("cannot listen on 127.0.0.1:\(port): "), text)
            XCTAssertTrue(text.contains("another process, perhaps a second relay, uses it"), text)
            XCTAssertEqual(text.components(separatedBy: "(").count, 2, "exactly one hint: \(text)")
        }
        first.close()
    }
}
