import Foundation
import RelayTestSupport
import XCTest

/// A DNS failure is never insecure and never "not found": the relay makes no link, says which
/// lookup failed in `route.failed`, and bounces with remote-server-timeout (type wait) within its
/// `[dns] timeout`.
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
            on: a, fromJID: "alice@a.interop.test", send: [("bob@b.interop.test", "must not leave")], expect: 1)
        XCTAssertTrue(componentA.waitForEvent("message", timeout: 25), componentA.output + relayA.log)
        let bounce = try XCTUnwrap(componentA.messages.first, componentA.output)
        XCTAssertEqual(bounce["type"], "error")
        XCTAssertEqual(bounce["from"], "bob@b.interop.test")
        XCTAssertEqual(bounce["error_type"], "wait", componentA.output)
        XCTAssertEqual(bounce["condition"], "remote-server-timeout", componentA.output)

        let failed = try XCTUnwrap(relayA.waitFor("route.failed", ["remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(failed.contains("error=remote-server-timeout"), failed)
        XCTAssertTrue(
            failed.contains(
                "reason=\"b.interop.test: no DNS answer within 3 s ([dns] timeout) for TLSA"
                    + " _\(b.s2sPort)._tcp.xmpp.b.interop.test\""), failed)
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
        XCTAssertTrue(relayA.lines("link.connect_failed").isEmpty, relayA.log)
        XCTAssertTrue(relayB.lines("link.up").isEmpty && relayB.lines("link.state").isEmpty, relayB.log)
    }

    /// Every forwarder dead (the test relays forward everything outside the zone to 127.0.0.1@9):
    /// libunbound alone takes about 100 s to give up; `[dns] timeout` bounds it, and the bounce is
    /// remote-server-timeout, not remote-server-not-found.
    func testDeadForwarderBouncesWaitWithinTheDNSTimeout() throws {
        var a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        a.dnsExtra = "timeout = \"2s\""
        publish(a)
        try zone.start()
        let relayA = try startRelay(a)
        let componentA = try component(on: a, fromJID: "alice@a.interop.test", stay: true)
        XCTAssertTrue(componentA.waitForEvent("online"), componentA.output)

        let sent = Date()
        componentA.send(to: "bob@elsewhere.example", body: "no DNS")
        XCTAssertTrue(componentA.waitForEvent("message", timeout: 20), componentA.output + relayA.log)
        let elapsed = Date().timeIntervalSince(sent)
        let bounce = try XCTUnwrap(componentA.messages.first, componentA.output)
        XCTAssertEqual(bounce["from"], "bob@elsewhere.example")
        XCTAssertEqual(bounce["error_type"], "wait", componentA.output)
        XCTAssertEqual(bounce["condition"], "remote-server-timeout", componentA.output)
        XCTAssertGreaterThanOrEqual(elapsed, 1.9, "the bounce comes from the deadline, not an early failure")
        XCTAssertLessThan(elapsed, 2 + 1.5, "within [dns] timeout (2 s) and a little slack")
        print("dead forwarder: bounce after \(String(format: "%.2f", elapsed)) s with [dns] timeout = 2s")

        let failed = try XCTUnwrap(relayA.waitFor("route.failed", ["remote=elsewhere.example"]), relayA.log)
        XCTAssertTrue(failed.contains("error=remote-server-timeout"), failed)
        XCTAssertTrue(
            failed.contains(
                "reason=\"elsewhere.example: no DNS answer within 2 s ([dns] timeout) for SRV"
                    + " _xmpps-server._tcp.elsewhere.example, SRV _xmpp-server._tcp.elsewhere.example\""), failed)
        XCTAssertTrue(relayA.lines("link.up").isEmpty, relayA.log)
    }
}
