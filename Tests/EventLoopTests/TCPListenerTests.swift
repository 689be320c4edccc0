import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

final class TCPListenerTests: XCTestCase {
    func testListenerAcceptsAndEchoes() throws {
        try assertEcho(on: loopbackV4, expectedPeerPrefix: "127.0.0.1:")
    }

    func testIPv6LoopbackEchoAndPeerText() throws {
        do {
            try assertEcho(on: try SocketAddress(parsing: "[::1]:0"), expectedPeerPrefix: "[::1]:")
        } catch let error as SocketError where error.code == .addressNotAvailable {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
    }

    private func assertEcho(on address: SocketAddress, expectedPeerPrefix: String) throws {
        let loop = Loop()
        var accepted: [TCPConnection] = []
        let listener = try TCPListener(loop: loop, address: address) { connection in
            connection.onRead = { bytes in connection.write(bytes) }
            connection.onEndOfInput = { connection.close() }
            accepted.append(connection)
        }
        XCTAssertNotEqual(listener.localAddress.port, 0, "port 0 became a real port")
        var client: TCPConnection?
        var echoed: [UInt8] = []
        let connector = TCPConnector(loop: loop, to: listener.localAddress, timeout: .seconds(5)) { result in
            guard case .success(let connection) = result else { return XCTFail("connect failed: \(result)") }
            client = connection
            connection.onRead = { bytes in
                echoed += bytes
                if echoed.count == 11 { loop.stop() }
            }
            connection.write("hello world".utf8)
        }
        loop.runForTest()
        XCTAssertEqual(String(decoding: echoed, as: UTF8.self), "hello world")
        XCTAssertEqual(accepted.count, 1)
        XCTAssertEqual(client?.peerAddress, listener.localAddress)
        XCTAssertTrue(accepted[0].peerAddress.description.hasPrefix(expectedPeerPrefix))
        XCTAssertEqual(accepted[0].peerAddress, client?.localAddress)
        withExtendedLifetime(connector) {}
    }

    func testSecondListenerOnTheSamePortReportsAddressInUse() throws {
        let loop = Loop()
        let first = try TCPListener(loop: loop, address: loopbackV4) { _ in }
        XCTAssertThrowsError(try TCPListener(loop: loop, address: first.localAddress) { _ in }) { error in
            let error = error as! SocketError
            XCTAssertEqual(error.code, .addressInUse)
            XCTAssertEqual(error.errno, EADDRINUSE)
            XCTAssertTrue(error.message.contains("cannot listen on \(first.localAddress)"), error.message)
            XCTAssertTrue(error.message.contains("choose another port"), error.message)
        }
    }

    func testAddressNotOnThisMachineIsReportedClearly() throws {
        let loop = Loop()
        // TEST-NET-1 is never a local address; bind fails locally without sending anything.
        XCTAssertThrowsError(try TCPListener(loop: loop, address: try SocketAddress(parsing: "192.0.2.1:0")) { _ in }) {
            error in
            XCTAssertEqual((error as! SocketError).code, .addressNotAvailable)
            XCTAssertTrue("\(error)".contains("no local interface has this address"), "\(error)")
        }
    }

    func testPrivilegedPortNeedsPermission() throws {
        guard geteuid() != 0 else { throw XCTSkip("running as root: binding port 1 is allowed") }
        let loop = Loop()
        XCTAssertThrowsError(try TCPListener(loop: loop, address: try SocketAddress(parsing: "127.0.0.1:1")) { _ in }) {
            error in
            XCTAssertEqual((error as! SocketError).code, .permissionDenied)
            XCTAssertTrue("\(error)".contains("CAP_NET_BIND_SERVICE"), "\(error)")
        }
    }

    func testOutOfDescriptorsPausesAcceptingThenRecovers() throws {
        let loop = Loop()
        let manual = ManualScheduler()
        var accepted: [TCPConnection] = []
        var acceptErrors: [SocketError] = []
        let listener = try TCPListener(loop: loop, address: loopbackV4, timers: manual) {
            accepted.append($0)
            loop.stop()
        }
        listener.onAcceptError = {
            acceptErrors.append($0)
            loop.stop()
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        // Every descriptor below the lowest free one is in use: a soft limit there makes accept fail.
        let lowestFree = dup(0)
        close(lowestFree)
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
        var lowered = saved
        lowered.rlim_cur = rlim_t(lowestFree)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered), 0)
        let connected = listener.localAddress.withSockaddr { connect(client, $0, $1) }
        loop.runForTest()
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
        XCTAssertEqual(connected, 0)
        XCTAssertEqual(acceptErrors.map(\.code), [.tooManyOpenFiles])
        XCTAssertTrue(acceptErrors.first?.message.contains("LimitNOFILE") ?? false, "\(acceptErrors)")
        XCTAssertEqual(accepted.count, 0)

        // Paused: the waiting connection is not retried (no busy loop) until the pause ends.
        loop.runOnce(blocking: false)
        XCTAssertEqual(acceptErrors.count, 1)
        XCTAssertEqual(accepted.count, 0)
        manual.advance(by: .seconds(1))
        loop.runForTest()
        XCTAssertEqual(accepted.count, 1)
    }

    func testClosedListenerRefusesConnections() throws {
        let loop = Loop()
        let listener = try TCPListener(loop: loop, address: loopbackV4) { _ in XCTFail("closed") }
        let address = listener.localAddress
        listener.close()
        var failure: SocketError?
        let connector = TCPConnector(loop: loop, to: address, timeout: .seconds(5)) { result in
            if case .failure(let error) = result { failure = error }
            loop.stop()
        }
        loop.runForTest()
        XCTAssertEqual(failure?.code, .connectionRefused)
        XCTAssertEqual(failure?.errno, ECONNREFUSED)
        XCTAssertTrue(
            failure?.message.contains("cannot connect to \(address)") ?? false, "\(String(describing: failure))")
        withExtendedLifetime(connector) {}
    }
}
