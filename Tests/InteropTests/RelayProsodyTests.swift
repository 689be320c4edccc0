import Foundation
import RelayTestSupport
import XCTest

/// `xmpp-relay` and a real Prosody (0.12.3 or 13) federating in both directions over the signed
/// test zone: Prosody (p.interop.test, use_dane) checks the relay by its published TLSA, the relay
/// checks Prosody the same way; with inbound DANE (Config/prosody's mod_s2s_auth_dane_in on 0.12,
/// built in on 13) Prosody accepts the relay's SASL EXTERNAL, without it the relay falls back to
/// dialback. A Prosody 13 without inbound DANE is one with `use_dane = false`.
final class RelayProsodyTests: RelayInteropTestCase {
    private var prosody: ProsodyServer!
    private var relaySetup: RelaySetup!
    private var relay: RelayProcess!

    /// Prosody p.interop.test on 127.0.0.4 with user paul; the relay r.interop.test on 127.0.0.2
    /// with its component r.interop.test; both published with matching TLSA records.
    private func startProsodyAndRelay(
        inboundDANE: Bool, relayExtra: String = "", prosodyTLSA: PublishedTLSA = .matching
    ) throws {
        let certificate = try makeCertificate("p.interop.test")
        var configuration = ProsodyConfiguration(address: "127.0.0.4", hosts: [certificate])
        if inboundDANE {
            configuration.modules = ["s2s_auth_dane_in"]
        } else {
            configuration.secureAuth = false
            // Prosody 13 checks incoming certificates by DANE whenever use_dane is on.
            if prosodyVersion.hasInboundDANE { configuration.useDANE = false }
        }
        prosody = try makeProsody(configuration)
        relaySetup = try makeRelaySetup("r.interop.test", address: "127.0.0.2")
        relaySetup.extra = relayExtra
        publish("p.interop.test", servedBy: prosody, certificate: certificate, tlsa: prosodyTLSA)
        publish(relaySetup)
        try zone.start()
        try prosody.register(user: "paul", host: "p.interop.test", password: "secret")
        try prosody.start()
        relay = try startRelay(relaySetup)
    }

    /// paul → echo@r.interop.test (Prosody → relay), then the component answers (relay → Prosody).
    private func exchangeMessages() throws {
        let bot = try component(on: relaySetup, fromJID: "echo@r.interop.test", expect: 1, stay: true)
        XCTAssertTrue(bot.waitForEvent("online"), bot.output)
        let paul = try client(
            "paul@p.interop.test", on: prosody, send: [("echo@r.interop.test", "hello relay")], expect: 1)
        XCTAssertTrue(bot.waitForEvent("message"), bot.output + relay.log + prosody.logTail())
        XCTAssertEqual(bot.messages.first?["body"], "hello relay")
        XCTAssertEqual(bot.messages.first?["from"]?.hasPrefix("paul@p.interop.test/"), true)
        if let from = bot.messages.first?["from"] { bot.send(to: from, body: "hello paul") }
        XCTAssertTrue(paul.waitForEvent("message"), paul.output + relay.log + prosody.logTail())
        XCTAssertEqual(paul.messages.first?["body"], "hello paul")
        XCTAssertEqual(paul.messages.first?["from"], "echo@r.interop.test")
        XCTAssertNotEqual(paul.messages.first?["type"], "error")
    }

