import Routing
import XCTest
import XMPPStream

@testable import RelayServer

/// What the queue keeps of a stanza: its kind for the policy, and its stored bytes back as the element.
final class QueuedStanzaTests: XCTestCase {
    private func element(_ name: String, type: String?) -> Element {
        var attributes = [Attribute("from", "a@x.example/r"), Attribute("to", "b@y.example")]
        if let type { attributes.append(Attribute("type", type)) }
        return Element(name, namespace: "jabber:server", attributes: attributes)
    }

    func testKindsFollowThePolicy() {
        XCTAssertEqual(QueuedStanza.kind(of: element("message", type: "chat")), .message)
        XCTAssertEqual(QueuedStanza.kind(of: element("message", type: "error")), .error)
        XCTAssertEqual(QueuedStanza.kind(of: element("iq", type: "get")), .iqRequest)
        XCTAssertEqual(QueuedStanza.kind(of: element("iq", type: "result")), .iqResponse)
        XCTAssertEqual(QueuedStanza.kind(of: element("presence", type: "subscribe")), .subscription)
        XCTAssertEqual(
            QueuedStanza.kind(of: element("presence", type: nil)),
            .availability(PresenceAddresses(from: "a@x.example/r", to: "b@y.example")))
    }

    func testStoredBytesParseBackToTheSameStanza() throws {
        var original = element("message", type: "chat")
        original.append(Element("body", namespace: "jabber:server", children: [.text("<hi> & bye")]))
        let bytes = try ElementSerializer.server.serialize(original)
        let parsed = try XCTUnwrap(QueuedStanza.parse(bytes))
        XCTAssertEqual(try ElementSerializer.server.serialize(parsed), bytes)
        XCTAssertNil(QueuedStanza.parse(Array("<message".utf8)), "a truncated record is no stanza")
    }
}
