import XCTest

@testable import X509

/// FIPS 180-4 (SHA-256), RFC 3174 (SHA-1) and RFC 4231 (HMAC-SHA256) vectors, and strict Base64.
final class HashVectorTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    private func unhex(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)!
        }
    }

    func testSHA256Vectors() {
        XCTAssertEqual(
            hex(SHA256.hash(bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            hex(SHA256.hash(bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex(SHA256.hash(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA256PaddingBoundaries() {
        // 55, 56 and 64 bytes straddle the one-block/two-block padding boundary.
        XCTAssertEqual(
            hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 55))),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        XCTAssertEqual(
            hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 56))),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        XCTAssertEqual(
            hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 64))),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    func testSHA1Vectors() {
        XCTAssertEqual(hex(SHA1.hash(bytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(
            hex(SHA1.hash(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(
            hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        let repeated = [UInt8](
            (0..<10).flatMap { _ in bytes("0123456701234567012345670123456701234567012345670123456701234567") })
        XCTAssertEqual(hex(SHA1.hash(repeated)), "dea356a2cddd90c7a7ecedc5ebb563934f460452")
    }

    func testHMACSHA256RFC4231() {
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(
            hex(HMACSHA256.authenticationCode(key: bytes("Jefe"), message: bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(
            hex(
                HMACSHA256.authenticationCode(
                    key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        // Test case 6: a key longer than the block is hashed first.
        XCTAssertEqual(
            hex(
                HMACSHA256.authenticationCode(
                    key: [UInt8](repeating: 0xaa, count: 131),
                    message: bytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// XEP-0185 §3's example: receiving 'xmpp.example.com', originating 'example.org' (the brief's
    /// 'example.org'/'example.com' pair gives 28689a64…, which openssl confirms for those inputs).
    func testBase64() {
        XCTAssertEqual(Base64.encode(bytes("")), "")
        XCTAssertEqual(Base64.encode(bytes("f")), "Zg==")
        XCTAssertEqual(Base64.encode(bytes("fo")), "Zm8=")
        XCTAssertEqual(Base64.encode(bytes("foobar")), "Zm9vYmFy")
        XCTAssertEqual(Base64.encode(bytes("smith.example")), "c21pdGguZXhhbXBsZQ==")
        XCTAssertEqual(Base64.decodeCanonical("c21pdGguZXhhbXBsZQ=="), bytes("smith.example"))
        XCTAssertEqual(Base64.decodeCanonical("Zm8="), bytes("fo"))
        XCTAssertNil(Base64.decodeCanonical("Zm8"), "unpadded")
        XCTAssertNil(Base64.decodeCanonical("Zm=8"), "padding in the middle")
        XCTAssertNil(Base64.decodeCanonical("Zm8!"), "outside the alphabet")
        XCTAssertNil(Base64.decodeCanonical("Zm9="), "non-canonical trailing bits")
    }
}
