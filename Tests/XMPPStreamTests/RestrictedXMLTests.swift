import XCTest

@testable import XMPPStream

/// RFC 6120 §11: what a peer may not send, and how the parser refuses it.
final class RestrictedXMLTests: XCTestCase {
    private func condition(_ xml: String) -> String? {
        let bytes = Array(xml.utf8)
        let whole = parseAllAtOnce(bytes)
        XCTAssertEqual(parseByteAtATime(bytes), whole, xml)
        return failure(whole.events)?.condition.name
    }

    func testRefusedConstructs() {
        let cases: [(String, String)] = [
            ("<!DOCTYPE stream:stream>" + streamOpen, "restricted-xml"),
            (streamOpen + "<!-- note -->", "restricted-xml"),
            (streamOpen + "<message><!-- note --></message>", "restricted-xml"),
            ("<?xml-stylesheet href='a'?>" + streamOpen, "restricted-xml"),
            (streamOpen + "<message><?pi data?></message>", "restricted-xml"),
            (streamOpen + "<message><body>&lt;&gt;&amp;&quot;&apos;&copy;</body></message>", "restricted-xml"),
            (streamOpen + "<message a='&foo;'/>", "restricted-xml"),
            ("<?xml version='1.1'?>" + streamOpen, "restricted-xml"),
            ("<?xml version='1.0' encoding='UTF-16'?>" + streamOpen, "unsupported-encoding"),
            (streamOpen + "<message><body>x</body>", "open"),
            (streamOpen + "<message></presence>", "not-well-formed"),
            (streamOpen + "<message a=b/>", "not-well-formed"),
            (streamOpen + "<message><x:y/></message>", "not-well-formed"),
            (streamOpen + "<message xmlns:p=''/>", "not-well-formed"),
            (streamOpen + "<message xmlns:xml='urn:other'/>", "not-well-formed"),
            ("<stream:stream xmlns:stream='urn:wrong'>", "invalid-namespace"),
            ("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>", "invalid-namespace"),
            (streamOpen + "text<message/>", "bad-format"),
            (streamOpen + "text</stream:stream>", "bad-format"),
            (streamOpen + "text", "open"),  // refused at the next element, whatever the chunking
        ]
        for (xml, expected) in cases {
            XCTAssertEqual(condition(xml) ?? "open", expected, xml)
        }
    }

    func testAllowedConstructs() {
        let cases = [
            "<?xml version='1.0'?>" + streamOpen + "<message/>",
            "<?xml version='1.0' encoding='utf-8' standalone='yes'?>" + streamOpen,
            streamOpen + "<message><body>&#x1F600;&#65;&lt;&gt;&amp;&quot;&apos;</body></message>",
            streamOpen + "<message><body><![CDATA[<not a tag>]]></body></message>",
            streamOpen + " \n\t\r\n <message/>  \n",
        ]
        for xml in cases { XCTAssertNil(condition(xml), xml) }
    }

    func testInvalidUTF8IsNotWellFormed() {
        let sequences: [[UInt8]] = [
            [0xC3, 0x28], [0xE2, 0x28, 0xA1], [0xF0, 0x28, 0x8C, 0xBC], [0xC0, 0xAF], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF, 0xBE], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF],
        ]
        for sequence in sequences {
            let bytes = Array((streamOpen + "<message><body>").utf8) + sequence + Array("</body></message>".utf8)
            let whole = parseAllAtOnce(bytes)
            XCTAssertEqual(parseByteAtATime(bytes), whole)
            XCTAssertEqual(failure(whole.events)?.condition, .notWellFormed, "\(sequence)")
        }
    }

    /// The classic entity expansion attack: refused at the DOCTYPE, before a single entity exists.
    func testBillionLaughsIsRefusedWithBoundedMemoryAndWork() {
        var dtd = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol0 'lol'>"
        for level in 1...9 {
            dtd += "<!ENTITY lol\(level) '" + String(repeating: "&lol\(level - 1);", count: 10) + "'>"
        }
        dtd += "]>"
        let bytes = Array((dtd + streamOpen + "<message><body>&lol9;</body></message>").utf8)
        ExpatMemory.resetPeak()
        let baseline = ExpatMemory.bytesInUse
        let parser = XMPPStreamParser()
        let events = parser.feed(bytes)
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(failure(events)?.condition, .restrictedXML)
        XCTAssertLessThan(ExpatMemory.peakBytes - baseline, 64 * 1024, "Expat memory must not grow with expansion")
        XCTAssertEqual(parseByteAtATime(bytes).events, events)
    }

    /// Quadratic blowup: one big entity referenced many times. Refused at the DOCTYPE; without a DTD
    /// every reference is undefined and refused at the first one.
    func testQuadraticBlowupIsRefused() {
        let big = String(repeating: "a", count: 50_000)
        let references = String(repeating: "&a;", count: 10_000)
        let withDTD = "<!DOCTYPE x [<!ENTITY a '\(big)'>]>" + streamOpen + "<message>\(references)</message>"
        let withoutDTD = streamOpen + "<message><body>\(references)</body></message>"
        for xml in [withDTD, withoutDTD] {
            ExpatMemory.resetPeak()
            let baseline = ExpatMemory.bytesInUse
            let bytes = Array(xml.utf8)
            let parser = XMPPStreamParser()
            XCTAssertEqual(failure(parser.feed(bytes))?.condition, .restrictedXML)
            // Memory stays within a small multiple of the input, never the 500 MB the expansion would need.
            XCTAssertLessThan(ExpatMemory.peakBytes - baseline, 2 * bytes.count + 64 * 1024)
        }
    }

    /// Feeding after a failure does no work: the parser ignores all further input.
    func testNothingIsParsedAfterFailure() {
        let parser = XMPPStreamParser()
        XCTAssertEqual(failure(parser.feed(Array((streamOpen + "<!--x-->").utf8)))?.condition, .restrictedXML)
        let fed = parser.bytesFed
        XCTAssertEqual(parser.feed(Array("<message/>".utf8)), [])
        XCTAssertEqual(parser.bytesFed, fed)
    }
}
