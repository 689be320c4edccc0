import XCTest

@testable import XMPPStream

/// Stream restarts (RFC 6120 §5.4.3.3 and §6.4.6): bytes after the restart point are kept, not parsed.
final class RestartTests: XCTestCase {
    private let tlsRecord: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]

    func testBytesAfterProceedAreHandedBackForTLS() {
        let bytes = Array((streamOpen + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").utf8) + tlsRecord
        for result in [parseAllAtOnce(bytes), parseByteAtATime(bytes), parseRandomChunks(bytes, seed: 7)] {
            XCTAssertEqual(elements(result.events).map(\.name), ["proceed"])
            XCTAssertNil(failure(result.events))
            XCTAssertEqual(result.remainder, tlsRecord)
        }
    }

    func testStreamAfterSASLSuccessInTheSameReadIsParsedByTheFreshParser() {
        let first = streamOpen + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
        let second =
            "<?xml version='1.0'?>" + streamOpen.replacingOccurrences(of: "a.example", with: "b.example")
            + "<message><body>after</body></message>"
        let parser = XMPPStreamParser()
        let events = parser.feed(Array((first + second).utf8))
        XCTAssertEqual(elements(events).map(\.name), ["success"])
        XCTAssertTrue(parser.isPaused)
        XCTAssertEqual(parser.feed(Array("<presence/>".utf8)), [], "a paused parser only keeps bytes")
        let remainder = parser.restart()
        XCTAssertEqual(remainder, Array((second + "<presence/>").utf8))
        XCTAssertFalse(parser.isPaused)
        let fresh = parser.feed(remainder)
        guard case .opened(let header)? = fresh.first else { return XCTFail("no header after restart: \(fresh)") }
        XCTAssertEqual(header.to, "b.example")
        XCTAssertEqual(elements(fresh).map(\.name), ["message", "presence"])
    }

    func testBytesKeptWhilePausedAreBounded() {
        let parser = XMPPStreamParser(limits: StreamLimits(maxStanzaBytes: 200))
        _ = parser.feed(Array((streamOpen + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").utf8))
        XCTAssertTrue(parser.isPaused)
        XCTAssertEqual(parser.feed([UInt8](repeating: 0x16, count: 200)), [])
        XCTAssertEqual(failure(parser.feed([0x16]))?.condition, .policyViolation)
        XCTAssertEqual(parser.restart(), [], "restart still gives a fresh parser")
        XCTAssertEqual(parser.feed(Array(streamOpen.utf8)).count, 1)
    }

    func testReceivingSideStopsAfterStarttls() {
        let bytes = Array((streamOpen + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").utf8) + tlsRecord
        XCTAssertEqual(parseAllAtOnce(bytes).remainder, tlsRecord)
    }

    func testOtherNegotiationElementsDoNotPause() {
        let bytes = Array(
            (streamOpen + "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><proceed/><success/><message/>").utf8
        )
        let result = parseAllAtOnce(bytes)
        XCTAssertEqual(elements(result.events).map(\.name), ["failure", "proceed", "success", "message"])
        XCTAssertEqual(result.remainder, [])
    }

    func testRestartMidStanzaDiscardsPartialState() {
        let parser = XMPPStreamParser(limits: StreamLimits(maxStanzaBytes: 500))
        _ = parser.feed(Array((streamOpen + "<message><body>" + String(repeating: "x", count: 400)).utf8))
        parser.restart()
        let events = parser.feed(
            Array((streamOpen + "<message><body>" + String(repeating: "y", count: 400) + "</body></message>").utf8))
        XCTAssertNil(failure(events), "limits count from the restart")
        XCTAssertEqual(elements(events).first?.firstChild(named: "body")?.text.count, 400)
    }

    func testCustomPausePredicate() {
        let parser = XMPPStreamParser(pausesAfter: { $0.name == "handshake" })
        let bytes = Array(
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'><handshake/><message/>"
                .utf8
        )
        XCTAssertEqual(elements(parser.feed(bytes)).map(\.name), ["handshake"])
        XCTAssertEqual(parser.restart(), Array("<message/>".utf8))
    }
}
