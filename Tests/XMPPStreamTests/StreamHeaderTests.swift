import XCTest

@testable import XMPPStream

final class StreamHeaderTests: XCTestCase {
    func testServerHeader() throws {
        let header = StreamHeader.server(to: "jabber.org", from: "smith.example", id: "x'1", dialback: true)
        XCTAssertEqual(
            String(decoding: try header.serializedOpening(), as: UTF8.self),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
                + " xmlns:db='jabber:server:dialback' to='jabber.org' from='smith.example' id='x&apos;1' version='1.0'"
                + " xml:lang='en'>"
        )
        let parsed = parseAllAtOnce(try header.serializedOpening()).events
        XCTAssertEqual(parsed, [.opened(header)])
    }

    func testComponentHeader() throws {
        let header = StreamHeader.component(to: "iot.smith.example")
        XCTAssertEqual(
            String(decoding: try header.serializedOpening(xmlDeclaration: false), as: UTF8.self),
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'"
                + " to='iot.smith.example'>"
        )
        XCTAssertEqual(parseAllAtOnce(try header.serializedOpening()).events, [.opened(header)])
        XCTAssertFalse(header.declaresDialback)
    }

    func testStreamErrorAndClose() throws {
        let error = StreamError(.policyViolation, "stanza larger than 262144 bytes <limit> & more")
        let bytes = StreamHeader.serializedError(error)
        XCTAssertEqual(
            String(decoding: bytes, as: UTF8.self),
            "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>"
                + "stanza larger than 262144 bytes &lt;limit&gt; &amp; more</text></stream:error>"
        )
        let events = parseAllAtOnce(Array(streamOpen.utf8) + bytes + StreamHeader.closing).events
        let received = elements(events).first
        XCTAssertEqual(received?.namespace, XMPPNamespace.streams)
        let condition = received?.elements.first
        XCTAssertEqual(condition.flatMap { StreamErrorCondition(name: $0.name) }, .policyViolation)
        XCTAssertEqual(received?.firstChild(named: "text", namespace: XMPPNamespace.streamErrors)?.text, error.text)
        XCTAssertEqual(events.last, .closed)
        XCTAssertEqual(received.flatMap { StreamError(received: $0) }, error)
        XCTAssertNil(StreamError(received: Element("error", namespace: XMPPNamespace.server)))
    }

    func testConditionNames() {
        XCTAssertEqual(StreamErrorCondition.restrictedXML.name, "restricted-xml")
        XCTAssertEqual(StreamErrorCondition(name: "see-other-host"), .seeOtherHost)
        XCTAssertNil(StreamErrorCondition(name: "no-such-condition"))
    }
}
