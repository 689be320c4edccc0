import Foundation
import RelayTestSupport
import XCTest

/// The relay's main job (DESIGN.md §2), end to end on loopback: a stock Prosody serving smith.test
/// behind relay A (home listener, plaintext on loopback, Config/prosody/mod_s2s_via_relay.lua) and a
/// public Prosody serving pub.test (with the MUC conference.pub.test) in the signed zone `test.`,
/// DANE both ways on the public side. c2s users alice@smith.test and bob@pub.test talk through it.
final class RelayHomeProsodyTests: RelayInteropTestCase {
    private var home: ProsodyServer!
    private var relaySetup: RelaySetup!
    private var relay: RelayProcess!

    override func setUpWithError() throws {
        try super.setUpWithError()
        zone = try TestZone(origin: "test.")
    }

    /// The configured address of the home server: its outgoing connections to the relay's
    /// loopback address come from 127.0.0.1 too, which the home listener checks.
    static let homeAddress = "127.0.0.1"

    /// Relay A for smith.test on 127.0.0.2 with a home listener, published with SRV and TLSA; the
    /// home Prosody (not started) on 127.0.0.1 routing all its s2s to that listener. The home link is
    /// plaintext on loopback, or, given the home server's own certificate, TLS checked by its pin.
    private func makeHomeAndRelay(
        extraHosts: [TestCertificate] = [], pinnedHome: TestCertificate? = nil, relayExtra: String = ""
    ) throws {
        (relaySetup, home) = try makeHomeSite(
            "smith.test", relayAddress: "127.0.0.2", extraHosts: extraHosts, pinnedHome: pinnedHome)
        relaySetup.extra = relayExtra
        publish(relaySetup)
    }

    /// A relay for `domain` on `relayAddress` with a home listener, and the home Prosody for `domain`
    /// (neither started, nothing published).
    private func makeHomeSite(
        _ domain: String, relayAddress: String, extraHosts: [TestCertificate] = [], pinnedHome: TestCertificate? = nil
    ) throws -> (RelaySetup, ProsodyServer) {
        var setup = try makeRelaySetup(domain, address: relayAddress)
        setup.domainIsComponent = false
        let homePort = try InteropTools.freePort(on: setup.address)
        setup.homePort = homePort
        var configuration = ProsodyConfiguration(
            address: Self.homeAddress, hosts: [pinnedHome ?? setup.certificate] + extraHosts)
        configuration.modules = [prosodyVersion.relayRouteModule]
        configuration.secureAuth = false
        configuration.useDANE = false
        configuration.globalLines = ["s2s_relay = \"\(setup.address):\(homePort)\""]
        // Plaintext on loopback needs plaintext_loopback = true on the relay's side.
        if pinnedHome == nil { configuration.globalLines.append("s2s_require_encryption = false") }
        let server = try makeProsody(configuration)
        let trust = pinnedHome.map { "pin = \"\($0.tlsa311)\"" } ?? "plaintext_loopback = true"
        setup.homeBlocks = [
            """
            [[home]]
            domain = "\(domain)"
            server = "\(Self.homeAddress):\(server.s2sPort)"
            \(trust)
            """
        ]
        return (setup, server)
    }

    private var publicServer: ProsodyServer!

    /// pub.test and its MUC conference.pub.test on 127.0.0.4, one certificate for both names,
    /// DANE outgoing and (mod_s2s_auth_dane_in) incoming.
    private func makePublicServer() throws {
        let certificate = try TestCertificate.make(
            domain: "pub.test", in: certificateDirectory, extraNames: ["conference.pub.test"])
        var configuration = ProsodyConfiguration(address: "127.0.0.4", hosts: [certificate])
        configuration.modules = ["s2s_auth_dane_in"]
        configuration.tailLines = [
            "Component \"conference.pub.test\" \"muc\"",
            "  ssl = { certificate = \"\(certificate.certificatePath)\"; key = \"\(certificate.keyPath)\" }",
            "  muc_room_locking = false",
        ]
        publicServer = try makeProsody(configuration)
        publish("pub.test", servedBy: publicServer, certificate: certificate)
        publish("conference.pub.test", servedBy: publicServer, certificate: certificate)
    }

