import XCTest

@testable import XMPPStream

final class SerializerTests: XCTestCase {
    private func text(_ element: Element, _ serializer: ElementSerializer = .server) throws -> String {
        String(decoding: try serializer.serialize(element), as: UTF8.self)
    }

    func testMessageInServerStreamNeedsNoDeclaration() throws {
        var message = Element("message", namespace: XMPPNamespace.server, attributes: [Attribute("to", "a@b.example")])
        var body = Element("body", namespace: XMPPNamespace.server)
        body.append(text: "a & b < c > d \" e ' f\r\ng\th ]]>")
        message.append(body)
        XCTAssertEqual(
            try text(message),
            "<message to='a@b.example'><body>a &amp; b &lt; c &gt; d &quot; e &apos; f&#13;\ng\th ]]&gt;</body></message>"
        )
    }

    func testAttributeValuesKeepWhitespace() throws {
        let element = Element("x", namespace: "urn:x", attributes: [Attribute("v", "<'&\">\t\n\r")])
        XCTAssertEqual(try text(element, .standalone), "<x xmlns='urn:x' v='&lt;&apos;&amp;&quot;&gt;&#9;&#10;&#13;'/>")
    }

    func testStreamPrefixDialbackAndForeignNamespaces() throws {
        let features = Element(
            "features", namespace: XMPPNamespace.streams,
            children: [
                .element(
                    Element(
                        "starttls", namespace: XMPPNamespace.tls,
                        children: [.element(Element("required", namespace: XMPPNamespace.tls))]))
            ]
        )
        XCTAssertEqual(
            try text(features),
            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
        )
        let result = Element(
            "result", namespace: XMPPNamespace.dialback, attributes: [Attribute("to", "a"), Attribute("from", "b")])
        XCTAssertEqual(
            try text(result, StreamHeader.server(to: "a", from: "b", dialback: true).serializer),
            "<db:result to='a' from='b'/>")
        XCTAssertEqual(try text(result), "<result xmlns='jabber:server:dialback' to='a' from='b'/>")
        let presence = Element(
            "presence", namespace: XMPPNamespace.server,
            children: [
                .element(
                    Element("c", namespace: "http://jabber.org/protocol/caps", attributes: [Attribute("ver", "x")]))
            ]
        )
        XCTAssertEqual(try text(presence), "<presence><c xmlns='http://jabber.org/protocol/caps' ver='x'/></presence>")
        XCTAssertEqual(
            try text(presence, .component),
            "<presence xmlns='jabber:server'><c xmlns='http://jabber.org/protocol/caps' ver='x'/></presence>"
        )
        let component = Element("message", namespace: XMPPNamespace.component)
        XCTAssertEqual(try text(component, .component), "<message/>")
        let unqualified = Element("plain", namespace: "")
        XCTAssertEqual(try text(unqualified), "<plain xmlns=''/>")
    }

    func testNamespacedAttributes() throws {
        let element = Element(
            "message", namespace: XMPPNamespace.server,
            attributes: [
                Attribute("lang", "en", namespace: XMPPNamespace.xml), Attribute("a", "1", namespace: "urn:one"),
                Attribute("b", "2", namespace: "urn:one"), Attribute("c", "3", namespace: "urn:two"),
                Attribute("a", "4"),
            ]
        )
        XCTAssertEqual(
            try text(element),
            "<message xml:lang='en' xmlns:ns0='urn:one' ns0:a='1' ns0:b='2' xmlns:ns1='urn:two' ns1:c='3' a='4'/>"
        )
    }

