import Foundation
import RelayConfig
import XCTest

@testable import RelayCLI

final class CheckConfigCommandTests: XCTestCase {
    private var out: [String] = []
    private var err: [String] = []
    private var io: CommandIO { CommandIO(out: { self.out.append($0) }, err: { self.err.append($0) }) }
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "checkconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

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
