import Foundation
import RelayTestSupport
import XCTest

/// Two `xmpp-relay` processes federating by DANE alone (no pins): SRV, A and TLSA 3 1 1 of each
/// relay in the signed test zone, both relays resolving it through `[dns] stub_zones` with the
/// zone's DS as trust anchor.
final class RelayDANETests: RelayInteropTestCase {
    func testTwoRelaysFederateByDANEFromTheSignedZone() throws {
        let a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        let b = try makeRelaySetup("b.interop.test", address: "127.0.0.3")
        publish(a)
        publish(b)
        try zone.start()
        let relayA = try startRelay(a)
        let relayB = try startRelay(b)

        let componentB = try component(on: b, fromJID: "bob@b.interop.test", expect: 1, stay: true)
        XCTAssertTrue(componentB.waitForEvent("online"), componentB.output)
        let componentA = try component(
            on: a, fromJID: "alice@a.interop.test", send: [("bob@b.interop.test", "hello by DANE")], expect: 1,
            stay: true)
        XCTAssertTrue(componentB.waitForEvent("message"), componentB.output + relayA.log)
        XCTAssertEqual(componentB.messages.first?["body"], "hello by DANE")
        XCTAssertEqual(componentB.messages.first?["from"], "alice@a.interop.test")
        componentB.send(to: "alice@a.interop.test", body: "and back")
        XCTAssertTrue(componentA.waitForEvent("message"), componentA.output + relayB.log)
        XCTAssertEqual(componentA.messages.first?["body"], "and back")
        XCTAssertEqual(componentA.messages.first?["from"], "bob@b.interop.test")

        let out = try XCTUnwrap(relayA.waitFor("link.up", ["dir=out", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(out.contains("auth=dane-ee"), out)
        XCTAssertTrue(out.contains("addr=127.0.0.3:\(b.s2sPort)"), out)
        let inbound = try XCTUnwrap(relayB.waitFor("link.up", ["dir=in", "remote=a.interop.test"]), relayB.log)
        XCTAssertTrue(inbound.contains("auth=dane-ee"), inbound)
        XCTAssertTrue(relayA.lines("link.refused").isEmpty, relayA.log)
    }

    /// XEP-0368: a domain published only under `_xmpps-server` is reached by direct TLS on its port,
    /// authenticated by the TLSA at that port.
    func testDirectTLSTargetFromXMPPSSRV() throws {
        let a = try makeRelaySetup("a.interop.test", address: "127.0.0.2")
        var b = try makeRelaySetup("b.interop.test", address: "127.0.0.3")
        b.directTLSPort = try InteropTools.freePort(on: b.address)
        publish(a)
        publishDirectTLSOnly(b)
        try zone.start()
        let relayA = try startRelay(a)
        let relayB = try startRelay(b)

        let componentB = try component(on: b, fromJID: "bob@b.interop.test", expect: 1, stay: true)
        XCTAssertTrue(componentB.waitForEvent("online"), componentB.output)
        _ = try component(
            on: a, fromJID: "alice@a.interop.test", send: [("bob@b.interop.test", "hello over direct TLS")],
            stay: true)
        XCTAssertTrue(componentB.waitForEvent("message"), componentB.output + relayA.log)
        XCTAssertEqual(componentB.messages.first?["body"], "hello over direct TLS")
        let out = try XCTUnwrap(relayA.waitFor("link.up", ["dir=out", "remote=b.interop.test"]), relayA.log)
        XCTAssertTrue(out.contains("addr=127.0.0.3:\(b.directTLSPort!)"), out)
        XCTAssertTrue(out.contains("auth=dane-ee"), out)
        XCTAssertNotNil(relayB.waitFor("link.up", ["dir=in", "remote=a.interop.test"]), relayB.log)
    }
}