    func testRefusesWhatTheParserWouldRefuse() {
        let bad: [Element] = [
            Element("bad name", namespace: ""),
            Element("p:x", namespace: ""),
            Element("", namespace: ""),
            Element("x", namespace: "", attributes: [Attribute("a", "1"), Attribute("a", "2")]),
            Element("x", namespace: "", attributes: [Attribute("xmlns", "urn:x")]),
            Element("x", namespace: XMPPNamespace.xml),
            Element("x", namespace: "", attributes: [Attribute("a", "1", namespace: XMPPNamespace.xmlns)]),
            Element("x", namespace: "", children: [.text("bell \u{7}")]),
            Element("x", namespace: "", children: [.text("nul \u{0}")]),
            Element("x", namespace: "", children: [.text("\u{FFFE}")]),
            Element("x", namespace: "", attributes: [Attribute("a", "\u{FFFF}")]),
            Element("x", namespace: "", children: [.element(Element("é", namespace: ""))]),
        ]
        for element in bad {
            var output = Array("kept".utf8)
            XCTAssertThrowsError(try ElementSerializer.server.serialize(element, into: &output), "\(element)")
            XCTAssertEqual(output, Array("kept".utf8), "a failed write leaves the buffer as it was")
        }
    }

    /// parse(serialize(x)) == x for generated trees, in server, component and standalone contexts.
    func testRoundTripOfGeneratedTrees() throws {
        var random = SeededRandom(seed: 0x5EED)
        for round in 0..<1500 {
            let tree = TreeGenerator.element(depth: 0, using: &random)
            let contexts: [(ElementSerializer, String)] = [
                (.server, streamOpen),
                (
                    .component,
                    "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
                ),
                (
                    StreamHeader.server(to: "a", from: "b", dialback: true).serializer,
                    String(
                        decoding: try StreamHeader.server(to: "a", from: "b", dialback: true).serializedOpening(),
                        as: UTF8.self)
                ),
            ]
            let (serializer, opening) = contexts[round % contexts.count]
            let bytes = Array(opening.utf8) + (try serializer.serialize(tree))
            let parsed = elements(parseAllAtOnce(bytes).events)
            XCTAssertEqual(parsed, [tree], "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            if parsed != [tree] { return }
            if round % 50 == 0 { XCTAssertEqual(elements(parseByteAtATime(bytes).events), [tree]) }
        }
    }
}

/// Random element trees in the shape the parser produces (no empty or adjacent text nodes,
/// unique attribute names), with names, namespaces and characters chosen to stress escaping.
enum TreeGenerator {
    static let namespaces = [
        "", XMPPNamespace.server, XMPPNamespace.component, XMPPNamespace.streams, XMPPNamespace.dialback,
        "http://jabber.org/protocol/caps", "urn:x:'quoted'&<amp>", "urn:ns0",
    ]
    static let attributeNamespaces = ["", "", "", XMPPNamespace.xml, "urn:attr:a", "urn:attr:b", XMPPNamespace.streams]
    static let names = ["message", "body", "x", "stream", "a", "ns0", "xmlfoo", "Z-9.x_y", "_"]
    static let pieces = [
        "a", "&", "<", ">", "\"", "'", "]]>", "\r", "\n", "\r\n", "\t", " ", "é", "温度", "😀", "&amp;", "x y",
    ]

    static func name(using random: inout SeededRandom) -> String {
        if Bool.random(using: &random) { return names.randomElement(using: &random)! }
        let first = Array("abcXYZ_")
        let rest = Array("abcXYZ_019.-")
        return String(first.randomElement(using: &random)!)
            + String((0..<Int.random(in: 0...8, using: &random)).map { _ in rest.randomElement(using: &random)! })
    }

    static func text(using random: inout SeededRandom) -> String {
        (0..<Int.random(in: 1...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func element(depth: Int, using random: inout SeededRandom) -> Element {
        var element = Element(name(using: &random), namespace: namespaces.randomElement(using: &random)!)
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let attribute = Attribute(
                name(using: &random), text(using: &random),
                namespace: attributeNamespaces.randomElement(using: &random)!
            )
            if attribute.name == "xmlns" && attribute.namespace.isEmpty { continue }
            if element.attributes.contains(where: { $0.name == attribute.name && $0.namespace == attribute.namespace })
            {
                continue
            }
            element.attributes.append(attribute)
        }
        let childCount = depth >= 4 ? 0 : Int.random(in: 0...4, using: &random)
        for _ in 0..<childCount {
            if Bool.random(using: &random) {
                element.append(text: text(using: &random))
            } else {
                element.append(self.element(depth: depth + 1, using: &random))
            }
        }
        return element
    }
}
