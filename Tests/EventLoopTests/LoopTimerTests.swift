import XCTest

@testable import EventLoop

final class LoopTimerTests: XCTestCase {
    func testTimersFireInDeadlineOrder() {
        let loop = Loop()
        var fired: [Int] = []
        let handles = [3, 1, 2].map { index in
            loop.schedule(after: .milliseconds(Int64(index))) {
                fired.append(index)
                if fired.count == 3 { loop.stop() }
            }
        }
        loop.runForTest()
        XCTAssertEqual(fired, [1, 2, 3])
        withExtendedLifetime(handles) {}
    }

    func testCancelledAndReleasedTimersDoNotFire() {
        let loop = Loop()
        var fired: [String] = []
        let cancelled = loop.schedule(after: .milliseconds(1)) { fired.append("cancelled") }
        var released: Cancellable? = loop.schedule(after: .milliseconds(1)) { fired.append("released") }
        let last = loop.schedule(after: .milliseconds(5)) {
            fired.append("last")
            loop.stop()
        }
        cancelled.cancel()
        released = nil
        XCTAssertNil(released)
        loop.runForTest()
        XCTAssertEqual(fired, ["last"])
        withExtendedLifetime(last) {}
    }

    func testRepeatingTimerRepeatsUntilCancelled() {
        let loop = Loop()
        var ticks = 0
        var timer: Cancellable?
        timer = loop.scheduleRepeating(every: .milliseconds(1)) {
            ticks += 1
            if ticks == 3 {
                timer = nil  // releasing the handle inside its own callback is allowed
                loop.stop()
            }
        }
        loop.runForTest()
        XCTAssertEqual(ticks, 3)
        XCTAssertNil(timer)
        // Nothing is left on the loop, so run() returns at once.
        loop.run()
        XCTAssertEqual(ticks, 3)
    }

    func testZeroDelayRunsOnTheNextTurnNotInsideSchedule() {
        let loop = Loop()
        var fired = false
        let timer = loop.schedule(after: .zero) { fired = true }
        XCTAssertFalse(fired)
        XCTAssertTrue((timer as! LoopTimer).isPending)
        loop.run()
        XCTAssertTrue(fired)
        XCTAssertFalse((timer as! LoopTimer).isPending)
    }

    func testLoopClockMovesForward() {
        let loop = Loop()
        let before = loop.now
        var after = before
        let timer = loop.schedule(after: .milliseconds(2)) { after = loop.now }
        loop.run()
        XCTAssertGreaterThanOrEqual(after - before, .milliseconds(2))
        XCTAssertGreaterThan(loop.unixSeconds, 1_700_000_000)
        withExtendedLifetime(timer) {}
    }

    func testStopEndsRunWhileEventsRemain() {
        let loop = Loop()
        let (left, right) = makeSocketPair()
        defer {
            close(left)
            close(right)
        }
        let idle = loop.watch(fileDescriptor: left, interest: .read) { _ in XCTFail("nothing was written") }
        let stopper = loop.schedule(after: .milliseconds(1)) { loop.stop() }
        loop.run()  // returns although `idle` is still pending
        withExtendedLifetime((idle, stopper)) {}
    }
}
