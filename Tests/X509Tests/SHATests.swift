import XCTest

@testable import X509

final class SHATests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    func testSHA256FIPSVectors() {
        XCTAssertEqual(
            hex(SHA256.hash(Array("".utf8))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            hex(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA512FIPSVectors() {
        XCTAssertEqual(
            hex(SHA512.hash(Array("abc".utf8))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
        XCTAssertEqual(
            hex(SHA512.hash(Array("".utf8))),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        )
        let twoBlock =
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(
            hex(SHA512.hash(Array(twoBlock.utf8))),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"
        )
        XCTAssertEqual(
            hex(SHA512.hash([UInt8](repeating: 0x61, count: 1_000_000))),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"
        )
    }

    /// Every length 0…299 (all padding boundaries), against Python hashlib's digests folded into one.
    func testAllPaddingBoundaries() {
        var folded256: [UInt8] = []
        var folded512: [UInt8] = []
        for length in 0..<300 {
            let input = (0..<length).map { UInt8($0 % 251) }
            folded256 += SHA256.hash(input)
            folded512 += SHA512.hash(input)
        }
        XCTAssertEqual(hex(SHA256.hash(folded256)), "fa70b867db0a30acb7218d62945db0df52eb393808b30675ea9aac6b058a9a9d")
        XCTAssertEqual(
            hex(SHA512.hash(folded512)),
            "5876909c163eee9aa8e3e0dbbe23ff09a3b1c1690c50ecab0cf75109b7ea093180f3b1db84ac4671a35db7394d95e9b645b20209761dc874ec013385e1db7916"
        )
    }

    func testStreamingEqualsOneShotAtEverySplit() {
        let input = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let expected256 = SHA256.hash(input)
        let expected512 = SHA512.hash(input)
        for split in stride(from: 0, through: input.count, by: 1) {
            var hasher256 = SHA256()
            hasher256.update(input[..<split])
            hasher256.update(input[split...])
            XCTAssertEqual(hasher256.finalize(), expected256, "split at \(split)")
            var hasher512 = SHA512()
            hasher512.update(input[..<split])
            hasher512.update(Array(input[split...]).lazy.map { $0 })
            XCTAssertEqual(hasher512.finalize(), expected512, "split at \(split)")
        }
    }

    /// TLSA association data for every fixture against `openssl dgst` (digests.txt).
    func testAgainstOpenSSLDigestsOfFixtures() throws {
        let table = try Fixtures.digests()
        XCTAssertGreaterThan(table.count, 60)
        for (key, expected) in table {
            let fields = key.split(separator: " ")
            let certificate = try Fixtures.certificate(String(fields[0]))
            let selected = fields[1] == "0" ? certificate.der : certificate.subjectPublicKeyInfo
            switch fields[2] {
            case "0": XCTAssertEqual(hex(selected), expected, key)
            case "1": XCTAssertEqual(hex(SHA256.hash(selected)), expected, key)
            default: XCTAssertEqual(hex(SHA512.hash(selected)), expected, key)
            }
        }
    }

    /// Prints throughput; not a timed assertion.
    /// A mebibyte (16,384 SHA-256 blocks, 8,192 SHA-512 blocks) against digests from another
    /// implementation (Python's hashlib). The speed figure is printed for the curious; benchmarks
    /// proper live in Benchmarks/.
    func testOneMebibyteMatchesAnotherImplementation() {
        let input = [UInt8](repeating: 0x5A, count: 1 << 20)
        let clock = ContinuousClock()
        var sha256: [UInt8] = []
        var sha512: [UInt8] = []
        let elapsed = clock.measure { sha256 = SHA256.hash(input) }
        let elapsed512 = clock.measure { sha512 = SHA512.hash(input) }
        XCTAssertEqual(hex(sha256), "bf63d8a95fcc2e64619813aae35fdcbe871fdd9264caa3f365eb3aed0f679129")
        XCTAssertEqual(
            hex(sha512),
            "a0f02e97c9d448952f95cd37813cf9eed42b99c2cf6f29413eabaf6c29bc8a68"
                + "b25d3eac8c83491d4fd3bc230cccaf7d3814a5de770c71839cd07e79d224394c")
        print("SHA-256 1 MiB: \(elapsed), SHA-512 1 MiB: \(elapsed512)")
    }
}
