import Foundation
import XCTest

/// Two stock Prosody servers (0.12.3 on Debian 12, 13 on Debian 13) federating over loopback with
/// DNS and DANE from the signed test zone. Inbound DANE comes from Config/prosody's module on 0.12
/// and from Prosody's own module of the same name on 13 (ProsodyServer loads the right one).
final class ProsodyFederationTests: InteropTestCase {
    private var serverA: ProsodyServer!
    private var serverB: ProsodyServer!
    private var certificateA: TestCertificate!

    /// a.interop.test on 127.0.0.2 and b.interop.test on 127.0.0.3, alice and bob, s2s_secure_auth on.
    private func startPair(
        inboundDANE: Bool, tlsaA: PublishedTLSA = .matching, tlsaB: PublishedTLSA = .matching
    ) throws {
        certificateA = try makeCertificate("a.interop.test")
        let certificateB = try makeCertificate("b.interop.test")
        var configurationA = ProsodyConfiguration(address: "127.0.0.2", hosts: [certificateA])
        var configurationB = ProsodyConfiguration(address: "127.0.0.3", hosts: [certificateB])
        if inboundDANE {
            configurationA.modules = ["s2s_auth_dane_in"]
            configurationB.modules = ["s2s_auth_dane_in"]
        }
        serverA = try makeProsody(configurationA)
        serverB = try makeProsody(configurationB)
        publish("a.interop.test", servedBy: serverA, certificate: certificateA, tlsa: tlsaA)
        publish("b.interop.test", servedBy: serverB, certificate: certificateB, tlsa: tlsaB)
        try zone.start()
        try serverA.register(user: "alice", host: "a.interop.test", password: "secret")
        try serverB.register(user: "bob", host: "b.interop.test", password: "secret")
        try serverA.start()
        try serverB.start()
    }

    func testUserOnAMessagesUserOnBWithDANEBothWays() throws {
        try startPair(inboundDANE: true)
        let bob = try client("bob@b.interop.test", on: serverB, expect: 1)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        let alice = try client("alice@a.interop.test", on: serverA, send: [("bob@b.interop.test", "hello over DANE")])
        XCTAssertTrue(bob.waitForEvent("message"), bob.output)
        XCTAssertEqual(bob.messages.first?["body"], "hello over DANE")
        XCTAssertEqual(bob.messages.first?["from"]?.hasPrefix("alice@a.interop.test/"), true)
        XCTAssertEqual(alice.waitForExit(), 0, alice.output)

        // A authenticated B by DANE (outgoing, stock), B authenticated A by DANE via the module
        // (Config/prosody's on 0.12, Prosody's own on 13).
        XCTAssertTrue(serverA.waitForLog(containing: "Enabling DANE with 1 TLSA records"), serverA.logTail())
        let inboundMatch =
            prosodyVersion.hasInboundDANE
            ? "DANE-EE SPKI SHA2-256 \(certificateA.spkiSHA256) matches" : "DANE-EE match for a.interop.test"
        XCTAssertTrue(serverB.waitForLog(containing: inboundMatch), serverB.logTail())
        XCTAssertTrue(serverB.waitForLog(containing: "Accepting SASL EXTERNAL identity from a.interop.test"))
        XCTAssertTrue(serverA.logLines(containing: "verified dialback key").isEmpty)
    }

    func testStockProsodyRefusesSelfSignedPeerWithoutTheInboundModule() throws {
        guard !prosodyVersion.hasInboundDANE else {
            throw XCTSkip(
                "Prosody \(prosodyVersion) checks incoming peers by DANE itself (use_dane = true loads its own "
                    + "mod_s2s_auth_dane_in): there is no stock setup without it; the DANE tests cover it")
        }
        try startPair(inboundDANE: false)
        let bob = try client("bob@b.interop.test", on: serverB, stay: true, timeout: 10)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        let alice = try client(
            "alice@a.interop.test", on: serverA, send: [("bob@b.interop.test", "refused")], expect: 1)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertTrue(
            serverB.waitForLog(
                containing:
                    "Forbidding insecure connection to/from a.interop.test because its certificate is not trusted"),
            serverB.logTail())
        XCTAssertTrue(serverA.waitForLog(containing: "not-authorized (Your server's certificate is not trusted)"))
        XCTAssertTrue(bob.messages.isEmpty, bob.output)
    }

    /// An operator who upgraded to Debian 13 with Config/prosody's module still on plugin_paths is told
    /// that it shadows Prosody 13's own module of that name.
    func testShippedInboundModuleSaysOnProsody13ThatItShadowsProsodysOwn() throws {
        guard prosodyVersion.hasInboundDANE else {
            throw XCTSkip("Prosody \(prosodyVersion) has no mod_s2s_auth_dane_in of its own")
        }
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configuration.modules = ["s2s_auth_dane_in"]
        serverA = try makeProsody(configuration)
        // The harness leaves the shipped copy out on 13; put it where an upgraded server has it.
        try FileManager.default.copyItem(
            atPath: ProsodyServer.shippedModulesDirectory + "/mod_s2s_auth_dane_in.lua",
            toPath: serverA.pluginDirectory + "/mod_s2s_auth_dane_in.lua")
        try zone.start()
        try serverA.start()
        XCTAssertTrue(
            serverA.waitForLog(
                containing: "Prosody \(prosodyVersion) does incoming DANE itself: this copy of mod_s2s_auth_dane_in "
                    + "shadows Prosody's own; remove it from plugin_paths"), serverA.logTail())
    }

