import XCTest

@testable import relay_load

/// The pure helpers behind `relay-load --rate` and `--server prosody` (Scripts/compare's latency
/// percentiles and its check that Prosody authenticated every link by certificate).
final class LatencyFiguresTests: XCTestCase {
    func testAnIDCarriesItsSendTime() {
        let id = LatencyID.make(sequence: 7, sentAt: 123_456_789)
        XCTAssertEqual(id, "L123456789-7")
        XCTAssertEqual(LatencyID.sendTime(id), 123_456_789)
    }

    func testOtherIDsCarryNoTime() {
        XCTAssertNil(LatencyID.sendTime("42"))
        XCTAssertNil(LatencyID.sendTime("Lx-1"))
        XCTAssertNil(LatencyID.sendTime("L12"))
        XCTAssertNil(LatencyID.sendTime(""))
    }

    func testPercentilesAreNearestRank() {
        let sample = Percentiles((1...100).reversed().map { Int64($0) })
        XCTAssertEqual(sample.count, 100)
        XCTAssertEqual(sample.value(50), 50)
        XCTAssertEqual(sample.value(99), 99)
        XCTAssertEqual(sample.value(100), 100)
        XCTAssertEqual(sample.value(0), 1)
        XCTAssertEqual(Percentiles([9, 1, 5]).value(50), 5)
        XCTAssertEqual(Percentiles([5]).value(99), 5)
        XCTAssertNil(Percentiles([]).value(50))
    }

    func testProsodyAuthenticationsCountExternalAndDialback() {
        let log = """
            Dec 03 18:58:09 sink.load.test:saslauth	info	Accepting SASL EXTERNAL identity from peer1.load.test
            Dec 03 18:58:09 s2sin5651d50caa90	info	Incoming s2s connection peer1.load.test->sink.load.test complete
            Dec 03 18:58:09 sink.load.test:saslauth	info	Accepting SASL EXTERNAL identity from peer2.load.test
            Dec 03 18:58:10 s2sin5651d50c6730	info	Sending dialback key to peer3.load.test
            """
        let counted = ProsodyBed.authentications(in: log)
        XCTAssertEqual(counted.external, 2)
        XCTAssertEqual(counted.dialback, 1)
    }
}
