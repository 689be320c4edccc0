import XCTest

@testable import RelayLog

final class LogfmtTests: XCTestCase {
    func testPlainValuesStayBare() {
        XCTAssertEqual(Logfmt.encode(value: "jabber.org"), "jabber.org")
        XCTAssertEqual(Logfmt.encode(value: "[2001:db8::5]:5269"), "[2001:db8::5]:5269")
    }

    func testValuesWithSpacesQuotesAndNewlinesAreQuotedAndEscaped() {
        XCTAssertEqual(Logfmt.encode(value: "certificate does not match"), "\"certificate does not match\"")
        XCTAssertEqual(Logfmt.encode(value: "say \"hi\""), "\"say \\\"hi\\\"\"")
        XCTAssertEqual(Logfmt.encode(value: "a\nb"), "\"a\\nb\"")
        XCTAssertEqual(Logfmt.encode(value: "a\\b"), "\"a\\\\b\"")
        XCTAssertEqual(Logfmt.encode(value: "k=v"), "\"k=v\"")
        XCTAssertEqual(Logfmt.encode(value: ""), "\"\"")
        XCTAssertEqual(Logfmt.encode(value: "bell\u{07}"), "\"bell\\u0007\"")
        XCTAssertEqual(Logfmt.encode(value: "line\u{2028}sep"), "\"line\\u2028sep\"")
    }

    func testOneEventIsAlwaysOneLine() {
        let hostile = "x\ny\r\nz\u{0B}\u{0C}\u{85}\u{2029}\"= \\"
        let line = Logfmt.line(
            timestamp: "t", level: .warn, event: "link.refused", fields: [("reason", hostile), ("we ird", "v")])
        XCTAssertFalse(
            line.unicodeScalars.contains {
                $0.value < 0x20 || $0.value == 0x85 || $0.value == 0x2028 || $0.value == 0x2029
            })
        XCTAssertTrue(line.hasPrefix("ts=t level=warn event=link.refused reason=\""))
        XCTAssertTrue(line.hasSuffix(" we_ird=v"))
    }

    func testTimestampsAreRFC3339UTC() {
        XCTAssertEqual(Timestamp.rfc3339(unixSeconds: 0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.rfc3339(unixSeconds: 1_795_514_401), "2026-11-24T10:00:01Z")
        XCTAssertEqual(Timestamp.rfc3339(unixSeconds: 951_782_400), "2000-02-29T00:00:00Z")
        XCTAssertEqual(Timestamp.rfc3339(unixSeconds: -1), "1969-12-31T23:59:59Z")
    }

    func testLevelFiltersAndFormats() {
        let sink = MemorySink()
        let logger = Logger(level: .info, sink: sink, now: { 0 })
        logger.debug("hidden")
        logger.info("relay.start", [("version", "0.1.0"), ("config", "embedded default")])
        XCTAssertEqual(
            sink.lines,
            ["ts=1970-01-01T00:00:00Z level=info event=relay.start version=0.1.0 config=\"embedded default\""])
        XCTAssertEqual(LogLevel(name: "WARNING"), .warn)
        XCTAssertNil(LogLevel(name: "loud"))
    }
}
