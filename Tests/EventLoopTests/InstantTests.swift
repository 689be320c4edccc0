import XCTest

@testable import EventLoop

final class InstantTests: XCTestCase {
    func testArithmeticWithDurations() {
        let start = Instant(nanoseconds: 1_000)
        XCTAssertEqual((start + .milliseconds(2)).nanoseconds, 2_001_000)
        XCTAssertEqual((start - .microseconds(1)).nanoseconds, 0)
        XCTAssertEqual((start + .seconds(3)) - start, .seconds(3))
        XCTAssertEqual(start - (start + .seconds(1)), .seconds(-1))
        XCTAssertLessThan(start, start + .nanoseconds(1))
    }

    func testHugeDurationsClampInsteadOfTrapping() {
        let late = Instant(nanoseconds: .max - 5) + .seconds(Int64.max)
        XCTAssertEqual(late.nanoseconds, .max)
        XCTAssertEqual(Duration.seconds(Int64.max).clampedNanoseconds, .max)
        XCTAssertEqual(Duration.seconds(-Int64.max).clampedNanoseconds, .min)
        XCTAssertEqual(Duration.milliseconds(1500).clampedNanoseconds, 1_500_000_000)
    }

    func testSystemClockIsMonotonicAndCalendarTimeIsPlausible() {
        let clock = SystemClock()
        let first = clock.now
        XCTAssertLessThanOrEqual(first, clock.now)
        XCTAssertGreaterThan(clock.unixSeconds, 1_700_000_000)  // after Nov 2023
    }

    /// Client code writes plain `Clock`: ours shadows the standard library's protocol of that name.
    func testClockNameResolvesToTheRelayClock() {
        func elapsed(on clock: any Clock, since start: Instant) -> Duration { clock.now - start }
        let manual = ManualScheduler()
        let start = manual.now
        manual.advance(by: .seconds(4))
        XCTAssertEqual(elapsed(on: manual, since: start), .seconds(4))
    }

    func testTimevalRoundsUpToWholeMicroseconds() {
        let value = LibeventEvent.timeval(from: .nanoseconds(1_500_001))
        XCTAssertEqual(value.tv_sec, 0)
        XCTAssertEqual(value.tv_usec, 1501)
        XCTAssertEqual(LibeventEvent.timeval(from: .seconds(-3)).tv_sec, 0)
        XCTAssertEqual(LibeventEvent.timeval(from: .seconds(7)).tv_sec, 7)
    }
}
