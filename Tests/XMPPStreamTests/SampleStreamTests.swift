import XCTest

@testable import XMPPStream

/// Every sample stream gives the same events whether fed at once, a byte at a time or in random chunks.
final class SampleStreamTests: XCTestCase {
    /// The last event each sample must end with: a condition name, "closed" or "open" (still running).
    private let expectedEnding: [String: String] = [
        "component.xml": "closed",
        "control-character.xml": "not-well-formed",
        "duplicate-attribute.xml": "not-well-formed",
        "encoding-latin1.xml": "unsupported-encoding",
        "invalid-utf8.xml": "not-well-formed",
        "mismatched-tag.xml": "not-well-formed",
        "prefixes-and-cdata.xml": "closed",
        "restricted-comment.xml": "restricted-xml",
        "restricted-doctype.xml": "restricted-xml",
        "restricted-entity.xml": "restricted-xml",
        "restricted-pi.xml": "restricted-xml",
        "s2s-dialback.xml": "closed",
        "starttls-then-tls.bin": "open",
        "text-between-stanzas.xml": "bad-format",
        "unbound-prefix.xml": "not-well-formed",
        "wrong-stream-namespace.xml": "invalid-namespace",
        "xml-version-11.xml": "restricted-xml",
    ]

    func testEverySampleHasAnExpectation() throws {
        XCTAssertEqual(try Fixtures.names(), expectedEnding.keys.sorted())
    }

    func testChunkingNeverChangesEvents() throws {
        for name in try Fixtures.names() {
            let bytes = try Fixtures.bytes(name)
            let whole = parseAllAtOnce(bytes)
            XCTAssertEqual(parseByteAtATime(bytes), whole, name)
            for seed in 1...20 {
                XCTAssertEqual(parseRandomChunks(bytes, seed: UInt64(seed)), whole, "\(name) seed \(seed)")
            }
        }
    }

    func testSamplesEndAsExpected() throws {
        for name in try Fixtures.names() {
            let events = parseAllAtOnce(try Fixtures.bytes(name)).events
            let ending: String
            switch events.last {
            case .failed(let error)?: ending = error.condition.name
            case .closed?: ending = "closed"
            default: ending = "open"
            }
            XCTAssertEqual(ending, expectedEnding[name], name)
        }
    }

    func testServerSampleContent() throws {
        let events = parseAllAtOnce(try Fixtures.bytes("s2s-dialback.xml")).events
        guard case .opened(let header)? = events.first else { return XCTFail("no header: \(events)") }
        XCTAssertEqual(header.to, "smith.example")
        XCTAssertEqual(header.from, "jabber.org")
        XCTAssertEqual(header.id, "a1b2")
        XCTAssertEqual(header.version, "1.0")
        XCTAssertEqual(header.language, "en")
        XCTAssertEqual(header.contentNamespace, XMPPNamespace.server)
        XCTAssertTrue(header.declaresDialback)
        let stanzas = elements(events)
        XCTAssertEqual(stanzas.map(\.name), ["features", "result", "message", "presence", "iq", "iq"])
        XCTAssertEqual(stanzas[0].namespace, XMPPNamespace.streams)
        XCTAssertEqual(stanzas[1].namespace, XMPPNamespace.dialback)
        let message = stanzas[2]
        XCTAssertEqual(message.namespace, XMPPNamespace.server)
        XCTAssertEqual(message[attribute: "type"], "chat")
        XCTAssertEqual(
            message.attributes.last, Attribute("lang", "en", namespace: XMPPNamespace.xml)
        )
        XCTAssertEqual(message.firstChild(named: "body")?.text, "Wherefore art thou, Romeo? <3 & more ☺ ©")
        XCTAssertEqual(
            message.firstChild(named: "active", namespace: "http://jabber.org/protocol/chatstates")?.children, []
        )
        XCTAssertEqual(
            stanzas[3].firstChild(named: "c", namespace: "http://jabber.org/protocol/caps")?[attribute: "ver"],
            "QgayPKawpkPSDYmwT/WM94uAlu0=")
        XCTAssertEqual(events.last, .closed)
    }

    func testPrefixedStreamCDATAAndUndeclaredDefault() throws {
        let events = parseAllAtOnce(try Fixtures.bytes("prefixes-and-cdata.xml")).events
        let stanzas = elements(events)
        XCTAssertEqual(stanzas.count, 2)
        let body = stanzas[1].firstChild(named: "body")
        XCTAssertEqual(body?.children, [.text("one <two> &  three")])
        let x = stanzas[1].firstChild(named: "x", namespace: "urn:example:p")
        XCTAssertEqual(x?.attributes, [Attribute("attr", "v", namespace: "urn:example:p"), Attribute("plain", "w")])
        XCTAssertEqual(x?.elements.map(\.namespace), ["urn:example:p", ""])
        XCTAssertEqual(x?.elements.last?.text, "bare")
    }

    func testComponentSample() throws {
        let events = parseAllAtOnce(try Fixtures.bytes("component.xml")).events
        guard case .opened(let header)? = events.first else { return XCTFail("no header") }
        XCTAssertEqual(header.contentNamespace, XMPPNamespace.component)
        XCTAssertEqual(header.to, "iot.smith.example")
        XCTAssertNil(header.version)
        let stanzas = elements(events)
        XCTAssertEqual(stanzas.first?.text, "aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e")
        XCTAssertEqual(stanzas.last?.firstChild(named: "body")?.text, "21.5 °C — 温度")
    }
}
