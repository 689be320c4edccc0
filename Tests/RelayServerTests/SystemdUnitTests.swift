import Foundation
import XCTest

/// Config/systemd/xmpp-relay.service: systemd's own rating of its sandbox stays at or below 2.0,
/// and the directives the relay's notify support relies on are there.
final class SystemdUnitTests: XCTestCase {
    private let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/systemd/xmpp-relay.service").path

    /// `systemd-analyze` when it is installed (package `systemd`; Scripts/setup --test installs it).
    private func analyzer() throws -> String {
        for path in ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw XCTSkip("no systemd-analyze here (Debian package systemd)")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testSecurityExposureIsAtMostTwo() throws {
        let analyze = try analyzer()
        let result = try run(analyze, ["security", "--offline=yes", "--no-pager", unit])
        if result.output.contains("--offline") && result.output.contains("nrecognized") {
            throw XCTSkip("this systemd-analyze has no --offline (systemd < 250): \(result.output)")
        }
        let marker = "Overall exposure level for xmpp-relay.service: "
        let line = try XCTUnwrap(
            result.output.split(separator: "\n").first { $0.contains(marker) }, "no rating: \(result.output)")
        let figure = line.components(separatedBy: marker)[1].split(separator: " ").first.map(String.init) ?? ""
        let exposure = try XCTUnwrap(Double(figure), "rating '\(line)' is not a number")
        XCTAssertLessThanOrEqual(exposure, 2.0, "the unit's sandbox got weaker:\n\(result.output)")
    }

    func testTheUnitIsTypeNotifyWithReloadAndWatchdog() throws {
        let text = try String(contentsOfFile: unit, encoding: .utf8)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for directive in [
            "Type=notify", "NotifyAccess=main",
            "ExecStart=/usr/bin/xmpp-relay run --config /etc/xmpp-relay/xmpp-relay.toml",
            "ExecReload=/bin/kill -HUP $MAINPID", "User=xmpp-relay", "StateDirectory=xmpp-relay",
            "ConfigurationDirectory=xmpp-relay", "CapabilityBoundingSet=", "ProtectSystem=strict",
            // AF_UNIX: the datagrams to NOTIFY_SOCKET (and the journal's stream).
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        ] {
            XCTAssertTrue(lines.contains(directive), "\(directive) missing from \(unit)")
        }
        let watchdog = try XCTUnwrap(lines.first { $0.hasPrefix("WatchdogSec=") }, "no WatchdogSec=")
        XCTAssertNotEqual(watchdog, "WatchdogSec=0")
    }
}
