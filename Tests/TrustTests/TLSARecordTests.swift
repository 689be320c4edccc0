import X509
import XCTest

@testable import Trust

final class TLSARecordTests: XCTestCase {
    func testParsesPresentationSyntax() throws {
        let digest = String(repeating: "ab", count: 32)
        let record = try TLSARecord("3 1 1 \(digest.uppercased())")
        XCTAssertEqual(record.usage, 3)
        XCTAssertEqual(record.selector, 1)
        XCTAssertEqual(record.matchingType, 1)
        XCTAssertEqual(record.data, [UInt8](repeating: 0xAB, count: 32))
        XCTAssertEqual(record.parameters, "3 1 1")
        XCTAssertEqual(record.description, "3 1 1 \(digest)")
        XCTAssertTrue(record.isUsable)
        // Zone files may split the data.
        XCTAssertEqual(try TLSARecord("3 1 1 \(digest.prefix(20)) \t\(digest.dropFirst(20))"), record)
        XCTAssertEqual(try TLSARecord(rdata: [3, 1, 1] + record.data), record)
    }

    func testSyntaxErrorsSayWhatToWrite() {
        func message(_ text: String) -> String {
            do {
                _ = try TLSARecord(text)
                return ""
            } catch { return error.message }
        }
        XCTAssertTrue(message("3 1 ab").contains("needs four fields"))
        XCTAssertTrue(message("3 x 1 ab").contains("selector 'x'"))
        XCTAssertTrue(message("3 1 256 ab").contains("matching type '256'"))
        XCTAssertTrue(message("3 1 1 abc").contains("hex digits"))
        XCTAssertTrue(message("3 1 1 zz").contains("hex digits"))
        XCTAssertThrowsError(try TLSARecord(rdata: [3, 1, 1]))
    }

    func testUsabilityFollowsPostfix() throws {
        let sha256 = String(repeating: "00", count: 32)
        XCTAssertFalse(try TLSARecord("0 0 1 \(sha256)").isUsable)
        XCTAssertFalse(try TLSARecord("1 1 1 \(sha256)").isUsable)
        XCTAssertFalse(try TLSARecord("4 1 1 \(sha256)").isUsable)
        XCTAssertFalse(try TLSARecord("3 2 1 \(sha256)").isUsable)
        XCTAssertFalse(try TLSARecord("3 1 3 \(sha256)").isUsable)
        XCTAssertFalse(try TLSARecord("3 1 2 \(sha256)").isUsable, "a 32-byte SHA-512 can never match")
        XCTAssertTrue(try TLSARecord("2 0 1 \(sha256)").isUsable)
        XCTAssertTrue(try TLSARecord("3 0 0 3000").isUsable)
        XCTAssertThrowsError(try TLSARecord(pin: "1 1 1 \(sha256)")) { error in
            XCTAssertTrue((error as? TLSAError)?.message.contains("usage 1 (PKIX-EE)") == true)
        }
        XCTAssertNoThrow(try TLSARecord(pin: "3 1 1 \(sha256)"))
    }

    func testMatchesEverySelectorAndMatchingType() throws {
        let leaf = try TrustFixtures.certificate("self-signed")
        let other = try TrustFixtures.certificate("leaf-xmpp")
        for selector: UInt8 in [0, 1] {
            for matching: UInt8 in [0, 1, 2] {
                let record = try TrustFixtures.record(3, selector, matching, of: "self-signed")
                XCTAssertTrue(record.isUsable)
                XCTAssertTrue(record.matches(leaf), record.parameters)
                XCTAssertFalse(record.matches(other), record.parameters)
            }
        }
        XCTAssertEqual(TLSARecord.pin(for: leaf), try TrustFixtures.record(3, 1, 1, of: "self-signed"))
    }
}