    /// The usual cast, all started: the home Prosody with alice@smith.test behind the relay (see
    /// `makeHomeAndRelay`), the public Prosody with bob@pub.test, the zone and the relay.
    private func startHomeAlicePublicBobAndRelay(pinnedHome: TestCertificate? = nil) throws {
        try makeHomeAndRelay(pinnedHome: pinnedHome)
        try makePublicServer()
        try zone.start()
        try home.register(user: "alice", host: "smith.test", password: "secret")
        try publicServer.register(user: "bob", host: "pub.test", password: "secret")
        try home.start()
        try publicServer.start()
        relay = try startRelay(relaySetup)
    }

    func testHomeProsodyAndPublicProsodyTalkThroughTheRelay() throws {
        try startHomeAlicePublicBobAndRelay()
        XCTAssertNotNil(relay.waitFor("relay.start", ["home:127.0.0.2:\(relaySetup.homePort!)"]), relay.log)
        XCTAssertTrue(home.waitForLog(containing: "Outgoing s2s goes to relay"), home.logTail())

        let bob = try client("bob@pub.test", on: publicServer, stay: true, timeout: 90)
        let alice = try client("alice@smith.test", on: home, stay: true, timeout: 90)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        XCTAssertTrue(alice.waitForEvent("online"), alice.output)
        let logs = {
            self.relay.log + "\n--- home:\n" + self.home.logTail() + "\n--- public:\n" + self.publicServer.logTail()
        }

        // Home → remote.
        alice.send(to: "bob@pub.test", body: "hello from home")
        XCTAssertTrue(bob.waitFor("message") { $0["body"] == "hello from home" }, bob.output + logs())
        XCTAssertEqual(bob.messages.first?["from"]?.hasPrefix("alice@smith.test/"), true, bob.output)
        // Remote → home.
        bob.send(to: "alice@smith.test", body: "hello home")
        XCTAssertTrue(alice.waitFor("message") { $0["body"] == "hello home" }, alice.output + logs())
        XCTAssertEqual(alice.messages.first?["from"]?.hasPrefix("bob@pub.test/"), true, alice.output)
        XCTAssertTrue(alice.messages.allSatisfy { $0["type"] != "error" }, alice.output)
        XCTAssertTrue(bob.messages.allSatisfy { $0["type"] != "error" }, bob.output)

        // A presence subscription: bob's slixmpp accepts it and asks back, then presence flows.
        alice.command(["subscribe": "bob@pub.test"])
        XCTAssertTrue(
            bob.waitFor("presence") { $0["from"] == "alice@smith.test" && $0["type"] == "subscribe" },
            bob.output + logs())
        XCTAssertTrue(
            alice.waitFor("presence") { $0["from"] == "bob@pub.test" && $0["type"] == "subscribe" },
            alice.output + logs())
        XCTAssertTrue(
            alice.waitFor("presence") {
                $0["from"]?.hasPrefix("bob@pub.test/") == true && $0["type"] == "available"
            }, alice.output + logs())
        XCTAssertTrue(
            bob.waitFor("presence") { $0["from"]?.hasPrefix("alice@smith.test/") == true && $0["type"] == "available" },
            bob.output + logs())

        // An iq round trip: disco#info of the public server, answered through both relay directions.
        alice.command(["disco": "pub.test"])
        XCTAssertTrue(alice.waitFor("iq") { $0["from"] == "pub.test" }, alice.output + logs())
        let answer = try XCTUnwrap(alice.events.first { $0.event == "iq" })
        XCTAssertEqual(answer["type"], "result", alice.output)
        XCTAssertEqual(answer["features"]?.contains("http://jabber.org/protocol/disco#info"), true, alice.output)

        // A MUC room on the public server: alice joins from home and receives its messages.
        bob.command(["join": "lounge@conference.pub.test/bob"])
        XCTAssertTrue(bob.waitFor("presence") { $0["from"] == "lounge@conference.pub.test/bob" }, bob.output)
        alice.command(["join": "lounge@conference.pub.test/alice"])
        // slixmpp's MUC plugin keeps the self-presence to itself: bob's occupant presence shows she is in.
        XCTAssertTrue(
            alice.waitFor("presence") { $0["from"] == "lounge@conference.pub.test/bob" }, alice.output + logs())
        bob.command(["to": "lounge@conference.pub.test", "body": "welcome to the lounge", "type": "groupchat"])
        XCTAssertTrue(
            alice.waitFor("message") { $0["body"] == "welcome to the lounge" && $0["type"] == "groupchat" },
            alice.output + logs())
        XCTAssertEqual(
            alice.events.first { $0.event == "message" && $0["type"] == "groupchat" }?["from"],
            "lounge@conference.pub.test/bob")

        // The relay's log: the public side by DANE both ways, the home side by address and dialback.
        let publicIn = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "local=smith.test", "remote=pub.test"]))
        XCTAssertTrue(publicIn.contains("auth=dane-ee"), publicIn)
        let publicOut = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "local=smith.test", "remote=pub.test"]))
        XCTAssertTrue(publicOut.contains("auth=dane-ee") && publicOut.contains("stream_auth=sasl-external"), publicOut)
        let homeOut = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "local=pub.test", "remote=smith.test"]))
        XCTAssertTrue(homeOut.contains("stream_auth=dialback") && !homeOut.contains("tls="), homeOut)
        let homeIn = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "local=pub.test", "remote=smith.test"]))
        XCTAssertTrue(homeIn.contains("stream_auth=home-server"), homeIn)
        XCTAssertNotNil(relay.waitFor("link.up", ["dir=out", "local=smith.test", "remote=conference.pub.test"]))
        XCTAssertNotNil(relay.waitFor("link.up", ["dir=out", "local=conference.pub.test", "remote=smith.test"]))
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
        XCTAssertTrue(relay.lines("stanza.bounced").isEmpty, relay.log)
        // The home Prosody checked the relay's dialback key by asking the relay (through the home
        // listener) and accepted the link; the public Prosody accepted the relay by DANE.
        XCTAssertTrue(home.waitForLog(containing: "asking pub.test if key"), home.logTail())
        XCTAssertTrue(
            home.waitForLog(containing: "connection pub.test->smith.test is now authenticated"), home.logTail())
        XCTAssertTrue(
            publicServer.waitForLog(containing: "Accepting SASL EXTERNAL identity from smith.test"),
            publicServer.logTail())

        // A reload with the same file keeps the plaintext home links (same address, still configured).
        relay.send(signal: SIGHUP)
        XCTAssertNotNil(relay.waitFor("config.reload"), relay.log)
        bob.send(to: "alice@smith.test", body: "after the reload")
        XCTAssertTrue(alice.waitFor("message") { $0["body"] == "after the reload" }, alice.output + logs())
        XCTAssertTrue(relay.lines("link.down").isEmpty, relay.log)
    }

    /// The home link over TLS both ways, checked by the home server's pin alone (a home server on
    /// another machine; here on loopback with plaintext_loopback off); it survives a reload.
    func testPinnedTLSHomeLinkCarriesBothWaysAndSurvivesAReload() throws {
        // Prosody's own key for smith.test, not the relay's: the pin names it.
        let prosodyCertificate = try TestCertificate.make(
            domain: "smith.test", in: try InteropTools.makeDirectory("xr-home-cert"))
        try startHomeAlicePublicBobAndRelay(pinnedHome: prosodyCertificate)
        let bob = try client("bob@pub.test", on: publicServer, stay: true, timeout: 60)
        let alice = try client("alice@smith.test", on: home, stay: true, timeout: 60)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        XCTAssertTrue(alice.waitForEvent("online"), alice.output)
        let logs = { self.relay.log + "\n--- home:\n" + self.home.logTail() }
        alice.send(to: "bob@pub.test", body: "over pinned TLS")
        XCTAssertTrue(bob.waitFor("message") { $0["body"] == "over pinned TLS" }, bob.output + logs())
        bob.send(to: "alice@smith.test", body: "back over pinned TLS")
        XCTAssertTrue(alice.waitFor("message") { $0["body"] == "back over pinned TLS" }, alice.output + logs())

        let homeIn = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "local=pub.test", "remote=smith.test"]))
        // Prosody presented its certificate as a client: pinned, so it authenticated by SASL EXTERNAL.
        XCTAssertTrue(homeIn.contains("auth=pin") && homeIn.contains("tls="), homeIn)
        XCTAssertTrue(homeIn.contains("stream_auth=sasl-external"), homeIn)
        XCTAssertTrue(homeIn.contains("pin=\"\(prosodyCertificate.tlsa311)\""), homeIn)
        let homeOut = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "local=pub.test", "remote=smith.test"]))
        XCTAssertTrue(homeOut.contains("auth=pin") && homeOut.contains("stream_auth=dialback"), homeOut)

        // SIGHUP with the same file: the home links are still allowed and stay up.
        relay.send(signal: SIGHUP)
        XCTAssertNotNil(relay.waitFor("config.reload"), relay.log)
        alice.send(to: "bob@pub.test", body: "after the reload")
        XCTAssertTrue(bob.waitFor("message") { $0["body"] == "after the reload" }, bob.output + logs())
        XCTAssertTrue(relay.lines("link.down").isEmpty, relay.log)
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
    }

    /// Home ↔ component on one relay stays on the relay: a component bot.smith.test and the home
    /// Prosody reach each other with no public link and no DNS for either domain.
    func testHomeAndComponentOnOneRelayStayLocal() throws {
        try makeHomeAndRelay(
            relayExtra: "[[component]]\ndomain = \"bot.smith.test\"\nsecret = \"bot-secret\"\n")
        try zone.start()
        try home.register(user: "alice", host: "smith.test", password: "secret")
        try home.start()
        relay = try startRelay(relaySetup)
        let bot = try SlixmppPeer.component(
            domain: "bot.smith.test", secret: "bot-secret", host: relaySetup.address, port: relaySetup.componentPort,
            fromJID: "echo@bot.smith.test", stay: true, timeout: 30)
        defer { bot.stop() }
        XCTAssertTrue(bot.waitForEvent("online"), bot.output + relay.log)
        let alice = try client("alice@smith.test", on: home, stay: true, timeout: 30)
        XCTAssertTrue(alice.waitForEvent("online"), alice.output)
        alice.send(to: "echo@bot.smith.test", body: "to the bot")
        XCTAssertTrue(bot.waitFor("message") { $0["body"] == "to the bot" }, bot.output + relay.log + home.logTail())
        let from = try XCTUnwrap(bot.messages.first?["from"])
        XCTAssertTrue(from.hasPrefix("alice@smith.test/"), from)
        bot.send(to: from, body: "from the bot")
        XCTAssertTrue(alice.waitFor("message") { $0["body"] == "from the bot" }, alice.output + relay.log)
        XCTAssertEqual(alice.messages.first { $0["body"] == "from the bot" }?["from"], "echo@bot.smith.test")
        XCTAssertNotNil(relay.waitFor("link.up", ["dir=in", "local=bot.smith.test", "remote=smith.test"]))
        let out = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "local=bot.smith.test", "remote=smith.test"]))
        XCTAssertTrue(out.contains("addr=\(Self.homeAddress):\(home.s2sPort)"), out)
        XCTAssertTrue(relay.lines("link.up").allSatisfy { !$0.contains("addr=127.0.0.4") }, relay.log)
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
    }

    /// A stanza from home to a domain that does not exist bounces back to the home user from that
    /// domain (the relay's own word), with the relay's log saying why. The home server opens one
    /// connection per remote domain: `connections_per_ip` does not cap its address.
    func testHomeStanzaToAnUnknownDomainBouncesToTheHomeUser() throws {
        try makeHomeAndRelay(relayExtra: "[limits]\nconnections_per_ip = 1\n")
        try zone.start()
        try home.register(user: "alice", host: "smith.test", password: "secret")
        try home.start()
        relay = try startRelay(relaySetup)
        let alice = try client(
            "alice@smith.test", on: home,
            send: [("nobody@nowhere.test", "lost"), ("nobody@elsewhere.test", "lost too")],
            stay: true, timeout: 30)
        // slixmpp reports an error message twice (message and message_error), so `expect` would end
        // the client after the first bounce: it stays, and bounces are counted by id.
        XCTAssertTrue(
            eventually(timeout: 20) { Set(alice.messages.compactMap { $0["id"] }).count == 2 },
            alice.output + relay.log + home.logTail())
        XCTAssertTrue(alice.messages.allSatisfy { $0["type"] == "error" }, alice.output)
        XCTAssertEqual(Set(alice.messages.compactMap { $0["id"] }).count, 2, alice.output)
        XCTAssertEqual(relay.lines("stanza.bounced").count, 2, relay.log)
        XCTAssertEqual(
            Set(alice.messages.compactMap { $0["from"] }), ["nobody@nowhere.test", "nobody@elsewhere.test"],
            alice.output)
        XCTAssertEqual(relay.lines("link.up").filter { $0.contains("stream_auth=home-server") }.count, 2, relay.log)
        XCTAssertTrue(relay.lines("limit.reached").isEmpty, relay.log)
        // stanza.bounced names the original stanza's way.
        let bounced = try XCTUnwrap(
            relay.waitFor("stanza.bounced", ["from=smith.test", "to=nowhere.test"]), relay.log)
        XCTAssertTrue(bounced.contains("condition=remote-server-not-found"), bounced)
        XCTAssertTrue(bounced.contains("reason=\"nowhere.test: nowhere.test does not exist (NXDOMAIN)\""), bounced)
        XCTAssertNotNil(relay.waitFor("route.failed", ["local=smith.test", "remote=nowhere.test"]), relay.log)
        XCTAssertNotNil(relay.waitFor("link.up", ["dir=out", "local=nowhere.test", "remote=smith.test"]), relay.log)
    }

    /// A reload that changes how the home server is trusted (plaintext → a pin its plaintext links
    /// cannot show) closes the home links it no longer allows, both directions.
    func testReloadClosesHomeLinksTheNewConfigurationNoLongerAllows() throws {
        try startHomeAlicePublicBobAndRelay()
        let bob = try client("bob@pub.test", on: publicServer, stay: true, timeout: 40)
        let alice = try client("alice@smith.test", on: home, stay: true, timeout: 40)
        XCTAssertTrue(bob.waitForEvent("online") && alice.waitForEvent("online"), bob.output + alice.output)
        bob.send(to: "alice@smith.test", body: "before the reload")
        XCTAssertTrue(alice.waitFor("message") { $0["body"] == "before the reload" }, alice.output + relay.log)
        alice.send(to: "bob@pub.test", body: "reply")
        XCTAssertTrue(bob.waitFor("message") { $0["body"] == "reply" }, bob.output + relay.log)

        let pin = try makeCertificate("elsewhere.test").tlsa311
        relaySetup.homeBlocks = [
            "[[home]]\ndomain = \"smith.test\"\nserver = \"\(Self.homeAddress):\(home.s2sPort)\"\npin = \"\(pin)\""
        ]
        try InteropTools.write(
            relaySetup.configText(directory: relayDirectory, zone: zone), to: relay.configPath, mode: 0o600)
        relay.send(signal: SIGHUP)
        let reload = try XCTUnwrap(relay.waitFor("config.reload"), relay.log)
        XCTAssertTrue(reload.contains("links_closed=2"), reload)
        for direction in ["in", "out"] {
            let down = try XCTUnwrap(
                relay.waitFor("link.down", ["dir=\(direction)", "remote=smith.test"]), relay.log)
            XCTAssertTrue(
                down.contains(
                    "the home server of smith.test is not authenticated (none: smith.test presented no certificate)"),
                down)
            XCTAssertTrue(down.contains("no longer allowed after reload"), down)
        }
        // The public links stay.
        XCTAssertTrue(relay.lines("link.down").allSatisfy { $0.contains("remote=smith.test") }, relay.log)
    }

    // MARK: Refusals

    /// Runs Fixtures/home_raw_peer.py (MODE SOURCE HOST PORT FROM TO …) and returns what the relay sent.
    private func rawPeer(_ arguments: [String]) throws -> String {
        try InteropTools.run("/usr/bin/python3", [InteropTools.fixturesDirectory + "/home_raw_peer.py"] + arguments)
    }

    func testHomeServerSendingAsADomainItDoesNotHostIsRefused() throws {
        let other = try makeCertificate("other.test")
        try makeHomeAndRelay(extraHosts: [other])
        try zone.start()
        try home.register(user: "carol", host: "other.test", password: "secret")
        try home.start()
        relay = try startRelay(relaySetup)
        let carol = try client("carol@other.test", on: home, send: [("bob@pub.test", "as other.test")], expect: 1)
        XCTAssertTrue(carol.waitForEvent("message"), carol.output + relay.log)
        XCTAssertEqual(carol.messages.first?["type"], "error", carol.output)
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["remote=other.test"]), relay.log)
        XCTAssertTrue(refused.contains("dir=in"), refused)
        XCTAssertTrue(
            refused.contains("reason=\"invalid-from: 'other.test' is not a domain of this home server\""), refused)
        XCTAssertTrue(relay.lines("link.up").isEmpty, relay.log)
        XCTAssertTrue(relay.lines("stanza.routed").isEmpty, relay.log)
    }

    func testPublicPeerClaimingTheHomeDomainIsRefused() throws {
        try makeHomeAndRelay()
        try zone.start()
        relay = try startRelay(relaySetup)
        XCTAssertNotNil(relay.waitFor("relay.start"), relay.log)
        let said = try rawPeer(
            ["plain", "127.0.0.5", relaySetup.address, String(relaySetup.s2sPort), "smith.test", "smith.test"])
        XCTAssertTrue(said.contains("<invalid-from"), said)
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["addr=127.0.0.5:"]), relay.log)
        XCTAssertTrue(
            refused.contains("'smith.test' is served by this relay and cannot connect from outside"), refused)
    }

    func testHomeListenerRefusesAnUnconfiguredAddress() throws {
        try makeHomeAndRelay()
        try zone.start()
        relay = try startRelay(relaySetup)
        XCTAssertNotNil(relay.waitFor("relay.start"), relay.log)
        let said = try rawPeer(
            ["plain", "127.0.0.9", relaySetup.address, String(relaySetup.homePort!), "smith.test", "pub.test"])
        XCTAssertFalse(said.contains("<stream:features"), said)
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["addr=127.0.0.9:"]), relay.log)
        XCTAssertTrue(refused.contains("link=- dir=in remote=-"), refused)
        XCTAssertTrue(refused.contains("127.0.0.9 is not a configured home server"), refused)
        XCTAssertTrue(relay.lines("link.up").isEmpty, relay.log)
    }

    /// A home server on another machine is accepted by its pin only: a certificate with another key
    /// is refused, whatever its name says.
    func testHomeListenerRefusesAWrongPin() throws {
        let pinned = try makeCertificate("far.test")
        let impostor = try TestCertificate.make(domain: "far.test", in: try InteropTools.makeDirectory("xr-impostor"))
        try makeHomeAndRelay()
        relaySetup.homeBlocks.append(
            """
            [[home]]
            domain = "far.test"
            server = "127.0.0.9:5299"
            pin = "\(pinned.tlsa311)"
            """)
        try zone.start()
        relay = try startRelay(relaySetup)
        XCTAssertNotNil(relay.waitFor("relay.start"), relay.log)
        let said = try rawPeer([
            "tls", "127.0.0.9", relaySetup.address, String(relaySetup.homePort!), "far.test", "pub.test",
            impostor.certificatePath, impostor.keyPath,
        ])
        XCTAssertTrue(said.contains("<policy-violation"), said)
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["remote=far.test"]), relay.log)
        XCTAssertTrue(refused.contains("addr=127.0.0.9:"), refused)
        XCTAssertTrue(refused.contains("far.test is not authenticated (pin:"), refused)
        XCTAssertTrue(refused.contains("a failed pin check rules out dialback"), refused)
        XCTAssertTrue(relay.lines("link.up").isEmpty, relay.log)
    }

    /// The relay's own link to the home server is TLS checked by the pin alone: a home server whose
    /// key is not the pinned one gets nothing; the remote sender's stanza waits in the relay's queue.
    func testRelayRefusesAHomeServerWhoseKeyIsNotThePinnedOne() throws {
        let pinned = try TestCertificate.make(domain: "smith.test", in: try InteropTools.makeDirectory("xr-pinned"))
        try makeHomeAndRelay(pinnedHome: pinned)
        // Prosody serves smith.test with another key than the pinned one.
        let other = try TestCertificate.make(domain: "smith.test", in: try InteropTools.makeDirectory("xr-other"))
        try InteropTools.run("/bin/cp", [other.certificatePath, pinned.certificatePath])
        try InteropTools.run("/bin/cp", [other.keyPath, pinned.keyPath])
        try makePublicServer()
        try zone.start()
        try publicServer.register(user: "bob", host: "pub.test", password: "secret")
        try home.start()
        try publicServer.start()
        relay = try startRelay(relaySetup)
        let bob = try client(
            "bob@pub.test", on: publicServer, send: [("alice@smith.test", "must not arrive")], stay: true, timeout: 40)
        XCTAssertNotNil(
            relay.waitFor("queue.deferred", ["hop=home:pub.test->smith.test", "retry_in_ms="], timeout: 30),
            bob.output + relay.log + home.logTail())
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["dir=out", "remote=smith.test"]), relay.log)
        XCTAssertTrue(refused.contains("smith.test is not authenticated (pin:"), refused)
        XCTAssertTrue(refused.contains("a failed pin check rules out dialback"), refused)
        XCTAssertTrue(relay.lines("stanza.bounced").isEmpty, relay.log)
        XCTAssertFalse(bob.output.contains("\"type\": \"error\""), bob.output)
        XCTAssertTrue(relay.lines("link.up").allSatisfy { !$0.contains("remote=smith.test") }, relay.log)
    }

    /// The home server asks about a pair the relay never opened (it authenticated no pub.test):
    /// the relay answers `invalid` and says so.
    func testDialbackVerificationForAPairTheRelayNeverOpenedIsInvalid() throws {
        try makeHomeAndRelay()
        try zone.start()
        relay = try startRelay(relaySetup)
        XCTAssertNotNil(relay.waitFor("relay.start"), relay.log)
        let said = try rawPeer([
            "plain", Self.homeAddress, relaySetup.address, String(relaySetup.homePort!), "smith.test", "pub.test",
            "<db:verify from='smith.test' to='pub.test' id='forged-1'>00ff00ff</db:verify><db:result from='smith.test' to='pub.test'>k</db:result>",
        ])
        XCTAssertTrue(said.contains("type='invalid'"), said)
        XCTAssertTrue(said.contains("<db:verify") || said.contains("<verify"), said)
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["remote=pub.test", "local=smith.test"]), relay.log)
        XCTAssertTrue(
            refused.contains(
                "dialback verification answered invalid: this relay opened no home link as pub.test to smith.test"),
            refused)
    }
}
