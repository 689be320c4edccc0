import Foundation
import RelayTestSupport
import XCTest

/// Config/examples/two-home-relays.toml, run as shipped: Prosody smith.test behind relay A and
/// Prosody jones.test behind relay B (the example's mirror image, as its comment describes), each
/// relay made with `xmpp-relay keygen` and pinned to the other by the `pins = […]` line keygen
/// printed. Only paths, addresses and keys differ from the example. No DNS at all: the relays and
/// both Prosody servers forward every query to a dead loopback port, so nothing about
/// smith.test or jones.test can be looked up.
final class TwoHomeRelaysExampleTests: InteropTestCase {
    private var relays: [RelayProcess] = []
    private var workDirectory: String!

    /// Every resolver forwards here, and nothing listens.
    static let deadDNS = "127.0.0.1@9"
    /// Prosody and the relay on one board: Prosody's s2s and the relay's home listener on loopback.
    static let boardAddress = "127.0.0.1"

    override func setUpWithError() throws {
        try super.setUpWithError()
        // No zone: Prosody's libunbound forwards to the dead port too (ProsodyServer with no zone).
        zone.remove()
        zone = nil
        workDirectory = try InteropTools.makeDirectory("xr-twohomes")
    }

    override func tearDown() {
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        let printLogs = failed || ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_PRINT_LOGS"] != nil
        for relay in relays {
            relay.stop()
            if printLogs { print("--- relay \(relay.configPath):\n\(relay.log)") }
        }
        relays = []
        if let workDirectory, !failed { try? FileManager.default.removeItem(atPath: workDirectory) }
        super.tearDown()
    }

    /// One side: the relay's keys, ports and configuration, and its home Prosody.
    private struct Site {
        let domain: String
        let relayAddress: String
        let s2sPort: Int
        let directTLSPort: Int
        let homePort: Int
        let directory: String
        /// The `pins = ["3 1 1 …"]` line keygen printed for friends.
        let pinsLine: String
        let prosody: ProsodyServer
        var configPath: String { directory + "/xmpp-relay.toml" }
    }

    private func makeSite(_ domain: String, relayAddress: String) throws -> Site {
        let directory = workDirectory + "/" + domain
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keygen = try RelayBinary().run(["keygen", domain, "--out", directory])
        XCTAssertEqual(keygen.status, 0, keygen.stderr)
        let pinsLine = try XCTUnwrap(
            keygen.stdout.split(separator: "\n").first { $0.hasPrefix("pins = [\"3 1 1 ") }, keygen.stdout)
        let s2sPort = try InteropTools.freePort(on: relayAddress)
        let directTLSPort = try InteropTools.freePort(on: relayAddress)
        let homePort = try InteropTools.freePort(on: Self.boardAddress)
        // Prosody cannot read the relay's key (0600, root): its virtual host has its own certificate.
        let certificate = try makeCertificate(domain)
        var prosody = ProsodyConfiguration(address: Self.boardAddress, hosts: [certificate])
        prosody.modules = ["s2s_via_relay"]
        prosody.secureAuth = false
        prosody.useDANE = false
        prosody.globalLines = [
            "s2s_relay = \"\(Self.boardAddress):\(homePort)\"", "s2s_require_encryption = false",
        ]
        let server = try makeProsody(prosody)
        return Site(
            domain: domain, relayAddress: relayAddress, s2sPort: s2sPort, directTLSPort: directTLSPort,
            homePort: homePort, directory: directory, pinsLine: String(pinsLine), prosody: server)
    }

    /// The example for `site`, pinned to `friend`: for jones.test the mirror image of the file.
    private func writeConfig(for site: Site, friend: Site) throws {
        var example = try ExampleConfig(named: "two-home-relays")
        if site.domain == "jones.test" { example.swap("smith", "jones") }
        example.replace(".example", with: ".test")
        example.replace("\"/etc/xmpp-relay/", with: "\"\(site.directory)/")
        try example.set(
            [
                "relay.state_dir": "\"\(site.directory)/state\"",
                "listen.s2s": "[\"\(site.relayAddress):\(site.s2sPort)\"]",
                "listen.s2s_direct_tls": "[\"\(site.relayAddress):\(site.directTLSPort)\"]",
                "listen.home": "[\"\(Self.boardAddress):\(site.homePort)\"]",
                "listen.component": "[]",
                "home.server": "\"\(Self.boardAddress):\(site.prosody.s2sPort)\"",
                "peer.pins": String(friend.pinsLine.dropFirst("pins = ".count)),
                "peer.server": "\"\(friend.relayAddress):\(friend.s2sPort)\"",
            ],
            inserting: ["relay": ["allow_root = true"]])
        let text =
            example.text + "\n\n[dns]\ntrust_anchor = \"/usr/share/dns/root.key\"\nforwarders = [\"\(Self.deadDNS)\"]\n"
        try InteropTools.write(text, to: site.configPath, mode: 0o600)
        let check = try RelayBinary().run(["check-config", site.configPath])
        XCTAssertEqual(check.status, 0, check.stderr + text)
        XCTAssertEqual(check.stdout, "configuration OK\n", check.stderr)
    }

