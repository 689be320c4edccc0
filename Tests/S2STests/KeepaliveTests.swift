import S2S
import XCTest
import XMPPStream

/// XEP-0199 pings and XEP-0198 requests on idle links, dead-peer detection and idle close.
final class KeepaliveTests: XCTestCase {
    static let bidiFeatures =
        "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/><bidi xmlns='urn:xmpp:features:bidi'/></stream:features>"

    static let ping =
        "send <iq type='get' id='ping-1' from='smith.example' to='jabber.org'><ping xmlns='urn:xmpp:ping'/></iq>"

    func testPingOnIdleAndDeadPeer() {
        let harness = StreamManagementTests.established(features: Self.bidiFeatures)
        XCTAssertTrue(harness.stream.isBidirectional)
        XCTAssertEqual(
            render(harness.stream.timerFired(.keepalive)), ["timer keepalive", Self.ping, "timer dead-peer"])
        XCTAssertEqual(render(harness.stream.timerFired(.keepalive)), ["timer keepalive"], "one ping at a time")
        let actions = harness.stream.timerFired(.deadPeer)
        XCTAssertEqual(
            render(actions),
            [
                "stream-error connection-timeout", "send </stream:stream>", "close", "state established -> closed",
                "link-down",
            ])
        XCTAssertEqual(closeReason(actions), "connection-timeout: jabber.org did not answer within 30.0 seconds")
    }

    func testPingReplyIsConsumedAndCancelsTheDeadPeerTimer() {
        let harness = StreamManagementTests.established(features: Self.bidiFeatures, chunking: .byteAtATime)
        _ = harness.stream.timerFired(.keepalive)
        XCTAssertEqual(
            harness.feed("<iq type='result' id='ping-1' from='jabber.org' to='smith.example'/>"), ["cancel dead-peer"])
        XCTAssertEqual(
            render(harness.stream.timerFired(.keepalive)), ["timer keepalive"], "the reply was traffic this tick")
    }

    func testStreamManagementRequestDetectsDeadPeersWithoutBidi() {
        let harness = StreamManagementTests.established(features: StreamManagementTests.smFeatures)
        XCTAssertEqual(
            render(harness.stream.timerFired(.keepalive)),
            ["timer keepalive", "send <r xmlns='urn:xmpp:sm:3'/>", "timer dead-peer"])
        XCTAssertEqual(harness.feed("<a xmlns='urn:xmpp:sm:3' h='0'/>"), ["cancel dead-peer"])
    }

    func testWithoutBidiOrSMThePingHasNoDeadline() {
        // The reply would come back over the peer's own link, not this stream.
        let harness = StreamManagementTests.established(
            features: "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
        XCTAssertEqual(render(harness.stream.timerFired(.keepalive)), ["timer keepalive", Self.ping])
    }

    func testIdleLinkIsClosedGracefully() {
        let settings = LinkSettings(keepaliveInterval: .seconds(60), idleClose: .seconds(120))
        let harness = StreamManagementTests.established(features: Self.bidiFeatures, settings: settings)
        _ = harness.stream.timerFired(.keepalive)
        _ = harness.feed("<iq type='result' id='ping-1' from='jabber.org' to='smith.example'/>")
        XCTAssertEqual(
            render(harness.stream.timerFired(.keepalive)),
            ["send </stream:stream>", "timer close-grace", "state established -> closing"])
    }

    func testStanzasKeepTheLinkFromIdling() {
        let settings = LinkSettings(keepaliveInterval: .seconds(60), idleClose: .seconds(120))
        let harness = StreamManagementTests.established(features: Self.bidiFeatures, settings: settings)
        for round in 0..<3 {
            _ = harness.stream.send(StreamManagementTests.message("m\(round)"))
            XCTAssertEqual(render(harness.stream.timerFired(.keepalive)).first, "timer keepalive")
        }
    }

    func testInboundBidiLinkPingsAndSendsStanzas() {
        let harness = InboundStreamTests.Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        XCTAssertEqual(
            render(harness.stream.send(StreamManagementTests.message("x"))), ["returned x"], "not bidirectional yet")
        _ = harness.feed("<bidi xmlns='urn:xmpp:bidi'/>")
        XCTAssertEqual(render(harness.stream.send(StreamManagementTests.message("y"))).count, 1)
        XCTAssertEqual(render(harness.stream.timerFired(.keepalive)), ["timer keepalive"], "a stanza went out")
        XCTAssertEqual(
            render(harness.stream.timerFired(.keepalive)), ["timer keepalive", Self.ping, "timer dead-peer"])
    }
}
