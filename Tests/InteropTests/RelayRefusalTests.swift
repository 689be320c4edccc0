import Foundation
import RelayTestSupport
import XCTest

/// How `xmpp-relay` refuses peers it cannot authenticate, or stanzas it must not relay, with the
/// reason in its `link.refused` line and an error stanza back to the sender.
final class RelayRefusalTests: RelayInteropTestCase {
    private var a: RelaySetup!
    private var b: RelaySetup!
    private var relayA: RelayProcess!

    /// Relay A (a.interop.test, 127.0.0.2) published with a matching TLSA; B (b.interop.test,
    /// 127.0.0.3) published with `tlsaB`. Starts the zone and relay A only.
    private func prepare(tlsaB: PublishedTLSA) throws {
        a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        b = try makeRelaySetup("b.interop.test", address: "127.0.0.3")
        publish(a)
        publish(b, tlsa: tlsaB)
    }

    /// The component on A sends one message to bob@b.interop.test; the failed attempt leaves it
    /// in A's queue for a retry (no bounce): returns the `queue.deferred` line.
    private func sendFromAAndWaitForDeferral() throws -> String {
        let componentA = try component(
            on: a, fromJID: "alice@a.interop.test", send: [("bob@b.interop.test", "must not arrive")], stay: true)
        let deferred = try XCTUnwrap(
            relayA.waitFor(
                "queue.deferred", ["hop=remote:a.interop.test->b.interop.test", "retry_in_ms="], timeout: 25),
            relayA.log)
        XCTAssertTrue(componentA.messages.isEmpty, "a failed attempt is no bounce: " + componentA.output)
        return deferred
    }

