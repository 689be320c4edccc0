import XCTest

@testable import X509

final class PEMTests: XCTestCase {
    func testBase64KnownValues() {
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64.decode(Array(encoded.utf8)), Array(plain.utf8))
        }
        XCTAssertEqual(Base64.decode(Array("Zm9v\r\nYmFy".utf8)), Array("foobar".utf8))
        for bad in ["Zm9v!", "Zg=a", "Z", "Zg===", "Zm9vY"] {
            XCTAssertNil(Base64.decode(Array(bad.utf8)), bad)
        }
    }

    func testParsesBundleAndRoundTrips() throws {
        let bundle = try Fixtures.text("leaf-xmpp.pem") + "junk between blocks\n" + Fixtures.text("ca.pem")
        let certificates = try PEMBlock.certificates(bundle)
        XCTAssertEqual(certificates.count, 2)
        XCTAssertEqual(certificates[1].subject.commonNames, ["Relay Test Root CA"])
        let block = try PEMBlock.parseAll(Fixtures.text("ca.pem"))[0]
        XCTAssertEqual(block.pem, try Fixtures.text("ca.pem"))
    }

    func testRejectsBrokenBlocks() {
        XCTAssertThrowsError(try PEMBlock.parseAll("-----BEGIN CERTIFICATE-----\nZm9v\n"))
        XCTAssertThrowsError(try PEMBlock.parseAll("-----BEGIN CERTIFICATE-----\nZm9v!\n-----END CERTIFICATE-----\n"))
        XCTAssertThrowsError(try PEMBlock.parseAll("-----BEGIN CERTIFICATE-----\nZm9v\n-----END PRIVATE KEY-----\n"))
        XCTAssertThrowsError(try PEMBlock.certificates("no pem here"))
        XCTAssertThrowsError(
            try PEMBlock.certificates("-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"))
    }
}
