import Foundation
import RelayTestSupport
import XCTest

/// A DNS failure is never insecure and never "not found": the relay makes no link, says which
/// lookup failed in `route.failed` within its `[dns] timeout`, and keeps the stanza queued for a
/// later attempt (`queue.deferred`), never bouncing it as not found.
final class RelayDNSFailureTests: RelayInteropTestCase {
    /// B's SRV and address records are signed in the parent; its TLSA lives in a signed child zone
    /// (DS in the parent) whose only server is dead. Dropping TLSA queries must not turn a DANE
    /// peer into a PKIX one (RFC 7672 §2.2, RFC 7673 §3): the target is unusable, nothing connects.
    func testFailedTLSALookupUnderSignedDelegationMeansNoLinkAndWait() throws {
        var a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        let b = try makeRelaySetup("b.interop.test", address: "127.0.0.3")
        a.dnsExtra = "timeout = \"3s\""
        publish(a)
        let target = "xmpp.\(b.domain)."
        zone.addSRV(service: "xmpp-server", domain: b.domain + ".", target: target, port: b.s2sPort)
        zone.addA(target, b.address)
        zone.addDeadSignedChild("_tcp.\(target)")
        try zone.start()
        let relayA = try startRelay(a)
        let relayB = try startRelay(b)

        let componentA = try component(
            on: a, fromJID: "alice@a.interop.test", send: [("bob@b.interop.test", "must not leave")], stay: true)

        let failed = try XCTUnwrap(
            relayA.waitFor("route.failed", ["remote=b.interop.test"], timeout: 25), relayA.log)
        XCTAssertTrue(failed.contains("error=remote-server-timeout"), failed)
        XCTAssertTrue(
            failed.contains(
                "reason=\"b.interop.test: no DNS answer within 3 s ([dns] timeout) for TLSA"
                    + " _\(b.s2sPort)._tcp.xmpp.b.interop.test\""), failed)
        XCTAssertNotNil(
            relayA.waitFor("queue.deferred", ["hop=remote:a.interop.test->b.interop.test", "retry_in_ms="]), relayA.log)
        XCTAssertTrue(componentA.messages.isEmpty, "a wait is no bounce: " + componentA.output)
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
        XCTAssertTrue(relayA.lines("link.connect_failed").isEmpty, relayA.log)
        XCTAssertTrue(relayB.lines("link.up").isEmpty && relayB.lines("link.state").isEmpty, relayB.log)
    }

    /// Every forwarder dead (the test relays forward everything outside the zone to 127.0.0.1@9):
    /// libunbound alone takes about 100 s to give up; `[dns] timeout` bounds it, and the stanza
    /// waits for a retry (remote-server-timeout in `route.failed`, never remote-server-not-found).
    func testDeadForwarderFailsTheAttemptWithinTheDNSTimeoutAndTheStanzaWaits() throws {
        var a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        a.dnsExtra = "timeout = \"2s\""
        publish(a)
        try zone.start()
        let relayA = try startRelay(a)
        let componentA = try component(on: a, fromJID: "alice@a.interop.test", stay: true)
        XCTAssertTrue(componentA.waitForEvent("online"), componentA.output)

        let sent = Date()
        componentA.send(to: "bob@elsewhere.example", body: "no DNS")
        let failed = try XCTUnwrap(
            relayA.waitFor("route.failed", ["remote=elsewhere.example"], timeout: 20), relayA.log)
        let elapsed = Date().timeIntervalSince(sent)
        XCTAssertGreaterThanOrEqual(elapsed, 1.9, "the failure comes from the deadline, not an early one")
        XCTAssertLessThan(elapsed, 2 + 1.5, "within [dns] timeout (2 s) and a little slack")
        print("dead forwarder: attempt failed after \(String(format: "%.2f", elapsed)) s with [dns] timeout = 2s")
        XCTAssertNotNil(
            relayA.waitFor("queue.deferred", ["hop=remote:a.interop.test->elsewhere.example", "retry_in_ms="]),
            relayA.log)
        XCTAssertTrue(componentA.messages.isEmpty, "a wait is no bounce: " + componentA.output)
        XCTAssertTrue(failed.contains("error=remote-server-timeout"), failed)
        XCTAssertTrue(
            failed.contains(
                "reason=\"elsewhere.example: no DNS answer within 2 s ([dns] timeout) for SRV"
                    + " _xmpps-server._tcp.elsewhere.example, SRV _xmpp-server._tcp.elsewhere.example\""), failed)
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
    }
}