    /// RFC 7673: usable TLSA records that do not match end the attempt; dialback is no fallback,
    /// not even where the policy allows dialback for that peer.
    func testSecureButMismatchedTLSAIsRefusedWithoutDialbackFallback() throws {
        try prepare(tlsaB: .mismatched)
        a.extra = "[policy]\nallow_dialback = [\"b.interop.test\"]\n"
        try zone.start()
        relayA = try startRelay(a)
        let relayB = try startRelay(b)
        let componentB = try component(on: b, stay: true, timeout: 15)
        XCTAssertTrue(componentB.waitForEvent("online"), componentB.output)

        _ = try sendFromAAndWaitForDeferral()
        let refused = try XCTUnwrap(relayA.waitFor("link.refused", ["dir=out", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(
            refused.contains(
                "reason=\"policy-violation: b.interop.test is not authenticated (dane-ee: certificate does not match"
                    + " TLSA 3 1 1 at _\(b.s2sPort)._tcp.xmpp.b.interop.test) and a failed dane-ee check rules out"
                    + " dialback\""), refused)
        XCTAssertNotNil(relayA.waitFor("route.failed", ["remote=b.interop.test", "error=remote-server-timeout"]))
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
        XCTAssertFalse(relayA.log.contains("db:result") || relayA.log.contains("stream_auth=dialback"), relayA.log)
        XCTAssertTrue(relayB.lines("link.up").isEmpty, relayB.log)
        XCTAssertTrue(componentB.messages.isEmpty, componentB.output)
    }

    /// A forged (bogus) TLSA answer: the relay does not even connect, and the stanza waits in the
    /// queue for a later attempt.
    func testBogusTLSAIsRefusedBeforeConnectingAndRetriedLater() throws {
        try prepare(tlsaB: .bogus)
        try zone.start()
        relayA = try startRelay(a)
        let relayB = try startRelay(b)
        _ = try sendFromAAndWaitForDeferral()
        let failed = try XCTUnwrap(relayA.waitFor("route.failed", ["remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(failed.contains("error=remote-server-timeout"), failed)
        XCTAssertTrue(
            failed.contains(
                "reason=\"b.interop.test: bogus DNSSEC for TLSA _\(b.s2sPort)._tcp.xmpp.b.interop.test: validation failure"
            ), failed)
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
        XCTAssertTrue(relayB.lines("link.up").isEmpty && relayB.lines("link.state").isEmpty, relayB.log)
    }

    func testPlaintextOnlyPeerIsRefusedWithPolicyViolation() throws {
        try prepare(tlsaB: .matching)
        try zone.start()
        relayA = try startRelay(a)
        let plaintext = try RawS2SPeer.plaintextListener(address: b.address, port: b.s2sPort, domain: b.domain)
        _ = try sendFromAAndWaitForDeferral()
        let refused = try XCTUnwrap(relayA.waitFor("link.refused", ["dir=out", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(
            refused.contains(
                "reason=\"policy-violation: b.interop.test does not offer STARTTLS; this relay never sends s2s traffic"
                    + " unencrypted\""), refused)
        XCTAssertTrue(plaintext.waitForOutput(containing: "<policy-violation"), plaintext.output)
        XCTAssertFalse(plaintext.output.contains("<message"), plaintext.output)
        XCTAssertFalse(plaintext.output.contains("db:result"), plaintext.output)
    }

    /// B (a Prosody, since the relay itself refuses to start with an expired certificate) has no
    /// TLSA and a CA-signed certificate that expired in 2021; relay A trusts that CA (PKIX).
    func testExpiredCertificateFailsPKIX() throws {
        try prepareProsodyB(validity: ("20200101000000Z", "20210101000000Z"))
        _ = try sendFromAAndWaitForDeferral()
        let refused = try XCTUnwrap(relayA.waitFor("link.refused", ["dir=out", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(
            refused.contains(
                "reason=\"policy-violation: b.interop.test is not authenticated (none: certificate expired"
                    + " 2021-01-01T00:00:00Z)"), refused)
        XCTAssertNotNil(relayA.waitFor("route.failed", ["remote=b.interop.test", "error=remote-server-timeout"]))
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
    }

    /// The control for the expired case: the same CA, a certificate valid now, and the link comes up by PKIX.
    func testValidCertificateFromTheSameCAPassesPKIX() throws {
        try prepareProsodyB(validity: ("20200101000000Z", "20991231000000Z"))
        let componentA = try component(
            on: a, fromJID: "alice@a.interop.test", send: [("bob@b.interop.test", "by PKIX")], stay: true)
        XCTAssertTrue(componentA.waitForEvent("sent"), componentA.output)
        let up = try XCTUnwrap(relayA.waitFor("link.up", ["dir=out", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(up.contains("auth=pkix"), up)
    }

    private func prepareProsodyB(validity: (start: String, end: String)) throws {
        a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        let authority = try CertificateAuthority(in: relayDirectory)
        let certificate = try authority.issue("b.interop.test", start: validity.start, end: validity.end)
        try InteropTools.run("/bin/chown", ["root:prosody", certificate.keyPath])
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: certificate.keyPath)
        var configuration = ProsodyConfiguration(address: "127.0.0.3", hosts: [certificate])
        configuration.modules = ["s2s_auth_dane_in"]
        let prosody = try makeProsody(configuration)
        a.caFile = authority.certificatePath
        publish(a)
        publish("b.interop.test", servedBy: prosody, certificate: certificate, tlsa: .none)
        try zone.start()
        try prosody.start()
        relayA = try startRelay(a)
    }

    /// B, authenticated on its inbound link to A, sends a stanza for a third domain: A closes the
    /// stream (host-unknown) and never routes the stanza anywhere.
    func testRemoteToRemoteStanzaIsRefusedAndNeverRelayed() throws {
        try prepare(tlsaB: .matching)
        zone.addSRV(service: "xmpp-server", domain: "c.interop.test.", target: "xmpp.c.interop.test.", port: 5269)
        zone.addA("xmpp.c.interop.test.", "127.0.0.4")
        try zone.start()
        relayA = try startRelay(a)
        let peer = try RawS2SPeer.saslClient(
            address: a.address, port: a.s2sPort, from: b.domain, to: a.domain, certificate: b.certificate,
            stanza: "<message from='bob@b.interop.test' to='carol@c.interop.test' id='r2r'><body>x</body></message>")
        XCTAssertTrue(peer.waitForOutput(containing: "--- closed"), peer.output)
        XCTAssertTrue(peer.output.contains("--- authenticated"), peer.output)
        XCTAssertTrue(peer.output.contains("<host-unknown"), peer.output)
        XCTAssertTrue(peer.output.contains("is not served here"), peer.output)
        let up = try XCTUnwrap(relayA.waitFor("link.up", ["dir=in", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(up.contains("auth=dane-ee"), up)
        let down = try XCTUnwrap(relayA.waitFor("link.down", ["dir=in", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(down.contains("reason=\"host-unknown: 'c.interop.test' is not served here\""), down)
        XCTAssertFalse(relayA.log.contains("remote=c.interop.test"), relayA.log)
    }
}
