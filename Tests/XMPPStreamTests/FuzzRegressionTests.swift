import XCTest

@testable import XMPPStream

/// Replays every input the fuzzer once broke through the fuzz target's own checks.
final class FuzzRegressionTests: XCTestCase {
    func testSavedCrashesPass() throws {
        let inputs = try Fixtures.fuzzRegressions()
        XCTAssertFalse(inputs.isEmpty)
        for (name, bytes) in inputs {
            XCTAssertNil(bytes.withUnsafeBytes { FuzzCheck.check($0) }, name)
        }
    }

    /// The first regression: Expat took "<\\0…" or a UTF-16 BOM as UTF-16 when the bytes came together.
    func testUTF16StartsAreRefusedWhateverTheChunking() {
        let starts: [([UInt8], StreamErrorCondition)] = [
            ([0x3C, 0x00, 0x73, 0x00], .unsupportedEncoding), ([0xFE, 0xFF, 0x00, 0x3C], .unsupportedEncoding),
            ([0xFF, 0xFE, 0x3C, 0x00], .unsupportedEncoding), ([0x00, 0x3C], .unsupportedEncoding),
            ([0x20, 0x00, 0x3C], .unsupportedEncoding), (Array("m\0@".utf8), .notWellFormed),
        ]
        for (bytes, condition) in starts {
            XCTAssertEqual(failure(parseAllAtOnce(bytes).events)?.condition, condition, "\(bytes)")
            XCTAssertEqual(parseByteAtATime(bytes), parseAllAtOnce(bytes), "\(bytes)")
        }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        XCTAssertNil(failure(parseByteAtATime(bom + Array(streamOpen.utf8)).events), "a UTF-8 BOM is fine")
    }
}
