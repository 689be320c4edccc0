import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

final class FileWatchTests: XCTestCase {
    func testReadReadinessFiresWhenDataArrives() {
        let loop = Loop()
        let (left, right) = makeSocketPair()
        defer {
            close(left)
            close(right)
        }
        var received: [UInt8] = []
        let watch = loop.watch(fileDescriptor: left, interest: .read) { events in
            XCTAssertEqual(events, .read)
            received += readAvailable(left)
            loop.stop()
        }
        XCTAssertEqual(write(right, "ping", 4), 4)
        loop.runForTest()
        XCTAssertEqual(received, Array("ping".utf8))
        withExtendedLifetime(watch) {}
    }

    func testInterestCanBePausedAndResumed() {
        let loop = Loop()
        let (left, right) = makeSocketPair()
        defer {
            close(left)
            close(right)
        }
        var calls: [IOEvents] = []
        let watch = loop.watch(fileDescriptor: left, interest: []) { events in
            calls.append(events)
            _ = readAvailable(left)
            loop.stop()
        }
        XCTAssertEqual(write(right, "x", 1), 1)
        loop.runOnce(blocking: false)
        XCTAssertEqual(calls, [], "no interest, no callback")
        watch.interest = .read
        loop.runForTest()
        XCTAssertEqual(calls, [.read])
    }

    func testWriteInterestFiresOnAWritableSocketAndCanBeSwitchedOff() {
        let loop = Loop()
        let (left, right) = makeSocketPair()
        defer {
            close(left)
            close(right)
        }
        var writeCalls = 0
        var watch: FileWatch?
        watch = loop.watch(fileDescriptor: left, interest: [.read, .write]) { events in
            XCTAssertEqual(events, .write)
            writeCalls += 1
            watch?.interest.remove(.write)
        }
        loop.runOnce(blocking: false)
        loop.runOnce(blocking: false)
        XCTAssertEqual(writeCalls, 1)
        XCTAssertEqual(watch?.interest, .read)
    }

    func testCancelledWatchStaysSilent() {
        let loop = Loop()
        let (left, right) = makeSocketPair()
        defer {
            close(left)
            close(right)
        }
        let watch = loop.watch(fileDescriptor: left, interest: .write) { _ in XCTFail("cancelled") }
        watch.cancel()
        watch.interest = [.read, .write]  // ignored after cancel
        loop.run()  // returns: no events left
    }
}
