import XCTest

@testable import XMPPStream

final class LimitsTests: XCTestCase {
    private func stanza(bodyBytes: Int) -> String {
        "<message><body>" + String(repeating: "x", count: bodyBytes) + "</body></message>"
    }

    func testStanzaAtTheLimitPassesAndOneByteMoreFails() {
        let overhead = stanza(bodyBytes: 0).utf8.count
        let limits = StreamLimits(maxStanzaBytes: 1000)
        let fits = Array((streamOpen + stanza(bodyBytes: 1000 - overhead)).utf8)
        let tooBig = Array((streamOpen + stanza(bodyBytes: 1001 - overhead)).utf8)
        for feed in [parseAllAtOnce, parseByteAtATime] {
            XCTAssertEqual(elements(feed(fits, limits).events).count, 1)
            let error = failure(feed(tooBig, limits).events)
            XCTAssertEqual(error?.condition, .policyViolation)
            XCTAssertEqual(error?.text.contains("max stanza bytes"), true)
        }
    }

    func testManyStanzasEachBelowTheLimitPass() {
        let limits = StreamLimits(maxStanzaBytes: 200)
        let stanzas = String(repeating: stanza(bodyBytes: 100) + "\n", count: 1000)
        let result = parseAllAtOnce(Array((streamOpen + stanzas).utf8), limits: limits)
        XCTAssertNil(failure(result.events))
        XCTAssertEqual(elements(result.events).count, 1000)
    }

    /// A stanza that never ends is refused while it streams in, with memory bounded by the limit.
    func testEndlessStanzaIsRefusedWhileStreaming() {
        for opening in ["<message><body>", "<message a='"] {
            ExpatMemory.resetPeak()
            let baseline = ExpatMemory.bytesInUse
            let parser = XMPPStreamParser()
            var events = parser.feed(Array((streamOpen + opening).utf8))
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var fedChunks = 0
            while failure(events) == nil && fedChunks < 160 {  // up to 10 MiB
                events += parser.feed(chunk)
                fedChunks += 1
            }
            XCTAssertEqual(failure(events)?.condition, .policyViolation, opening)
            XCTAssertLessThanOrEqual(fedChunks, 5, "refused within the first 256 KiB + one read")
            XCTAssertLessThanOrEqual(parser.bytesFed, 256 * 1024 + 16 * 1024 + 512)
            XCTAssertLessThan(ExpatMemory.peakBytes - baseline, 1024 * 1024, opening)
        }
    }

    func testOversizedStreamHeaderAndWhitespaceFloodAreCapped() {
        let limits = StreamLimits(maxStanzaBytes: 1000)
        let header =
            "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='" + String(repeating: "i", count: 2000)
        XCTAssertEqual(failure(parseAllAtOnce(Array(header.utf8), limits: limits).events)?.condition, .policyViolation)
        // Whitespace keepalives reset the count: a long idle stream is not a violation.
        let keepalives = streamOpen + String(repeating: " ", count: 5000) + "<message/>"
        XCTAssertNil(failure(parseAllAtOnce(Array(keepalives.utf8), limits: limits).events))
    }

    func testDepthLimit() {
        let limits = StreamLimits(maxDepth: 5)
        func nested(_ depth: Int) -> [UInt8] {
            Array((streamOpen + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)).utf8)
        }
        XCTAssertEqual(elements(parseAllAtOnce(nested(5), limits: limits).events).count, 1)
        let error = failure(parseByteAtATime(nested(6), limits: limits).events)
        XCTAssertEqual(error?.condition, .policyViolation)
        XCTAssertEqual(error?.text.contains("max depth"), true)
        XCTAssertEqual(parseAllAtOnce(nested(6), limits: limits), parseByteAtATime(nested(6), limits: limits))
    }

    func testAttributeAndNamespaceDeclarationLimits() {
        let limits = StreamLimits(maxAttributes: 3, maxNamespaceDeclarations: 2)
        func attributes(_ count: Int) -> [UInt8] {
            Array((streamOpen + "<message" + (0..<count).map { " a\($0)='v'" }.joined() + "/>").utf8)
        }
        func declarations(_ count: Int) -> [UInt8] {
            Array((streamOpen + "<message" + (0..<count).map { " xmlns:p\($0)='urn:\($0)'" }.joined() + "/>").utf8)
        }
        XCTAssertNil(failure(parseAllAtOnce(attributes(3), limits: limits).events))
        XCTAssertEqual(
            failure(parseAllAtOnce(attributes(4), limits: limits).events)?.text.contains("max attributes"), true
        )
        XCTAssertNil(failure(parseAllAtOnce(declarations(2), limits: limits).events))
        let error = failure(parseByteAtATime(declarations(3), limits: limits).events)
        XCTAssertEqual(error?.condition, .policyViolation)
        XCTAssertEqual(error?.text.contains("max namespace declarations"), true)
    }

    /// Expat's own memory for one stream: the figure the design note quotes.
    func testMemoryPerParserIsBoundedAndReleased() {
        let baseline = ExpatMemory.bytesInUse
        ExpatMemory.resetPeak()
        do {
            let parser = XMPPStreamParser()
            let stream = try! Fixtures.bytes("s2s-dialback.xml")
            for _ in 0..<100 { _ = parser.feed(Array(stream.dropLast(20))); parser.restart() }
            XCTAssertGreaterThan(ExpatMemory.bytesInUse - baseline, 4 * 1024, "the counters see this parser")
            XCTAssertLessThan(ExpatMemory.bytesInUse - baseline, 48 * 1024)
        }
        XCTAssertLessThan(ExpatMemory.peakBytes - baseline, 64 * 1024)
        XCTAssertEqual(ExpatMemory.bytesInUse, baseline, "every Expat allocation is freed with its parser")
    }
}
