import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

extension Loop {
    /// Runs until a callback calls `stop()`; fails the test (instead of hanging) after `limit`.
    func runForTest(limit: Duration = .seconds(10), file: StaticString = #filePath, line: UInt = #line) {
        var timedOut = false
        let safety = schedule(after: limit) {
            timedOut = true
            self.stop()
        }
        run()
        withExtendedLifetime(safety) {}
        XCTAssertFalse(timedOut, "the loop was not stopped within \(limit)", file: file, line: line)
    }
}

/// A connected AF_UNIX stream pair, both ends non-blocking; closed by the test.
func makeSocketPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    precondition(socketpair(AF_UNIX, flags, 0, &fds) == 0, "socketpair failed")
    return (fds[0], fds[1])
}

/// Reads everything available now from a non-blocking descriptor.
func readAvailable(_ fd: Int32) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { return result }
        result += chunk[0..<count]
    }
}

let loopbackV4 = try! SocketAddress(parsing: "127.0.0.1:0")
