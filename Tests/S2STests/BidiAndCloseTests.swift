import S2S
import XCTest
import XMPPStream

/// XEP-0288 seen from the receiving side (the relay sends over a link the peer opened) and the
/// relay's own `close(with:)` (a reload that no longer allows a link).
final class BidiAndCloseTests: XCTestCase {
    private func message(from: String, to: String, id: String) -> Element {
        Element(
            "message", namespace: XMPPNamespace.server,
            attributes: [Attribute("from", from), Attribute("to", to), Attribute("id", id)],
            children: [.element(Element("body", namespace: XMPPNamespace.server, children: [.text("hi")]))])
    }

    /// The peer (jabber.org) asked for bidi before authenticating, as the relay's outbound side does:
    /// the link comes up bidirectional, and stanzas from our domain to the peer's go out on it,
    /// serialized with their own from/to; a pair the peer did not authenticate is handed back.
    func testInboundBidiLinkSendsForTheAuthenticatedPairOnly() {
        for chunking in Chunking.allCases {
            let harness = InboundStreamTests.Harness(chunking)
            _ = harness.throughTLS(from: "jabber.org", verdict: InboundStreamTests.verified("jabber.org"))
            XCTAssertEqual(harness.feed("<bidi xmlns='urn:xmpp:bidi'/>"), [])
            _ = harness.feed("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
            let up = harness.feed(serverHeader(from: "jabber.org", to: "smith.example"))
            XCTAssertTrue(up.contains("link-up smith.example<-jabber.org auth=sasl-external sm=no bidi=yes"), "\(up)")
            let pair = DomainPair(local: domain("smith.example"), remote: domain("jabber.org"))
            XCTAssertTrue(harness.stream.carries(pair))
            XCTAssertFalse(
                harness.stream.carries(DomainPair(local: domain("kids.example"), remote: domain("jabber.org"))))

            XCTAssertEqual(
                render(harness.stream.send(message(from: "romeo@smith.example", to: "juliet@jabber.org/b", id: "r1"))),
                [
                    "send <message from='romeo@smith.example' to='juliet@jabber.org/b' id='r1'><body>hi</body></message>"
                ])
            XCTAssertEqual(
                render(harness.stream.send(message(from: "ann@kids.example", to: "juliet@jabber.org", id: "r2"))),
                ["returned r2"], "kids.example was not authenticated towards jabber.org on this link")
            XCTAssertEqual(
                render(harness.stream.send(message(from: "romeo@smith.example", to: "x@other.example", id: "r3"))),
                ["returned r3"], "other.example is not the peer")
            XCTAssertEqual(
                render(harness.stream.send(Element("message", namespace: XMPPNamespace.server))), ["returned ?"])
            // The peer's stanzas still come in on the same link.
            XCTAssertEqual(
                harness.feed("<message from='juliet@jabber.org' to='romeo@smith.example' id='q1'/>"),
                ["deliver message juliet@jabber.org -> romeo@smith.example"])
        }
    }

    func testInboundLinkWithoutBidiHandsStanzasBack() {
        let harness = InboundStreamTests.Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        XCTAssertFalse(
            harness.stream.carries(DomainPair(local: domain("smith.example"), remote: domain("jabber.org"))))
        XCTAssertEqual(
            render(harness.stream.send(message(from: "romeo@smith.example", to: "juliet@jabber.org", id: "r1"))),
            ["returned r1"])
    }

    /// Closing an established inbound link: the ack for what the relay holds goes first, then the
    /// stream error; the log reason is the error's text; nothing is accepted afterwards.
    func testCloseWithErrorAcknowledgesCustodyFirst() {
        let harness = InboundStreamTests.Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        _ = harness.feed("<enable xmlns='urn:xmpp:sm:3'/>")
        _ = harness.feed("<message from='juliet@jabber.org' to='romeo@smith.example' id='q1'/>")
        _ = harness.stream.custodyTaken()
        let actions = harness.stream.close(
            with: StreamError(.policyViolation, "jabber.org is not authenticated; no longer allowed after reload"))
        XCTAssertEqual(
            render(actions),
            [
                "send <a xmlns='urn:xmpp:sm:3' h='1'/>", "stream-error policy-violation", "send </stream:stream>",
                "close", "state established -> closed", "link-down",
            ])
        XCTAssertEqual(
            closeReason(actions), "policy-violation: jabber.org is not authenticated; no longer allowed after reload")
        XCTAssertEqual(harness.feed("<message from='juliet@jabber.org' to='romeo@smith.example' id='q2'/>"), [])
        XCTAssertEqual(render(harness.stream.close(with: StreamError(.policyViolation, "again"))), [])
    }

    /// The outbound side: unacknowledged stanzas are handed back for another way out.
    func testOutboundCloseWithErrorReturnsWhatIsUnacked() {
        let harness = StreamManagementTests.established(features: StreamManagementTests.smFeatures)
        _ = harness.stream.send(StreamManagementTests.message("m1"))
        let actions = harness.stream.close(with: StreamError(.policyViolation, "no longer allowed after reload"))
        XCTAssertEqual(
            render(actions),
            [
                "stream-error policy-violation", "send </stream:stream>", "close", "state established -> closed",
                "link-down", "returned m1",
            ])
    }

    func testComponentCloseWithError() {
        let harness = ComponentStreamTests.Harness(.allAtOnce)
        harness.connected()
        let actions = harness.stream.close(
            with: StreamError(.policyViolation, "iot.smith.example is no longer a configured [[component]]"))
        XCTAssertEqual(
            render(actions),
            [
                "stream-error policy-violation", "send </stream:stream>", "close", "state established -> closed",
                "link-down",
            ])
    }
}
