import XCTest

@testable import DNS

final class SRVOrderingTests: XCTestCase {
    func record(_ priority: UInt16, _ weight: UInt16, _ host: String, directTLS: Bool = false) -> ServiceRecord {
        ServiceRecord(
            record: SRVRecord(
                priority: priority, weight: weight, port: directTLS ? 5270 : 5269,
                target: DomainName(labels: [Array(host.utf8), Array("example".utf8)])),
            directTLS: directTLS, status: .secure)
    }

    func testPrioritiesAscendAndDirectTLSMixesIn() {
        var random = SeededGenerator(seed: 3)
        let ordered = SRVOrdering.order(
            [record(20, 0, "late"), record(5, 0, "tls", directTLS: true), record(10, 0, "plain")], using: &random)
        XCTAssertEqual(ordered.map(\.record.target.hostName), ["tls.example", "plain.example", "late.example"])
        XCTAssertEqual(ordered.map(\.directTLS), [true, false, false])
    }

    func testWeightedSelectionOverManyDraws() {
        var random = SeededGenerator(seed: 99)
        let records = [record(1, 0, "zero"), record(1, 75, "heavy"), record(1, 25, "light")]
        var firsts: [String: Int] = [:]
        let draws = 20_000
        for _ in 0..<draws {
            let ordered = SRVOrdering.order(records, using: &random)
            XCTAssertEqual(ordered.count, 3)
            firsts[ordered[0].record.target.hostName, default: 0] += 1
        }
        // RFC 2782: draw 0...100; weight 0 wins only on 0 (1/101), heavy on 1...75, light on 76...100.
        XCTAssertEqual(Double(firsts["heavy.example", default: 0]) / Double(draws), 75.0 / 101, accuracy: 0.015)
        XCTAssertEqual(Double(firsts["light.example", default: 0]) / Double(draws), 25.0 / 101, accuracy: 0.015)
        XCTAssertEqual(Double(firsts["zero.example", default: 0]) / Double(draws), 1.0 / 101, accuracy: 0.005)
    }

    func testSameSeedSameOrder() {
        let records = (0..<8).map { record(1, UInt16($0 * 10), "h\($0)") }
        var first = SeededGenerator(seed: 5)
        var second = SeededGenerator(seed: 5)
        XCTAssertEqual(SRVOrdering.order(records, using: &first), SRVOrdering.order(records, using: &second))
    }
}
