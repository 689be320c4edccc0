#if canImport(Glibc)
    import Glibc
#endif

/// Thin helpers over the C library calls the socket types share; names are qualified because the
/// socket classes have methods called `close` and `write` of their own.
enum Posix {
    static var lastError: Int32 { Glibc.errno }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func isWouldBlock(_ code: Int32) -> Bool {
        code == EAGAIN || code == EWOULDBLOCK || code == EINTR
    }

    @discardableResult
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// The pending error of a socket (SO_ERROR), e.g. the outcome of a non-blocking connect.
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 { return lastError }
        return value
    }

    static func localAddress(_ fd: Int32) -> SocketAddress? {
        SocketAddress.fromSystem { getsockname(fd, $0, $1) == 0 }
    }

    static func peerAddress(_ fd: Int32) -> SocketAddress? {
        SocketAddress.fromSystem { getpeername(fd, $0, $1) == 0 }
    }

    static func newStreamSocket(family: Int32) -> Int32 {
        socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }
}
