import XCTest
import XMPPStream

@testable import RelayServer

final class StanzaBounceTests: XCTestCase {
    private func message(type: String? = nil) -> Element {
        var attributes = [
            Attribute("from", "alice@a.example/x"), Attribute("to", "bob@b.example"), Attribute("id", "m1"),
        ]
        if let type { attributes.append(Attribute("type", type)) }
        return Element(
            "message", namespace: XMPPNamespace.server, attributes: attributes,
            children: [.element(Element("body", namespace: XMPPNamespace.server, children: [.text("hi")]))])
    }

    func testReplySwapsAddressesAndCarriesTheConditionWithItsType() throws {
        let reply = try XCTUnwrap(StanzaBounce.reply(to: message(), .remoteServerTimeout, text: "link down"))
        XCTAssertEqual(reply.name, "message")
        XCTAssertEqual(reply[attribute: "from"], "bob@b.example")
        XCTAssertEqual(reply[attribute: "to"], "alice@a.example/x")
        XCTAssertEqual(reply[attribute: "type"], "error")
        XCTAssertEqual(reply[attribute: "id"], "m1")
        let error = try XCTUnwrap(reply.firstChild(named: "error"))
        XCTAssertEqual(error[attribute: "type"], "wait")
        XCTAssertNotNil(error.firstChild(named: "remote-server-timeout", namespace: XMPPNamespace.stanzaErrors))
        XCTAssertEqual(error.firstChild(named: "text", namespace: XMPPNamespace.stanzaErrors)?.text, "link down")
        let serialized = String(decoding: try ElementSerializer.server.serialize(reply), as: UTF8.self)
        XCTAssertTrue(
            serialized.contains(
                "<error type='wait'><remote-server-timeout xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"),
            serialized)
    }

    func testNotFoundIsCancel() throws {
        let reply = try XCTUnwrap(StanzaBounce.reply(to: message(), .remoteServerNotFound))
        XCTAssertEqual(reply.firstChild(named: "error")?[attribute: "type"], "cancel")
    }

    func testErrorStanzasAndIQResultsAreNeverAnswered() {
        XCTAssertNil(StanzaBounce.reply(to: message(type: "error"), .remoteServerNotFound))
        let result = Element(
            "iq", namespace: XMPPNamespace.server,
            attributes: [Attribute("type", "result"), Attribute("from", "a.example"), Attribute("to", "b.example")])
        XCTAssertNil(StanzaBounce.reply(to: result, .remoteServerTimeout))
        let noFrom = Element("message", namespace: XMPPNamespace.server, attributes: [Attribute("to", "b.example")])
        XCTAssertNil(StanzaBounce.reply(to: noFrom, .remoteServerTimeout))
    }
}
