import Foundation
import RelayTestSupport
import XCTest

/// The home examples in Config/examples, run as shipped (README "Your home Prosody behind the
/// relay"): each relay's key made by `xmpp-relay keygen`, its configuration the example file with
/// only paths, addresses and keys replaced (and checked by `check-config` first), real Prosody
/// servers behind the relays with the route module from Config/prosody for the installed Prosody
/// (mod_s2s_via_relay on 0.12.3, mod_s2sout_via_relay on 13), slixmpp users on them.
final class HomeExampleConfigTests: InteropTestCase {
    private var relays: [RelayProcess] = []
    private var workDirectory: String!

    /// Every resolver forwards here, and nothing listens.
    static let deadDNS = "127.0.0.1@9"
    /// Prosody and the relay on one board: Prosody's s2s and the relay's home listener on loopback.
    static let boardAddress = "127.0.0.1"

    override func setUpWithError() throws {
        try super.setUpWithError()
        workDirectory = try InteropTools.makeDirectory("xr-homeexamples")
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
        /// Everything keygen printed (the DNS records to publish among it).
        let keygenOutput: String
        let prosody: ProsodyServer
        var configPath: String { directory + "/xmpp-relay.toml" }
    }

    /// keygen DOMAIN with `keygenOptions`, free ports, and the home Prosody (not started) serving
    /// DOMAIN with `prosodyTail` (e.g. a MUC component) and sending all its s2s to the home listener.
    private func makeSite(
        _ domain: String, relayAddress: String, keygenOptions: [String] = [], extraNames: [String] = [],
        prosodyTail: (TestCertificate) -> [String] = { _ in [] }
    ) throws -> Site {
        let directory = workDirectory + "/" + domain
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keygen = try RelayBinary().run(["keygen", domain, "--out", directory] + keygenOptions)
        XCTAssertEqual(keygen.status, 0, keygen.stderr)
        let pinsLine = try XCTUnwrap(
            keygen.stdout.split(separator: "\n").first { $0.hasPrefix("pins = [\"3 1 1 ") }, keygen.stdout)
        let s2sPort = try InteropTools.freePort(on: relayAddress)
        let directTLSPort = try InteropTools.freePort(on: relayAddress)
        let homePort = try InteropTools.freePort(on: Self.boardAddress)
        // Prosody cannot read the relay's key (0600, root): its virtual host has its own certificate.
        let certificate = try TestCertificate.make(domain: domain, in: certificateDirectory, extraNames: extraNames)
        var prosody = ProsodyConfiguration(address: Self.boardAddress, hosts: [certificate])
        prosody.tailLines = prosodyTail(certificate)
        prosody.routeOutgoingS2S(toRelay: "\(Self.boardAddress):\(homePort)", through: prosodyVersion.relayRouteModule)
        // Plaintext on loopback, as the examples' plaintext_loopback = true expects.
        prosody.globalLines.append("s2s_require_encryption = false")
        let server = try makeProsody(prosody)
        return Site(
            domain: domain, relayAddress: relayAddress, s2sPort: s2sPort, directTLSPort: directTLSPort,
            homePort: homePort, directory: directory, pinsLine: String(pinsLine), keygenOutput: keygen.stdout,
            prosody: server)
    }

