import S2S
import XCTest
import XMPPStream

/// XEP-0198 on s2s: acknowledgements transfer custody; what is not acknowledged goes back to the relay.
final class StreamManagementTests: XCTestCase {
    typealias Harness = OutboundStreamTests.Harness

    /// An outbound link established by dialback with `features` offered after TLS.
    static func established(
        features: String, settings: LinkSettings = LinkSettings(ackRequestEvery: 2), chunking: Chunking = .allAtOnce
    ) -> Harness {
        let harness = Harness(OutboundStreamTests.configuration(settings: settings), chunking)
        _ = harness.throughTLS(OutboundStreamTests.verified)
        _ = harness.feed(serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2") + features)
        _ = harness.feed("<db:result from='jabber.org' to='smith.example' type='valid'/>")
        if features.contains("urn:xmpp:sm:3") { _ = harness.feed("<enabled xmlns='urn:xmpp:sm:3'/>") }
        XCTAssertEqual(harness.stream.stateName, "established")
        return harness
    }

    static let smFeatures =
        "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>"

    static func message(_ id: String) -> Element {
        var message = Element(
            "message", namespace: XMPPNamespace.server,
            attributes: [
                Attribute("from", "romeo@smith.example"), Attribute("to", "juliet@jabber.org"), Attribute("id", id),
            ])
        message.append(Element("body", namespace: XMPPNamespace.server, children: [.text("hi")]))
        return message
    }

    func testAcksReleaseStanzasAndLinkLossReturnsTheRest() {
        for chunking in Chunking.allCases {
            let harness = Self.established(features: Self.smFeatures, chunking: chunking)
            XCTAssertTrue(harness.stream.streamManagementEnabled)
            XCTAssertEqual(
                render(harness.stream.send(Self.message("m1"))),
                ["send <message from='romeo@smith.example' to='juliet@jabber.org' id='m1'><body>hi</body></message>"])
            XCTAssertEqual(
                render(harness.stream.send(Self.message("m2"))).last, "send <r xmlns='urn:xmpp:sm:3'/>",
                "an ack request every 2 stanzas")
            XCTAssertEqual(render(harness.stream.send(Self.message("m3"))).count, 1)
            XCTAssertEqual(harness.feed("<a xmlns='urn:xmpp:sm:3' h='2'/>"), ["acked m1,m2"])
            XCTAssertEqual(harness.feed("<a xmlns='urn:xmpp:sm:3' h='2'/>"), [], "a repeated h releases nothing")
            XCTAssertEqual(
                render(harness.stream.connectionLost(reason: "read error")),
                ["state established -> closed", "link-down", "returned m3"])
        }
    }

    func testAckForMoreThanWasSentIsAStreamError() {
        let harness = Self.established(features: Self.smFeatures)
        _ = harness.stream.send(Self.message("m1"))
        let actions = harness.feedActions("<a xmlns='urn:xmpp:sm:3' h='5'/>")
        XCTAssertEqual(
            render(actions),
            [
                "stream-error undefined-condition", "send </stream:stream>", "close", "state established -> closed",
                "link-down", "returned m1",
            ])
        XCTAssertTrue(closeReason(actions)!.contains("handled-count-too-high"))
    }

    func testGracefulShutdownDrainsAcks() {
        let harness = Self.established(features: Self.smFeatures)
        _ = harness.stream.send(Self.message("m1"))
        XCTAssertEqual(
            render(harness.stream.shutdown(reason: "reload")),
            [
                "send <r xmlns='urn:xmpp:sm:3'/>", "send </stream:stream>", "timer close-grace",
                "state established -> closing",
            ])
        XCTAssertEqual(render(harness.stream.send(Self.message("late"))), ["returned late"])
        XCTAssertEqual(harness.feed("<a xmlns='urn:xmpp:sm:3' h='1'/>"), ["acked m1"])
        XCTAssertEqual(harness.feed("</stream:stream>"), ["close", "state closing -> closed", "link-down"])
    }

    func testCloseGraceExpiryReturnsUnacked() {
        let harness = Self.established(features: Self.smFeatures)
        _ = harness.stream.send(Self.message("m1"))
        _ = harness.stream.shutdown(reason: "reload")
        XCTAssertEqual(
            render(harness.stream.timerFired(.closeGrace)),
            ["close", "state closing -> closed", "link-down", "returned m1"])
    }

    func testPeerClosingReturnsUnacked() {
        let harness = Self.established(features: Self.smFeatures)
        _ = harness.stream.send(Self.message("m1"))
        XCTAssertEqual(
            harness.feed("</stream:stream>"),
            ["send </stream:stream>", "close", "state established -> closed", "link-down", "returned m1"])
    }

    func testWithoutStreamManagementNothingIsQueued() {
        let harness = Self.established(
            features: "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
        XCTAssertFalse(harness.stream.streamManagementEnabled)
        XCTAssertEqual(render(harness.stream.send(Self.message("m1"))).count, 1)
        XCTAssertEqual(
            render(harness.stream.connectionLost(reason: "x")), ["state established -> closed", "link-down"])
    }

    func testSMFailedStillBringsTheLinkUp() {
        let harness = Harness(OutboundStreamTests.configuration(), .allAtOnce)
        _ = harness.throughTLS(OutboundStreamTests.verified)
        _ = harness.feed(serverHeader(from: "jabber.org", to: "smith.example", id: "t") + Self.smFeatures)
        _ = harness.feed("<db:result from='jabber.org' to='smith.example' type='valid'/>")
        XCTAssertEqual(
            harness.feed("<failed xmlns='urn:xmpp:sm:3'/>").last,
            "link-up smith.example<-jabber.org auth=dialback sm=no bidi=no")
    }

    func testStanzaFromAnUnauthenticatedDomainIsHandedBack() {
        let harness = Self.established(features: Self.smFeatures)
        var message = Self.message("k1")
        message[attribute: "from"] = "tim@kids.example"
        XCTAssertEqual(render(harness.stream.send(message)), ["returned k1"])
    }

    func testMultiplexingAnotherLocalDomainByDialback() {
        let harness = Self.established(features: Self.smFeatures, chunking: .byteAtATime)
        let key = DialbackKey.generate(
            secret: OutboundStreamTests.secret, receiving: "jabber.org", originating: "kids.example", streamID: "tls-2")
        XCTAssertEqual(
            render(harness.stream.authenticate(local: domain("kids.example"))),
            ["send <db:result from='kids.example' to='jabber.org'>\(key)</db:result>"])
        XCTAssertEqual(harness.stream.authenticate(local: domain("kids.example")), [], "already asked")
        XCTAssertEqual(
            harness.feed("<db:result from='jabber.org' to='kids.example' type='valid'/>"),
            ["pair kids.example<-jabber.org dialback"])
        XCTAssertEqual(harness.stream.authenticatedLocals, [domain("smith.example"), domain("kids.example")])
        var message = Self.message("k1")
        message[attribute: "from"] = "tim@kids.example"
        XCTAssertEqual(render(harness.stream.send(message)).count, 1)

        _ = harness.stream.authenticate(local: domain("other.example"))
        XCTAssertEqual(
            harness.feed("<db:result from='jabber.org' to='other.example' type='invalid'/>"),
            ["pair-refused other.example<-jabber.org"])
        XCTAssertEqual(harness.stream.stateName, "established", "a refused pair leaves the link up")
    }
}
