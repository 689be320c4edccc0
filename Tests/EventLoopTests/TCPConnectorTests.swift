import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

final class TCPConnectorTests: XCTestCase {
    /// A listener nobody accepts from, with backlog 0: once one connection waits in its queue the
    /// kernel drops further SYNs, so a second connect hangs until its timeout.
    private func makeFullListener() -> (fd: Int32, address: SocketAddress) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = loopbackV4.withSockaddr { bind(fd, $0, $1) }
        listen(fd, 0)
        return (fd, Posix.localAddress(fd)!)
    }

    func testConnectTimeoutIsDrivenByTheInjectedScheduler() {
        let loop = Loop()
        let manual = ManualScheduler()
        let (listenerFD, address) = makeFullListener()
        defer { close(listenerFD) }

        var first: TCPConnection?
        let filler = TCPConnector(loop: loop, to: address, timeout: .seconds(5)) { result in
            first = try? result.get()
            loop.stop()
        }
        loop.runForTest()
        XCTAssertNotNil(first, "the first connection fills the queue")

        var outcome: Result<TCPConnection, SocketError>?
        let hanging = TCPConnector(loop: loop, to: address, timeout: .seconds(10), timers: manual) { outcome = $0 }
        for _ in 0..<5 { loop.runOnce(blocking: false) }
        XCTAssertNil(outcome)
        manual.advance(by: .seconds(9))
        XCTAssertNil(outcome)
        manual.advance(by: .seconds(1))
        guard case .failure(let error) = outcome else {
            return XCTFail("expected a timeout, got \(String(describing: outcome))")
        }
        XCTAssertEqual(error.code, .timedOut)
        XCTAssertEqual(
            error.message, "cannot connect to \(address): no answer within 10 s (peer down or a firewall drops packets)"
        )
        XCTAssertEqual(manual.pendingCount, 0)
        withExtendedLifetime((filler, hanging)) {}
    }

    func testConnectTimeoutOnTheRealLoop() {
        let loop = Loop()
        let (listenerFD, address) = makeFullListener()
        defer { close(listenerFD) }
        var first: TCPConnection?
        let filler = TCPConnector(loop: loop, to: address, timeout: .seconds(5)) { result in
            first = try? result.get()
            loop.stop()
        }
        loop.runForTest()
        XCTAssertNotNil(first)
        var failure: SocketError?
        let hanging = TCPConnector(loop: loop, to: address, timeout: .milliseconds(20)) { result in
            if case .failure(let error) = result { failure = error }
            loop.stop()
        }
        loop.runForTest()
        XCTAssertEqual(failure?.code, .timedOut)
        XCTAssertTrue(failure?.message.contains("no answer within 20 ms") ?? false, "\(String(describing: failure))")
        withExtendedLifetime((filler, hanging)) {}
    }

    func testCancelledConnectNeverCompletes() throws {
        let loop = Loop()
        var accepted: [TCPConnection] = []
        let listener = try TCPListener(loop: loop, address: loopbackV4) { accepted.append($0) }
        let connector = TCPConnector(loop: loop, to: listener.localAddress, timeout: .seconds(5)) { _ in
            XCTFail("cancelled")
        }
        connector.cancel()
        for _ in 0..<10 { loop.runOnce(blocking: false) }
        withExtendedLifetime(listener) {}
    }

    func testImmediateFailureIsStillReportedOnALaterTurn() {
        let loop = Loop()
        // Port 0 cannot be connected to: connect fails at once, the callback still comes later.
        var failure: SocketError?
        let connector = TCPConnector(loop: loop, to: loopbackV4, timeout: .seconds(5)) { result in
            if case .failure(let error) = result { failure = error }
            loop.stop()
        }
        XCTAssertNil(failure)
        loop.runForTest()
        XCTAssertNotNil(failure)
        XCTAssertTrue(
            failure?.message.hasPrefix("cannot connect to 127.0.0.1:0: ") ?? false, "\(String(describing: failure))")
        withExtendedLifetime(connector) {}
    }
}