    /// Config/examples/NAME.toml for `site`: `.example` domains become `.test`, the files are the
    /// ones keygen wrote, the listeners and the home server this test's; `values` replaces more
    /// (see ExampleConfig.set). `dns` is the [dns] table the example leaves to the defaults. The
    /// result must pass check-config with no warning.
    private func writeConfig(
        _ example: ExampleConfig, for site: Site, values: [String: String] = [:], dns: String
    ) throws {
        var example = example
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
            ].merging(values) { $1 },
            inserting: ["relay": ["allow_root = true"]])
        let text = example.text + "\n\n[dns]\n" + dns + "\n"
        try InteropTools.write(text, to: site.configPath, mode: 0o600)
        let check = try RelayBinary().run(["check-config", site.configPath])
        XCTAssertEqual(check.status, 0, check.stderr + text)
        XCTAssertEqual(check.stdout, "configuration OK\n", check.stderr)
    }

    /// The listeners `relay.start` names, as a set.
    private func listeners(_ start: String) -> Set<Substring> {
        let field = start.split(separator: " ").first { $0.hasPrefix("listeners=") } ?? ""
        return Set(field.dropFirst("listeners=".count).split(separator: ","))
    }

    /// The listeners the examples configure, as `relay.start` names them.
    private func exampleListeners(_ site: Site) -> Set<Substring> {
        [
            "home:\(Self.boardAddress):\(site.homePort)", "s2s:\(site.relayAddress):\(site.s2sPort)",
            "s2s-tls:\(site.relayAddress):\(site.directTLSPort)",
        ]
    }

    /// Config/examples/two-home-relays.toml: Prosody smith.test behind relay A, Prosody jones.test
    /// behind relay B (the example's mirror image, as its comment describes), the relays pinned to
    /// each other by the `pins = […]` line keygen printed. No DNS at all: the relays and both
    /// Prosody servers forward every query to a dead loopback port.
    func testTwoHomeRelaysExampleExchangesMessagesWithoutDNS() throws {
        // No zone: a ProsodyServer without one forwards to the dead port too.
        zone.remove()
        zone = nil
        let smith = try makeSite("smith.test", relayAddress: "127.0.0.2")
        let jones = try makeSite("jones.test", relayAddress: "127.0.0.3")
        let smithsFile = try ExampleConfig(named: "two-home-relays")
        var jonesesFile = smithsFile
        jonesesFile.swap("smith", "jones")
        // The root's DS (as dns-root-data ships it): a real anchor for a resolver that never gets an answer.
        let anchor = workDirectory + "/root.ds"
        try InteropTools.write(
            ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n", to: anchor)
        let noDNS = "trust_anchor = \"\(anchor)\"\nforwarders = [\"\(Self.deadDNS)\"]"
        for (file, site, friend) in [(smithsFile, smith, jones), (jonesesFile, jones, smith)] {
            try writeConfig(
                file, for: site,
                values: [
                    "peer.pins": String(friend.pinsLine.dropFirst("pins = ".count)),
                    "peer.server": "\"\(friend.relayAddress):\(friend.s2sPort)\"",
                ], dns: noDNS)
        }
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
            XCTAssertEqual(listeners(start), exampleListeners(site), start)
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

    /// Config/examples/home-prosody.toml: Prosody smith.test with its MUC conference.smith.test
    /// behind the relay, published in the signed zone `test.` with exactly the records keygen
    /// printed (ports changed to this test's), and a public Prosody pub.test with DANE both ways.
    /// alice@smith.test and bob@pub.test exchange messages; bob, from outside, talks in a room on
    /// conference.smith.test, the example's second [[home]] block.
    func testHomeProsodyExampleWithTheRecordsKeygenPrints() throws {
        zone.remove()
        zone = try TestZone(origin: "test.")
        let smith = try makeSite(
            "smith.test", relayAddress: "127.0.0.2",
            keygenOptions: ["--name", "conference.smith.test", "--target", "relay.smith.test"],
            extraNames: ["conference.smith.test"]
        ) { certificate in
            [
                "Component \"conference.smith.test\" \"muc\"",
                "  ssl = { certificate = \"\(certificate.certificatePath)\"; key = \"\(certificate.keyPath)\" }",
                "  muc_room_locking = false",
            ]
        }
        // The records keygen printed, at this test's ports, and the same SRV for the MUC domain.
        let records = smith.keygenOutput.split(separator: "\n").filter { $0.hasPrefix("_") }.map {
            $0.replacingOccurrences(of: " 5269 ", with: " \(smith.s2sPort) ")
                .replacingOccurrences(of: "_5269.", with: "_\(smith.s2sPort).")
                .replacingOccurrences(of: " 5270 ", with: " \(smith.directTLSPort) ")
                .replacingOccurrences(of: "_5270.", with: "_\(smith.directTLSPort).")
        }
        XCTAssertEqual(records.count, 4, smith.keygenOutput)
        for record in records {
            zone.add(record)
            if record.hasPrefix("_xmpp") {
                zone.add(record.replacingOccurrences(of: "._tcp.smith.test.", with: "._tcp.conference.smith.test."))
            }
        }
        zone.addA("relay.smith.test.", smith.relayAddress)

        let publicCertificate = try TestCertificate.make(domain: "pub.test", in: certificateDirectory)
        var publicConfiguration = ProsodyConfiguration(address: "127.0.0.4", hosts: [publicCertificate])
        publicConfiguration.modules = ["s2s_auth_dane_in"]
        let publicServer = try makeProsody(publicConfiguration)
        publish("pub.test", servedBy: publicServer, certificate: publicCertificate)

        // The zone's trust anchor exists once it runs.
        try zone.start()
        try writeConfig(
            try ExampleConfig(named: "home-prosody"), for: smith,
            dns: """
                trust_anchor = "\(zone.trustAnchorFile)"
                forwarders = ["\(Self.deadDNS)"]
                stub_zones = ["test.=\(zone.serverAddress)"]
                """)
        try smith.prosody.register(user: "alice", host: "smith.test", password: "secret")
        try publicServer.register(user: "bob", host: "pub.test", password: "secret")
        try smith.prosody.start()
        try publicServer.start()
        let relay = try RelayProcess(configPath: smith.configPath)
        relays.append(relay)
        let logs = {
            relay.log + "\n--- home:\n" + smith.prosody.logTail() + "\n--- public:\n" + publicServer.logTail()
        }

        let start = try XCTUnwrap(relay.waitFor("relay.start"), relay.log)
        XCTAssertTrue(start.contains("domains=smith.test,conference.smith.test"), start)
        XCTAssertEqual(listeners(start), exampleListeners(smith), start)
        XCTAssertTrue(smith.prosody.waitForLog(containing: "Outgoing s2s goes to relay"), smith.prosody.logTail())

        let alice = try client("alice@smith.test", on: smith.prosody, stay: true, timeout: 60)
        let bob = try client("bob@pub.test", on: publicServer, stay: true, timeout: 60)
        XCTAssertTrue(alice.waitForEvent("online"), alice.output)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        alice.send(to: "bob@pub.test", body: "hello from home")
        XCTAssertTrue(bob.waitFor("message") { $0["body"] == "hello from home" }, bob.output + logs())
        bob.send(to: "alice@smith.test", body: "hello home")
        XCTAssertTrue(alice.waitFor("message") { $0["body"] == "hello home" }, alice.output + logs())
        XCTAssertEqual(
            alice.messages.first { $0["body"] == "hello home" }?["from"]?.hasPrefix("bob@pub.test/"), true,
            alice.output)

        // The room at home: alice is in it, bob joins from outside and speaks.
        // slixmpp keeps alice's own room presence to itself: bob seeing her shows she is in.
        alice.command(["join": "kitchen@conference.smith.test/alice"])
        bob.command(["join": "kitchen@conference.smith.test/bob"])
        XCTAssertTrue(
            bob.waitFor("presence") { $0["from"] == "kitchen@conference.smith.test/alice" }, bob.output + logs())
        bob.command(["to": "kitchen@conference.smith.test", "body": "hi from outside", "type": "groupchat"])
        XCTAssertTrue(
            alice.waitFor("message") { $0["body"] == "hi from outside" && $0["type"] == "groupchat" },
            alice.output + logs())

        // The log lines README step 5 shows.
        let homeIn = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "local=pub.test", "remote=smith.test"]), logs())
        XCTAssertTrue(homeIn.contains("addr=\(Self.boardAddress):"), homeIn)
        XCTAssertTrue(homeIn.contains("auth=home-server stream_auth=home-server"), homeIn)
        for dir in ["out", "in"] {
            let publicLink = try XCTUnwrap(
                relay.waitFor("link.up", ["dir=\(dir)", "local=smith.test", "remote=pub.test"]), logs())
            XCTAssertTrue(publicLink.contains("auth=dane-ee stream_auth=sasl-external tlsa=\"3 1 1\""), publicLink)
        }
        let homeOut = try XCTUnwrap(
            relay.waitFor("link.up", ["dir=out", "local=pub.test", "remote=smith.test"]), logs())
        XCTAssertTrue(homeOut.contains("addr=\(Self.boardAddress):\(smith.prosody.s2sPort)"), homeOut)
        XCTAssertTrue(homeOut.contains("auth=dialback stream_auth=dialback"), homeOut)
        // bob's server reached the room through the relay, which handed it to the home Prosody.
        XCTAssertNotNil(
            relay.waitFor("link.up", ["dir=in", "local=conference.smith.test", "remote=pub.test"]), logs())
        XCTAssertNotNil(
            relay.waitFor("link.up", ["dir=out", "local=pub.test", "remote=conference.smith.test"]), logs())
        XCTAssertEqual(relay.lines("link.refused"), [], relay.log)
        XCTAssertEqual(relay.lines("stanza.bounced"), [], relay.log)
    }
}
