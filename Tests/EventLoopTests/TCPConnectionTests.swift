import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

final class TCPConnectionTests: XCTestCase {
    private let fakePeer = try! SocketAddress(parsing: "[::1]:5269")

    func testWriteQueuesWhatTheSocketRefusesAndReportsTheDrain() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        connection.write(payload)
        let queued = connection.pendingWriteByteCount
        XCTAssertGreaterThan(queued, 0, "a 4 MB write must fill the socketpair (EAGAIN) and queue the rest")
        XCTAssertLessThan(queued, payload.count)

        var received: [UInt8] = []
        var drains = 0
        connection.onDrained = { drains += 1 }
        let reader = loop.watch(fileDescriptor: remote, interest: .read) { _ in
            received += readAvailable(remote)
            if received.count == payload.count { loop.stop() }
        }
        loop.runForTest()
        XCTAssertEqual(drains, 1)
        XCTAssertEqual(connection.pendingWriteByteCount, 0)
        XCTAssertEqual(received, payload)
        withExtendedLifetime(reader) {}
    }

    func testLowWaterNotificationComesOnceWhenTheBacklogFallsToTheMark() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        let payload = [UInt8](repeating: 0x5A, count: 4 << 20)
        connection.write(payload)
        let queued = connection.pendingWriteByteCount
        let mark = queued / 2
        XCTAssertGreaterThan(mark, 64 * 1024, "the socketpair must refuse most of 4 MB")
        var pendingWhenNotified: [Int] = []
        connection.notifyWhenPending(atMost: mark) { pendingWhenNotified.append(connection.pendingWriteByteCount) }
        loop.runOnce(blocking: false)
        XCTAssertEqual(pendingWhenNotified, [], "nothing drained while the peer reads nothing")

        var received = 0
        let reader = loop.watch(fileDescriptor: remote, interest: .read) { _ in
            received += readAvailable(remote).count
            if received == payload.count { loop.stop() }
        }
        loop.runForTest()
        XCTAssertEqual(pendingWhenNotified.count, 1, "one notification per request")
        XCTAssertLessThanOrEqual(pendingWhenNotified.first ?? .max, mark)
        XCTAssertGreaterThan(pendingWhenNotified.first ?? 0, 0, "notified at the mark, before the full drain")

        // Already below the mark: reported on the next turn, not inside the call.
        var immediate = 0
        connection.notifyWhenPending(atMost: 0) { immediate += 1 }
        XCTAssertEqual(immediate, 0)
        loop.runOnce()
        XCTAssertEqual(immediate, 1)
        withExtendedLifetime(reader) {}
    }

    func testWritesKeepTheirOrderWhileQueued() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        var expected: [UInt8] = []
        for round in 0..<64 {
            let chunk = [UInt8](repeating: UInt8(round), count: 50_000)
            expected += chunk
            connection.write(chunk)
        }
        var received: [UInt8] = []
        let reader = loop.watch(fileDescriptor: remote, interest: .read) { _ in
            received += readAvailable(remote)
            if received.count == expected.count { loop.stop() }
        }
        loop.runForTest()
        XCTAssertEqual(received, expected)
        withExtendedLifetime(reader) {}
    }

    func testReadsArriveAndEndOfInputIsReported() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        var received: [UInt8] = []
        var ended = false
        connection.onRead = { received += $0 }
        connection.onEndOfInput = {
            ended = true
            loop.stop()
        }
        XCTAssertEqual(write(remote, "<stream/>", 9), 9)
        shutdown(remote, Int32(SHUT_WR))
        loop.runForTest()
        XCTAssertTrue(ended)
        XCTAssertEqual(String(decoding: received, as: UTF8.self), "<stream/>")
        // Output still works after the peer's FIN.
        connection.write("bye".utf8)
        XCTAssertEqual(readAvailable(remote), Array("bye".utf8))
    }

    func testPausedReadingTakesNoInputUntilResumed() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        var received: [UInt8] = []
        connection.onRead = {
            received += $0
            loop.stop()
        }
        connection.isReading = false
        XCTAssertEqual(write(remote, "x", 1), 1)
        loop.runOnce(blocking: false)
        XCTAssertEqual(received, [])
        connection.isReading = true
        loop.runForTest()
        XCTAssertEqual(received, Array("x".utf8))
    }

    func testShutdownOutputWaitsForQueuedBytesThenSendsFIN() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        let payload = [UInt8](repeating: 0x41, count: 2 << 20)
        connection.write(payload)
        XCTAssertGreaterThan(connection.pendingWriteByteCount, 0)
        connection.shutdownOutput()
        connection.write("ignored after shutdown".utf8)
        var received = 0
        let reader = loop.watch(fileDescriptor: remote, interest: .read) { _ in
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(remote, $0.baseAddress, $0.count) }
            if count > 0 { received += count }
            if count == 0 { loop.stop() }  // FIN after every queued byte
        }
        loop.runForTest()
        XCTAssertEqual(received, payload.count)
        withExtendedLifetime(reader) {}
    }

    func testResetByPeerIsReportedOnceAndCloses() throws {
        let loop = Loop()
        var server: TCPConnection?
        var failure: SocketError?
        let listener = try TCPListener(loop: loop, address: loopbackV4) { connection in
            server = connection
            connection.onError = {
                failure = $0
                loop.stop()
            }
        }
        // A plain blocking client that aborts the connection (SO_LINGER 0 makes close send RST).
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = listener.localAddress.withSockaddr { connect(client, $0, $1) }
        XCTAssertEqual(connected, 0)
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        let closer = loop.schedule(after: .milliseconds(1)) { close(client) }
        loop.runForTest()
        XCTAssertEqual(failure?.code, .connectionReset)
        XCTAssertTrue(
            failure?.message.contains("connection with 127.0.0.1:") ?? false, "\(String(describing: failure))")
        XCTAssertEqual(server?.isClosed, true)
        withExtendedLifetime((listener, closer)) {}
    }

    func testWriteToAResetPeerReportsTheErrorOnTheNextTurn() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        close(remote)
        var failure: SocketError?
        connection.onError = {
            failure = $0
            loop.stop()
        }
        connection.write("into the void".utf8)
        XCTAssertNil(failure, "not reported from inside write")
        XCTAssertTrue(connection.isClosed)
        loop.runForTest()
        XCTAssertEqual(failure?.code, .connectionReset)
        XCTAssertEqual(failure?.errno, EPIPE)
    }

    func testReleasingAConnectionClosesItsSocket() {
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        var connection: TCPConnection? = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: fakePeer)
        XCTAssertNotNil(connection)
        connection = nil
        var byte: UInt8 = 0
        XCTAssertEqual(read(remote, &byte, 1), 0, "the peer sees end of file")
    }
}
