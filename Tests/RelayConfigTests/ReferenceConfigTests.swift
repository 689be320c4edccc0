import Foundation
import XCTest

@testable import RelayConfig

/// Every file in Config/ and Config/examples/ must pass the checks (file checks excepted: the paths
/// they name are the ones a real installation has, not files in this repository).
final class ReferenceConfigTests: XCTestCase {
    private var configDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config")
    }

    private func tomlFiles() throws -> [URL] {
        var files: [URL] = []
        for directory in [configDirectory, configDirectory.appendingPathComponent("examples")] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            files += names.filter { $0.hasSuffix(".toml") }.sorted().map { directory.appendingPathComponent($0) }
        }
        return files
    }

    func testEveryShippedConfigurationValidates() throws {
        let files = try tomlFiles()
        XCTAssertGreaterThanOrEqual(files.count, 4, "reference plus at least three examples")
        for file in files {
            if case .failure(let errors) = ConfigLoader.load(path: file.path, checkFiles: false) {
                XCTFail("\(file.lastPathComponent) does not validate:\n\(errors)")
            }
        }
    }

    /// Hardware/profiles/*.toml are tables an operator pastes into the configuration: each must
    /// validate on its own, without a warning, and carry the line Scripts/board-check reads.
    func testEveryBoardProfileValidates() throws {
        let profiles = configDirectory.deletingLastPathComponent().appendingPathComponent("Hardware/profiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: profiles.path).filter { $0.hasSuffix(".toml") }
        XCTAssertGreaterThanOrEqual(names.count, 2, "Pi Zero 2 W and Pi 4")
        for name in names {
            let path = profiles.appendingPathComponent(name).path
            switch ConfigLoader.load(path: path, checkFiles: false) {
            case .failure(let errors): XCTFail("\(name) does not validate:\n\(errors)")
            case .success(let config): XCTAssertEqual(config.warnings, [], name)
            }
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertNotNil(
                text.range(
                    of: "# board-check: memory_limit=[0-9]+[KMG] cpu_quota=[0-9.]+", options: .regularExpression),
                name)
        }
    }

    func testReferenceFileSetsEveryKeyAndItsDefaults() throws {
        let path = configDirectory.appendingPathComponent("xmpp-relay.toml").path
        let config = try ConfigLoader.load(path: path, checkFiles: false).get()
        // The reference writes every default out: all settings but the example domains equal the defaults.
        var defaults = RelayConfiguration(source: path)
        defaults.tls.certificate = "/etc/xmpp-relay/cert.pem"
        defaults.tls.key = "/etc/xmpp-relay/key.pem"
        defaults.tls.domainCertificates = config.tls.domainCertificates
        defaults.homes = config.homes
        defaults.components = config.components
        defaults.peers = config.peers
        defaults.referencedFiles = config.referencedFiles
        defaults.warnings = config.warnings
        XCTAssertEqual(config, defaults)
        // Everything it documents is in force: no warning.
        XCTAssertEqual(config.warnings, [])

        // And every key of the schema appears in it.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for table in ConfigSchema.tables {
            XCTAssertTrue(text.contains(ConfigSchema.header(table.name)), "\(table.name) missing")
            for key in table.keys where !(table.name == "tls" && key == "domain") {
                XCTAssertTrue(
                    text.range(of: "\n\(key) = ") != nil || text.range(of: "\n# \(key) = ") != nil,
                    "\(table.name).\(key) is not documented")
            }
        }
    }

    func testExamplesSayWhatTheyPromise() throws {
        let examples = configDirectory.appendingPathComponent("examples")
        let home = try ConfigLoader.load(
            path: examples.appendingPathComponent("home-prosody.toml").path, checkFiles: false
        ).get()
        XCTAssertEqual(home.homes.map(\.domain), ["smith.example", "conference.smith.example"])
        XCTAssertTrue(home.homes.allSatisfy(\.plaintextLoopback))
        XCTAssertTrue(home.policy.dialbackAllowed(for: "legacy.example", peers: home.peers))
        XCTAssertFalse(home.policy.dialbackAllowed(for: "other.example", peers: home.peers))

        let pair = try ConfigLoader.load(
            path: examples.appendingPathComponent("two-home-relays.toml").path, checkFiles: false
        ).get()
        XCTAssertEqual(pair.peers.map(\.domain), ["jones.example"])
        XCTAssertEqual(pair.peers.first?.pins.first?.description.hasPrefix("3 1 1 9a0e"), true)
        XCTAssertEqual(pair.peers.first?.server, ServerAddress(host: "jones.dyndns.example", port: 5269))
        XCTAssertEqual(pair.policy.require, .dane)

        let component = try ConfigLoader.load(
            path: examples.appendingPathComponent("component-only.toml").path, checkFiles: false
        ).get()
        XCTAssertEqual(
            component.components,
            [ComponentDomain(domain: "iot.smith.example", secret: .file("/etc/xmpp-relay/iot.secret"))])
        XCTAssertEqual(component.listen.home, [])
        // Every example uses only what works (home servers since issue 10).
        XCTAssertEqual(component.warnings, [])
        for (config, name) in [(home, "home-prosody.toml"), (pair, "two-home-relays.toml")] {
            XCTAssertEqual(config.warnings, [], name)
            let text = try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
            XCTAssertFalse(text.contains("NOT IMPLEMENTED"), name)
        }
    }
}