    func testTwoHomesFromTheExampleExchangeMessagesWithoutDNS() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/dns/root.key") else {
            throw XCTSkip("needs dns-root-data (/usr/share/dns/root.key) as the relays' trust anchor")
        }
        let smith = try makeSite("smith.test", relayAddress: "127.0.0.2")
        let jones = try makeSite("jones.test", relayAddress: "127.0.0.3")
        try writeConfig(for: smith, friend: jones)
        try writeConfig(for: jones, friend: smith)
        try smith.prosody.register(user: "alice", host: "smith.test", password: "secret")
        try jones.prosody.register(user: "jim", host: "jones.test", password: "secret")
        try smith.prosody.start()
        try jones.prosody.start()
        let relayA = try RelayProcess(configPath: smith.configPath)
        relays.append(relayA)
        let relayB = try RelayProcess(configPath: jones.configPath)
        relays.append(relayB)
        let logs = { "--- relay A:\n" + relayA.log + "\n--- relay B:\n" + relayB.log }

        for (relay, site) in [(relayA, smith), (relayB, jones)] {
            let start = try XCTUnwrap(relay.waitFor("relay.start"), relay.log)
            XCTAssertTrue(start.contains("domains=\(site.domain)"), start)
            XCTAssertTrue(start.contains("resolver=\"forwarders \(Self.deadDNS)\""), start)
            let listeners = try XCTUnwrap(start.split(separator: " ").first { $0.hasPrefix("listeners=") }, start)
            XCTAssertEqual(
                Set(listeners.dropFirst("listeners=".count).split(separator: ",")),
                [
                    "home:\(Self.boardAddress):\(site.homePort)", "s2s:\(site.relayAddress):\(site.s2sPort)",
                    "s2s-tls:\(site.relayAddress):\(site.directTLSPort)",
                ], start)
        }

        let alice = try client("alice@smith.test", on: smith.prosody, stay: true, timeout: 40)
        let jim = try client("jim@jones.test", on: jones.prosody, stay: true, timeout: 40)
        XCTAssertTrue(alice.waitForEvent("online"), alice.output)
        XCTAssertTrue(jim.waitForEvent("online"), jim.output)
        alice.send(to: "jim@jones.test", body: "hello from the Smiths")
        XCTAssertTrue(
            jim.waitFor("message") { $0["body"] == "hello from the Smiths" },
            jim.output + logs() + smith.prosody.logTail())
        let fromAlice = try XCTUnwrap(jim.messages.first { $0["body"] == "hello from the Smiths" }?["from"])
        XCTAssertTrue(fromAlice.hasPrefix("alice@smith.test/"), fromAlice)
        jim.send(to: "alice@smith.test", body: "hello from the Joneses")
        XCTAssertTrue(
            alice.waitFor("message") { $0["body"] == "hello from the Joneses" },
            alice.output + logs() + jones.prosody.logTail())
        let fromJim = try XCTUnwrap(alice.messages.first { $0["body"] == "hello from the Joneses" }?["from"])
        XCTAssertTrue(fromJim.hasPrefix("jim@jones.test/"), fromJim)

        // The public link between the relays, by the pins keygen printed.
        let aToB = try XCTUnwrap(
            relayA.waitFor("link.up", ["dir=out", "local=smith.test", "remote=jones.test", "addr=127.0.0.3:"]), logs())
        XCTAssertTrue(aToB.contains("auth=pin"), aToB)
        XCTAssertTrue(aToB.contains("addr=127.0.0.3:\(jones.s2sPort)"), aToB)
        let bFromA = try XCTUnwrap(
            relayB.waitFor("link.up", ["dir=in", "local=jones.test", "remote=smith.test"]), logs())
        XCTAssertTrue(bFromA.contains("auth=pin"), bFromA)
        // Each home link: the home Prosody in on the home listener (as its own domain), and the relay
        // out to the home Prosody speaking for the other home.
        for (relay, site, other) in [(relayA, smith, jones), (relayB, jones, smith)] {
            let homeIn = try XCTUnwrap(
                relay.waitFor("link.up", ["dir=in", "remote=\(site.domain)", "addr=\(Self.boardAddress):"]), relay.log)
            XCTAssertTrue(homeIn.contains("local=\(other.domain)"), homeIn)
            XCTAssertTrue(homeIn.contains("auth=home-server stream_auth=home-server"), homeIn)
            let homeOut = try XCTUnwrap(
                relay.waitFor(
                    "link.up",
                    [
                        "dir=out", "local=\(other.domain)", "remote=\(site.domain)",
                        "addr=\(Self.boardAddress):\(site.prosody.s2sPort)",
                    ]), relay.log)
            // Prosody 0.12 checks the relay by asking its dialback question back over the home listener.
            XCTAssertTrue(homeOut.contains("stream_auth=dialback"), homeOut)
            XCTAssertEqual(relay.lines("link.refused"), [], relay.log)
            XCTAssertEqual(relay.lines("route.failed"), [], relay.log)
            XCTAssertEqual(relay.lines("stanza.bounced"), [], relay.log)
        }
    }
}
