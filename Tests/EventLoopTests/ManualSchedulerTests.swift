import XCTest

@testable import EventLoop

final class ManualSchedulerTests: XCTestCase {
    func testCallbacksFireInDeadlineOrderWithTiesInSchedulingOrder() {
        let scheduler = ManualScheduler()
        var fired: [String] = []
        let handles = [
            scheduler.schedule(after: .seconds(3)) { fired.append("c") },
            scheduler.schedule(after: .seconds(1)) { fired.append("a") },
            scheduler.schedule(after: .seconds(2)) { fired.append("b1") },
            scheduler.schedule(after: .seconds(2)) { fired.append("b2") },
        ]
        scheduler.advance(by: .milliseconds(999))
        XCTAssertEqual(fired, [])
        scheduler.advance(by: .seconds(5))
        XCTAssertEqual(fired, ["a", "b1", "b2", "c"])
        XCTAssertEqual(scheduler.pendingCount, 0)
        withExtendedLifetime(handles) {}
    }

    func testNowIsTheDeadlineInsideACallbackAndTheTargetAfterwards() {
        let scheduler = ManualScheduler()
        let start = scheduler.now
        var seen: Instant?
        let handle = scheduler.schedule(after: .seconds(2)) { seen = scheduler.now }
        scheduler.advance(by: .seconds(10))
        XCTAssertEqual(seen, start + .seconds(2))
        XCTAssertEqual(scheduler.now, start + .seconds(10))
        withExtendedLifetime(handle) {}
    }

    func testCallbacksScheduledDuringAdvanceFireWhenInsideTheWindow() {
        let scheduler = ManualScheduler()
        var fired: [String] = []
        var inner: [Cancellable] = []
        let outer = scheduler.schedule(after: .seconds(1)) {
            inner.append(scheduler.schedule(after: .seconds(1)) { fired.append("inside") })
            inner.append(scheduler.schedule(after: .seconds(10)) { fired.append("outside") })
            inner.append(scheduler.schedule(after: .zero) { fired.append("immediate") })
            fired.append("outer")
        }
        scheduler.advance(by: .seconds(5))
        XCTAssertEqual(fired, ["outer", "immediate", "inside"])
        XCTAssertEqual(scheduler.pendingCount, 1)
        XCTAssertEqual(scheduler.nextDeadline, scheduler.now + .seconds(6))  // 1 s + 10 s from the start
        withExtendedLifetime((outer, inner)) {}
    }

    func testCancelledAndReleasedTimersDoNotFire() {
        let scheduler = ManualScheduler()
        var fired: [String] = []
        let cancelled = scheduler.schedule(after: .seconds(1)) { fired.append("cancelled") }
        var released: Cancellable? = scheduler.schedule(after: .seconds(1)) { fired.append("released") }
        let kept = scheduler.schedule(after: .seconds(1)) { fired.append("kept") }
        cancelled.cancel()
        released = nil
        XCTAssertNil(released)
        XCTAssertEqual(scheduler.pendingCount, 1)
        scheduler.advance(by: .seconds(2))
        XCTAssertEqual(fired, ["kept"])
        withExtendedLifetime(kept) {}
    }

    func testZeroDelayNeverRunsInsideSchedule() {
        let scheduler = ManualScheduler()
        var fired = false
        let handle = scheduler.schedule(after: .zero) { fired = true }
        XCTAssertFalse(fired)
        scheduler.runDue()
        XCTAssertTrue(fired)
        withExtendedLifetime(handle) {}
    }

    func testRepeatingTimerFiresEveryIntervalUntilCancelledFromItsCallback() {
        let scheduler = ManualScheduler()
        var ticks: [Int64] = []
        let start = scheduler.now
        var handle: Cancellable?
        handle = scheduler.scheduleRepeating(every: .seconds(2)) {
            ticks.append((scheduler.now - start).clampedNanoseconds / 1_000_000_000)
            if ticks.count == 3 { handle?.cancel() }
        }
        scheduler.advance(by: .seconds(5))
        XCTAssertEqual(ticks, [2, 4])
        scheduler.advance(by: .seconds(100))
        XCTAssertEqual(ticks, [2, 4, 6])
        XCTAssertEqual(scheduler.pendingCount, 0)
    }

    func testWallClockFollowsMonotonicTimeAndCanJump() {
        let scheduler = ManualScheduler(unixSeconds: 1_800_000_000)
        scheduler.advance(by: .milliseconds(2500))
        XCTAssertEqual(scheduler.unixSeconds, 1_800_000_002)
        let before = scheduler.now
        scheduler.setUnixSeconds(1_000)
        XCTAssertEqual(scheduler.unixSeconds, 1_000)
        XCTAssertEqual(scheduler.now, before)
        scheduler.advance(by: .seconds(60))
        XCTAssertEqual(scheduler.unixSeconds, 1_060)
    }

    func testManyTimersStayOrdered() {
        let scheduler = ManualScheduler()
        var fired: [Int] = []
        var handles: [Cancellable] = []
        for index in 0..<2000 {
            let delay = Duration.milliseconds((index * 7919) % 2000)
            handles.append(scheduler.schedule(after: delay) { fired.append(index) })
        }
        for index in stride(from: 0, to: 2000, by: 2) { handles[index].cancel() }
        scheduler.advance(by: .seconds(3))
        let deadlines = fired.map { ($0 * 7919) % 2000 }
        XCTAssertEqual(fired.count, 1000)
        XCTAssertEqual(deadlines, deadlines.sorted())
        XCTAssertTrue(fired.allSatisfy { $0 % 2 == 1 })
    }

    func testSchedulerWorksThroughTheProtocol() {
        let scheduler = ManualScheduler()
        let generic: any Scheduler = scheduler
        var fired = false
        let handle = generic.schedule(after: .seconds(30)) { fired = true }
        scheduler.advance(by: .seconds(30))
        XCTAssertTrue(fired)
        withExtendedLifetime(handle) {}
    }
}
