import XCTest

@testable import RelayConfig

final class EmbeddedDefaultTests: XCTestCase {
    func testListensOnLoopbackOnly() {
        let config = RelayConfiguration.embeddedDefault(environment: ["HOME": "/home/pi"], effectiveUserID: 1000)
        let all = config.listen.s2s + config.listen.s2sDirectTLS + config.listen.home + config.listen.component
        XCTAssertEqual(
            all.map(\.description), ["127.0.0.1:5269", "127.0.0.1:5270", "127.0.0.1:5289", "127.0.0.1:5347"])
        XCTAssertTrue(config.localDomains.isEmpty)
        XCTAssertEqual(config.source, "(embedded default)")
        XCTAssertFalse(config.relay.allowRoot)
    }

    func testStateDirectoryFollowsTheUser() {
        func stateDirectory(_ environment: [String: String], _ uid: UInt32) -> String {
            RelayConfiguration.embeddedDefault(environment: environment, effectiveUserID: uid).relay.stateDirectory
        }
        XCTAssertEqual(stateDirectory(["HOME": "/home/pi"], 0), "/var/lib/xmpp-relay")
        XCTAssertEqual(stateDirectory(["HOME": "/home/pi"], 1000), "/home/pi/.local/state/xmpp-relay")
        XCTAssertEqual(
            stateDirectory(["HOME": "/home/pi", "XDG_STATE_HOME": "/srv/state"], 1000), "/srv/state/xmpp-relay")
        XCTAssertEqual(
            stateDirectory(["HOME": "/home/pi", "XDG_STATE_HOME": "relative"], 1000),
            "/home/pi/.local/state/xmpp-relay")
        XCTAssertEqual(stateDirectory([:], 1000), "/var/lib/xmpp-relay")
        XCTAssertEqual(stateDirectory(["HOME": "/"], 1000), "/var/lib/xmpp-relay")
    }

    func testEmbeddedDefaultChecksTheFilesItReads() {
        let config = RelayConfiguration.embeddedDefault(environment: [:], effectiveUserID: 1000)
        XCTAssertEqual(
            config.referencedFiles.map(\.key), ["tls.ca_file", "dns.trust_anchor", "relay.state_dir"])
    }
}
