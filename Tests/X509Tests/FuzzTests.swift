import XCTest

@testable import X509

/// The parser must throw, never trap, on any input: every prefix of real certificates and many
/// random mutations of them.
final class FuzzTests: XCTestCase {
    func testEveryPrefixFailsCleanly() throws {
        for name in ["leaf-xmpp", "self-signed", "ca"] {
            let der = try Fixtures.der(name)
            for length in 0..<der.count {
                XCTAssertThrowsError(try Certificate(der: Array(der[..<length])), "\(name) prefix \(length)")
            }
            XCTAssertNoThrow(try Certificate(der: der))
        }
    }

    func testRandomMutationsNeverTrap() throws {
        var generator = SplitMix64(seed: 0x5EED)
        var parsedCount = 0
        for name in ["leaf-xmpp", "dane-leaf-named", "leaf-via-intermediate"] {
            let der = try Fixtures.der(name)
            for _ in 0..<3_000 {
                var mutated = der
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let position = Int(generator.next() % UInt64(mutated.count))
                    switch generator.next() % 4 {
                    case 0: mutated[position] = UInt8(truncatingIfNeeded: generator.next())
                    case 1: mutated[position] ^= 1 << UInt8(generator.next() % 8)
                    case 2: mutated.remove(at: position)
                    default: mutated.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                    }
                }
                if let certificate = try? Certificate(der: mutated) {
                    parsedCount += 1
                    _ = certificate.namesSummary
                    _ = certificate.subject.summary
                }
                _ = try? PEMBlock.parseAll(String(decoding: mutated, as: UTF8.self))
            }
        }
        // Some mutations land in signature bytes and still parse; most must not.
        XCTAssertGreaterThan(parsedCount, 0)
        XCTAssertLessThan(parsedCount, 9_000)
    }

    func testRandomBytesNeverTrap() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<5_000 {
            let count = Int(generator.next() % 64)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if !bytes.isEmpty { bytes[0] = 0x30 }
            XCTAssertThrowsError(try Certificate(der: bytes))
        }
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
