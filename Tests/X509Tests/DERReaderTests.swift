import XCTest

@testable import X509

final class DERReaderTests: XCTestCase {
    private func code(_ bytes: [UInt8]) -> X509Error.Code? {
        var reader = DERReader(bytes)
        do {
            while try reader.next() != nil {}
            return nil
        } catch {
            return error.code
        }
    }

    func testReadsShortAndLongForms() throws {
        var reader = DERReader([0x04, 0x02, 0xAA, 0xBB, 0x30, 0x81, 0x80] + [UInt8](repeating: 0, count: 0x80))
        let first = try XCTUnwrap(try reader.next())
        XCTAssertEqual(first.tag, 0x04)
        XCTAssertEqual(Array(first.content), [0xAA, 0xBB])
        XCTAssertEqual(Array(first.encoded), [0x04, 0x02, 0xAA, 0xBB])
        let second = try XCTUnwrap(try reader.next())
        XCTAssertEqual(second.content.count, 0x80)
        XCTAssertTrue(second.isConstructed)
        XCTAssertNil(try reader.next())
    }

    func testRejectsIndefiniteOverlongNonMinimalAndTruncated() {
        XCTAssertEqual(code([0x30, 0x80, 0x00, 0x00]), .indefiniteLength)
        XCTAssertEqual(code([0x04, 0x85, 1, 0, 0, 0, 0]), .overlongLength)
        XCTAssertEqual(code([0x04, 0x81, 0x05, 1, 2, 3, 4, 5]), .overlongLength)
        XCTAssertEqual(code([0x04, 0x82, 0x00, 0x90] + [UInt8](repeating: 0, count: 0x90)), .overlongLength)
        XCTAssertEqual(code([0x04, 0x03, 1, 2]), .truncated)
        XCTAssertEqual(code([0x04]), .truncated)
        XCTAssertEqual(code([0x04, 0x84, 0xFF, 0xFF]), .truncated)
        XCTAssertEqual(code([0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF]), .truncated)
        XCTAssertEqual(code([0x1F, 0x81, 0x00, 0x00]), .unexpectedTag)
        XCTAssertNil(code([]))
    }

    func testWriterRoundTripsLengths() throws {
        for count in [0, 1, 127, 128, 255, 256, 65_535, 65_536] {
            let encoded = DERWriter.octetString([UInt8](repeating: 7, count: count))
            let node = try DERReader.single(encoded[...], "test")
            XCTAssertEqual(node.content.count, count)
        }
        XCTAssertEqual(DERWriter.unsignedInteger([0x00, 0x00, 0x80]), [0x02, 0x02, 0x00, 0x80])
        XCTAssertEqual(DERWriter.unsignedInteger([]), [0x02, 0x01, 0x00])
    }

    func testObjectIdentifierTextAndEncoding() throws {
        XCTAssertEqual(OID.xmppAddr.content, [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x05])
        XCTAssertEqual(OID.xmppAddr.description, "1.3.6.1.5.5.7.8.5")
        XCTAssertEqual(OID("2.999.1").description, "2.999.1")
        XCTAssertEqual(try OID(content: OID.srvName.content[...]), .srvName)
        XCTAssertThrowsError(try OID(content: [0x2B, 0x86][...]))
        XCTAssertThrowsError(try OID(content: [][...]))
        XCTAssertEqual(try OID(content: [0x2B] + [UInt8](repeating: 0xFF, count: 12) + [0x01]).description, "1.3.?")
    }
}
