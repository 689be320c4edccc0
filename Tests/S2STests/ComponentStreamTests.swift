import S2S
import XCTest
import XMPPStream

/// XEP-0114 transcripts: iot.smith.example is configured with secret "s3cret".
final class ComponentStreamTests: XCTestCase {
    static let componentOpen =
        "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'"

    final class Harness {
        var stream: ComponentStream
        var transcript: Transcript!

        init(_ chunking: Chunking) {
            let counter = InboundStreamTests.Counter()
            stream = ComponentStream(
                configuration: ComponentConfiguration(
                    secret: { $0 == domain("iot.smith.example") ? "s3cret" : nil },
                    makeStreamID: { "c" + counter.next().dropFirst(2) }))
            transcript = Transcript(chunking) { [unowned self] event in self.stream.receive(event) }
        }

        func feed(_ text: String) -> [String] { render(transcript.feed(text)) }
        func feedActions(_ text: String) -> [Action] { transcript.feed(text) }

        func connected() {
            _ = stream.start()
            _ = feed(ComponentStreamTests.componentOpen + " to='iot.smith.example'>")
            _ = feed("<handshake>\(ComponentHandshake.digest(streamID: "c-1", secret: "s3cret"))</handshake>")
            _ = stream.claimResult(granted: true)
        }
    }

    func testHandshakeDigestMatchesOpenSSL() {
        // printf '3BF96D32Ilovemybard' | openssl dgst -sha1 (XEP-0114's example id and secret)
        XCTAssertEqual(
            ComponentHandshake.digest(streamID: "3BF96D32", secret: "Ilovemybard"),
            "1e0ccc37a2b9239505522f437b29910ed23ee5c8")
        XCTAssertEqual(
            ComponentHandshake.digest(streamID: "c-1", secret: "s3cret"), "00086b518a23953e867a432a0a9a454e038b95a8")
    }

    func testHappyPathDeliversInJabberServer() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            XCTAssertEqual(render(harness.stream.start()), ["timer handshake"])
            XCTAssertEqual(
                harness.feed(Self.componentOpen + " to='iot.smith.example'>"),
                ["header from=iot.smith.example id=c-1", "state header -> handshake"])
            // Upper-case hex is accepted too.
            XCTAssertEqual(
                harness.feed("<handshake>00086B518A23953E867A432A0A9A454E038B95A8</handshake>"),
                ["claim iot.smith.example", "state handshake -> claim"])
            XCTAssertEqual(
                render(harness.stream.claimResult(granted: true)),
                [
                    "send <handshake/>", "state claim -> established", "cancel handshake",
                    "pair iot.smith.example<-iot.smith.example component-handshake",
                    "link-up iot.smith.example<-iot.smith.example auth=component-handshake sm=no bidi=yes",
                ])
            let actions = harness.feedActions(
                "<message from='sensor@iot.smith.example/t1' to='romeo@smith.example' id='r1'><body>21.5</body></message>"
            )
            XCTAssertEqual(render(actions), ["deliver message sensor@iot.smith.example/t1 -> romeo@smith.example"])
            guard case .deliver(let stanza, _, _)? = actions.first else { return XCTFail("no delivery") }
            XCTAssertEqual(stanza.namespace, XMPPNamespace.server)
            XCTAssertEqual(stanza.firstChild(named: "body")?.text, "21.5", "children moved to jabber:server too")
        }
    }

    func testStanzasToTheComponentUseItsNamespace() {
        let harness = Harness(.allAtOnce)
        harness.connected()
        let message = Element(
            "message", namespace: XMPPNamespace.server,
            attributes: [Attribute("to", "sensor@iot.smith.example"), Attribute("from", "romeo@smith.example")],
            children: [.element(Element("body", namespace: XMPPNamespace.server, children: [.text("status?")]))])
        let actions = harness.stream.send(message)
        guard case .send(let sent)? = actions.first else { return XCTFail("nothing sent") }
        XCTAssertEqual(sent.namespace, XMPPNamespace.component)
        XCTAssertEqual(
            String(decoding: try ElementSerializer.component.serialize(sent), as: UTF8.self),
            "<message to='sensor@iot.smith.example' from='romeo@smith.example'><body>status?</body></message>")
    }

    func testUnknownComponentDomain() {
        let harness = Harness(.allAtOnce)
        _ = harness.stream.start()
        XCTAssertEqual(
            harness.feed(Self.componentOpen + " to='evil.smith.example'>"),
            [
                "header from=evil.smith.example id=c-1", "stream-error host-unknown", "send </stream:stream>", "close",
                "state header -> closed",
            ])
    }

    func testBadSecret() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            _ = harness.stream.start()
            _ = harness.feed(Self.componentOpen + " to='iot.smith.example'>")
            let actions = harness.feedActions(
                "<handshake>\(ComponentHandshake.digest(streamID: "c-1", secret: "wrong"))</handshake>")
            XCTAssertEqual(
                render(actions),
                ["stream-error not-authorized", "send </stream:stream>", "close", "state handshake -> closed"])
            XCTAssertTrue(closeReason(actions)!.contains("does not match its configured secret"))
        }
    }

    func testSecondConnectionIsAConflict() {
        let harness = Harness(.allAtOnce)
        _ = harness.stream.start()
        _ = harness.feed(Self.componentOpen + " to='iot.smith.example'>")
        _ = harness.feed("<handshake>\(ComponentHandshake.digest(streamID: "c-1", secret: "s3cret"))</handshake>")
        let actions = harness.stream.claimResult(granted: false)
        XCTAssertEqual(
            render(actions), ["stream-error conflict", "send </stream:stream>", "close", "state claim -> closed"])
        XCTAssertEqual(
            closeReason(actions), "conflict: iot.smith.example is already connected; close the other connection first")
    }

    func testSpoofedFrom() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            harness.connected()
            XCTAssertEqual(
                harness.feed("<message from='admin@smith.example' to='romeo@smith.example'/>"),
                [
                    "stream-error invalid-from", "send </stream:stream>", "close", "state established -> closed",
                    "link-down",
                ])
        }
        let harness = Harness(.allAtOnce)
        harness.connected()
        XCTAssertEqual(
            harness.feed("<message from='a@sub.iot.smith.example' to='romeo@smith.example'/>").first,
            "stream-error invalid-from", "a subdomain is another domain")
    }

    func testStanzaBeforeHandshake() {
        let harness = Harness(.allAtOnce)
        _ = harness.stream.start()
        _ = harness.feed(Self.componentOpen + " to='iot.smith.example'>")
        XCTAssertEqual(
            harness.feed("<message from='a@iot.smith.example' to='romeo@smith.example'/>").first,
            "stream-error not-authorized")
    }

    func testHandshakeTimeout() {
        let harness = Harness(.allAtOnce)
        _ = harness.stream.start()
        _ = harness.feed(Self.componentOpen + " to='iot.smith.example'>")
        XCTAssertEqual(
            render(harness.stream.timerFired(.handshake)),
            ["stream-error connection-timeout", "send </stream:stream>", "close", "state handshake -> closed"])
    }

    func testGracefulClose() {
        let harness = Harness(.allAtOnce)
        harness.connected()
        XCTAssertEqual(
            render(harness.stream.shutdown(reason: "stop")),
            ["send </stream:stream>", "timer close-grace", "state established -> closing"])
        XCTAssertEqual(harness.feed("</stream:stream>"), ["close", "state closing -> closed", "link-down"])
    }
}
