import XCTest

@testable import S2S

/// XEP-0185 dialback keys, on the XEP's own example.
final class DialbackKeyTests: XCTestCase {
    func testDialbackKeyXEP0185Example() {
        let key = DialbackKey.generate(
            secret: "s3cr3tf0rd14lb4ck", receiving: "xmpp.example.com", originating: "example.org",
            streamID: "D60000229F")
        XCTAssertEqual(key, "37c69b1cf07a3f67c04a5ef5902fa5114f2c76fe4a2686482ba5b89323075643")
        XCTAssertTrue(DialbackKey.matches(key, "37c69b1cf07a3f67c04a5ef5902fa5114f2c76fe4a2686482ba5b89323075643"))
        XCTAssertFalse(DialbackKey.matches(key, "37c69b1cf07a3f67c04a5ef5902fa5114f2c76fe4a2686482ba5b89323075644"))
        XCTAssertFalse(DialbackKey.matches(key, ""))
        XCTAssertEqual(
            DialbackKey.generate(
                secret: "s3cr3tf0rd14lb4ck", receiving: "example.org", originating: "example.com",
                streamID: "D60000229F"),
            "28689a642f96dd0cdac4b72a0cd805bbbd6a9b46f44064a6c52e43239d19954d", "cross-checked with openssl dgst -hmac")
        XCTAssertNotEqual(
            key,
            DialbackKey.generate(
                secret: "s3cr3tf0rd14lb4ck", receiving: "example.org", originating: "xmpp.example.com",
                streamID: "D60000229F"),
            "the direction is part of the key")
    }
}
