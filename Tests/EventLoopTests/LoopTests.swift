import XCTest

@testable import EventLoop

final class LoopTests: XCTestCase {
    /// With nothing watched or scheduled, `run` returns at once instead of blocking forever.
    func testLoopWithNothingToDoReturns() {
        let elapsed = ContinuousClock().measure { Loop().run() }
        XCTAssertLessThan(elapsed, .seconds(1))
    }

    /// Every handle holds its loop, so the base is freed only after the last event: no event can
    /// outlive the base it points into, whatever order owners drop things in at shutdown.
    func testHandlesKeepTheLoopAliveUntilTheyAreReleased() {
        weak var weakLoop: Loop?
        var timer: Cancellable?
        var signal: SignalWatch?
        do {
            let loop = Loop()
            weakLoop = loop
            timer = loop.schedule(after: .seconds(60)) { XCTFail("never runs") }
            signal = loop.watchSignal(SIGUSR2) {}
        }
        XCTAssertNotNil(weakLoop)
        timer = nil
        XCTAssertNotNil(weakLoop, "the signal watch still holds it")
        signal = nil
        XCTAssertNil(weakLoop, "freed right after its last event")
        XCTAssertNil(timer)
        XCTAssertNil(signal)
    }

    func testStopBeforeRunDoesNotLeakIntoTheNextRun() {
        let loop = Loop()
        loop.stop()
        var fired = false
        let timer = loop.schedule(after: .milliseconds(1)) { fired = true }
        loop.run()
        XCTAssertTrue(fired)
        withExtendedLifetime(timer) {}
    }
}
