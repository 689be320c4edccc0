import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

final class SignalWatchTests: XCTestCase {
    func testRaisedSIGHUPReachesTheCallbackOnTheLoop() {
        let loop = Loop()
        var received: [Int32] = []
        let watch = loop.watchSignal(SIGHUP) {
            received.append(SIGHUP)
            loop.stop()
        }
        raise(SIGHUP)
        XCTAssertEqual(received, [], "delivered on the loop, not in signal context")
        loop.runForTest()
        XCTAssertEqual(received, [SIGHUP])
        withExtendedLifetime(watch) {}
    }

    func testSIGTERMAndSIGINTFromKillReachTheirOwnCallbacks() {
        let loop = Loop()
        var received: [String] = []
        let term = loop.watchSignal(SIGTERM) {
            received.append("TERM")
            loop.stop()
        }
        let interrupt = loop.watchSignal(SIGINT) {
            received.append("INT")
            loop.stop()
        }
        kill(getpid(), SIGTERM)
        loop.runForTest()
        kill(getpid(), SIGINT)
        loop.runForTest()
        XCTAssertEqual(received, ["TERM", "INT"])
        XCTAssertEqual(term.signal, SIGTERM)
        withExtendedLifetime((term, interrupt)) {}
    }

    func testReleasingTheWatchRestoresThePreviousDisposition() {
        var previous = sigaction()
        sigaction(SIGUSR1, nil, &previous)
        let loop = Loop()
        var watch: SignalWatch? = loop.watchSignal(SIGUSR1) {}
        var during = sigaction()
        sigaction(SIGUSR1, nil, &during)
        XCTAssertNotEqual(
            unsafeBitCast(during.__sigaction_handler, to: Int.self),
            unsafeBitCast(previous.__sigaction_handler, to: Int.self))
        watch = nil
        XCTAssertNil(watch)
        var after = sigaction()
        sigaction(SIGUSR1, nil, &after)
        XCTAssertEqual(
            unsafeBitCast(after.__sigaction_handler, to: Int.self),
            unsafeBitCast(previous.__sigaction_handler, to: Int.self))
    }
}