    func testBogusTLSAMakesProsodyRefuseThePeer() throws {
        try startPair(inboundDANE: true, tlsaB: .bogus)
        let bob = try client("bob@b.interop.test", on: serverB, stay: true, timeout: 10)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        let alice = try client(
            "alice@a.interop.test", on: serverA, send: [("bob@b.interop.test", "must not arrive")], expect: 1)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertTrue(
            serverA.waitForLog(
                containing: "TLSA: 0 items (validation failure <_\(serverB.s2sPort)._tcp.xmpp.b.interop.test. TLSA IN>"),
            serverA.logTail())
        XCTAssertTrue(
            serverA.waitForLog(
                containing:
                    "Forbidding insecure connection to/from b.interop.test because its certificate "
                    + prosodyVersion.selfSignedRefusal), serverA.logTail())
        XCTAssertTrue(serverA.logLines(containing: "Enabling DANE").isEmpty)
        XCTAssertTrue(bob.messages.isEmpty, bob.output)
    }

    func testSecureButMismatchedTLSAMakesProsodyRefuseThePeer() throws {
        try startPair(inboundDANE: true, tlsaB: .mismatched)
        let alice = try client(
            "alice@a.interop.test", on: serverA, send: [("bob@b.interop.test", "must not arrive")], expect: 1)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertTrue(serverA.waitForLog(containing: "Enabling DANE with 1 TLSA records"), serverA.logTail())
        XCTAssertTrue(
            serverA.waitForLog(containing: "certificate error(s) at depth 0: no matching DANE TLSA records"),
            serverA.logTail())
        XCTAssertTrue(
            serverA.waitForLog(
                containing:
                    "Forbidding insecure connection to/from b.interop.test because its certificate "
                    + prosodyVersion.daneMismatchRefusal))
    }

    func testPeerInAnInsecureChildZoneGetsNoDANE() throws {
        let certificateA = try makeCertificate("a.interop.test")
        let certificateC = try makeCertificate("c.insecure.interop.test")
        serverA = try makeProsody(ProsodyConfiguration(address: "127.0.0.2", hosts: [certificateA]))
        serverB = try makeProsody(ProsodyConfiguration(address: "127.0.0.3", hosts: [certificateC]))
        let port = serverB.s2sPort
        zone.addInsecureChild(
            "insecure",
            records: [
                "_xmpp-server._tcp.c SRV 0 0 \(port) xmpp.c.insecure.interop.test.", "xmpp.c A 127.0.0.3",
                "_\(port)._tcp.xmpp.c TLSA \(certificateC.tlsa311)",
            ])
        try zone.start()
        try serverA.register(user: "alice", host: "a.interop.test", password: "secret")
        try serverA.start()
        try serverB.start()
        let alice = try client(
            "alice@a.interop.test", on: serverA, send: [("carol@c.insecure.interop.test", "unsigned")], expect: 1)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertTrue(
            serverA.waitForLog(containing: "_xmpp-server._tcp.c.insecure.interop.test IN SRV: 1 items (Insecure"),
            serverA.logTail())
        XCTAssertTrue(serverA.logLines(containing: "Enabling DANE").isEmpty, serverA.logTail())
        XCTAssertTrue(
            serverA.waitForLog(
                containing: "Forbidding insecure connection to/from c.insecure.interop.test because its certificate"))
    }

    func testInboundModuleRefusesPeerWhoseTLSADoesNotMatch() throws {
        try startPair(inboundDANE: true, tlsaA: .mismatched)
        let bob = try client("bob@b.interop.test", on: serverB, stay: true, timeout: 10)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        let alice = try client(
            "alice@a.interop.test", on: serverA, send: [("bob@b.interop.test", "must not arrive")], expect: 1)
        XCTAssertTrue(serverA.waitForLog(containing: "Enabling DANE with 1 TLSA records"), serverA.logTail())
        if prosodyVersion.hasInboundDANE {
            // Prosody 13 offers A dialback instead of SASL EXTERNAL, then refuses A's certificate on
            // its verification stream and leaves A's request unanswered: A bounces at its s2s timeout.
            XCTAssertTrue(
                serverB.waitForLog(
                    containing: "Forbidding insecure connection to/from a.interop.test because its certificate "
                        + prosodyVersion.daneMismatchRefusal), serverB.logTail())
        } else {
            XCTAssertTrue(alice.waitForEvent("message"), alice.output)
            XCTAssertEqual(alice.messages.first?["type"], "error")
            XCTAssertTrue(
                serverB.waitForLog(containing: "No secure DANE-EE record for a.interop.test matches its certificate"),
                serverB.logTail())
            XCTAssertTrue(
                serverB.waitForLog(
                    containing: "Forbidding insecure connection to/from a.interop.test because its certificate "
                        + prosodyVersion.daneMismatchRefusal))
        }
        XCTAssertTrue(serverB.logLines(containing: "Accepting SASL EXTERNAL").isEmpty)
        XCTAssertFalse(bob.waitForEvent("message", timeout: 1), bob.output)
    }
}