    func testProsodyAndRelayAuthenticateEachOtherByDANE() throws {
        try startProsodyAndRelay(inboundDANE: true)
        try exchangeMessages()

        // Prosody → relay: Prosody checked the relay's TLSA; the relay checked Prosody's.
        XCTAssertTrue(prosody.waitForLog(containing: "Enabling DANE with 1 TLSA records"), prosody.logTail())
        let inbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "remote=p.interop.test"]), relay.log)
        XCTAssertTrue(inbound.contains("auth=dane-ee"), inbound)
        XCTAssertTrue(inbound.contains("stream_auth=sasl-external"), inbound)
        // Relay → Prosody: SASL EXTERNAL accepted by mod_s2s_auth_dane_in, no dialback.
        let outbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "remote=p.interop.test"]), relay.log)
        XCTAssertTrue(outbound.contains("auth=dane-ee"), outbound)
        XCTAssertTrue(outbound.contains("stream_auth=sasl-external"), outbound)
        XCTAssertTrue(
            prosody.waitForLog(containing: "Accepting SASL EXTERNAL identity from r.interop.test"), prosody.logTail())
        XCTAssertTrue(prosody.logLines(containing: "verified dialback key").isEmpty, prosody.logTail())
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
    }

    func testStockProsodyFallsBackToDialbackWhereTheRelayAllowsIt() throws {
        try startProsodyAndRelay(
            inboundDANE: false, relayExtra: "[policy]\nrequire = \"verified\"\nallow_dialback = [\"p.interop.test\"]\n")
        try exchangeMessages()

        if prosodyVersion.hasInboundDANE {
            XCTAssertEqual(prosody.logLines(containing: "Enabling DANE"), [])  // use_dane = false
        } else {
            XCTAssertTrue(prosody.waitForLog(containing: "Enabling DANE with 1 TLSA records"), prosody.logTail())
        }
        let inbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "remote=p.interop.test"]), relay.log)
        XCTAssertTrue(inbound.contains("auth=dane-ee"), inbound)
        // Relay → Prosody: a stock 0.12 (or a 13 without use_dane) cannot check a self-signed
        // certificate inbound, so the relay (which still checked Prosody by DANE) uses dialback.
        let outbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "remote=p.interop.test"]), relay.log)
        XCTAssertTrue(outbound.contains("auth=dane-ee"), outbound)
        XCTAssertTrue(outbound.contains("stream_auth=dialback"), outbound)
        // Prosody asked the relay (the authoritative server) about the key and was told valid.
        XCTAssertTrue(prosody.waitForLog(containing: "asking r.interop.test if key"), prosody.logTail())
        XCTAssertTrue(
            prosody.waitForLog(containing: "connection r.interop.test->p.interop.test is now authenticated"),
            prosody.logTail())
        XCTAssertTrue(
            prosody.logLines(containing: "Received[s2sout]: <verify").contains { $0.contains("type='valid'") },
            prosody.logTail())
        XCTAssertTrue(prosody.logLines(containing: "Accepting SASL EXTERNAL identity").isEmpty, prosody.logTail())
    }

    /// The same stock Prosody with the relay's default `allow_dialback = []`: the relay verified
    /// Prosody by DANE, and dialback on a connection whose certificate checked out counts as
    /// verified (XEP-0344), so the relay still authenticates itself to Prosody by dialback.
    func testDialbackOverADANEVerifiedLinkNeedsNoDialbackPolicy() throws {
        try startProsodyAndRelay(inboundDANE: false)
        try exchangeMessages()
        let outbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "remote=p.interop.test"]), relay.log)
        XCTAssertTrue(outbound.contains("auth=dane-ee") && outbound.contains("stream_auth=dialback"), outbound)
        XCTAssertTrue(
            prosody.waitForLog(containing: "connection r.interop.test->p.interop.test is now authenticated"),
            prosody.logTail())
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
    }

    /// Prosody publishes no TLSA: the relay cannot check its self-signed certificate, so it
    /// verifies Prosody by dialback (asking Prosody, the authoritative server, about the key),
    /// which `[policy] allow_dialback` must allow.
    func testRelayVerifiesProsodyByDialbackWhereThePolicyAllowsIt() throws {
        try startProsodyAndRelay(
            inboundDANE: false, relayExtra: "[policy]\nallow_dialback = [\"p.interop.test\"]\n", prosodyTLSA: .none)
        try exchangeMessages()
        let inbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "remote=p.interop.test"]), relay.log)
        XCTAssertTrue(inbound.contains("auth=dialback"), inbound)
        XCTAssertTrue(prosody.waitForLog(containing: "verified dialback key... it is valid"), prosody.logTail())
    }

    func testRelayRefusesProsodyItCannotVerifyWithoutDialbackPolicy() throws {
        try startProsodyAndRelay(inboundDANE: false, prosodyTLSA: .none)
        let bot = try component(on: relaySetup, stay: true, timeout: 15)
        XCTAssertTrue(bot.waitForEvent("online"), bot.output)
        let paul = try client(
            "paul@p.interop.test", on: prosody, send: [("echo@r.interop.test", "must not arrive")], expect: 1)
        XCTAssertTrue(paul.waitForEvent("message"), paul.output + relay.log)
        XCTAssertEqual(paul.messages.first?["type"], "error")
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["remote=p.interop.test"]), relay.log)
        XCTAssertTrue(refused.contains("dir=in"), refused)
        XCTAssertTrue(
            refused.contains(
                "reason=\"policy-violation: p.interop.test is not authenticated (none: self-signed certificate and no"
                    + " pin or DANE record for p.interop.test: add a pin with xmpp-relay pin) and dialback is not"
                    + " allowed for it\""), refused)
        XCTAssertTrue(relay.lines("link.up").filter { $0.contains("dir=in") }.isEmpty, relay.log)
        XCTAssertTrue(bot.messages.isEmpty, bot.output)
    }
}
