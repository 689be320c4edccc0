#if canImport(Glibc)
    import Glibc
#endif

/// One outgoing non-blocking TCP connect. `completion` runs exactly once, on a later loop turn:
/// with the connection, or with an error (refused, unreachable, timed out) — unless the attempt is
/// cancelled or released first, which also closes the half-open socket.
public final class TCPConnector: Cancellable {
    public let address: SocketAddress

    private let loop: Loop
    private var fd: Int32 = -1
    private var watch: FileWatch?
    private var timer: Cancellable?
    private var completion: ((Result<TCPConnection, SocketError>) -> Void)?
    private let timeout: Duration

    /// `timers` runs the timeout (defaults to the loop; tests pass a `ManualScheduler`).
    public init(
        loop: Loop,
        to address: SocketAddress,
        timeout: Duration,
        timers: Scheduler? = nil,
        _ completion: @escaping (Result<TCPConnection, SocketError>) -> Void
    ) {
        self.loop = loop
        self.address = address
        self.timeout = timeout
        self.completion = completion
        let fd = Posix.newStreamSocket(family: address.family)
        guard fd >= 0 else {
            failSoon(Posix.lastError)
            return
        }
        self.fd = fd
        let failure = address.withSockaddr { connect(fd, $0, $1) == 0 ? 0 : Posix.lastError }
        if failure != 0 && failure != EINPROGRESS {
            failSoon(failure)
            return
        }
        // Writable means the handshake finished, either way; SO_ERROR tells which.
        watch = loop.watch(fileDescriptor: fd, interest: .write) { [unowned self] _ in
            self.finish(Posix.pendingError(self.fd))
        }
        timer = (timers ?? loop).schedule(after: timeout) { [unowned self] in
            self.complete(.failure(SocketError.timedOut("cannot connect to \(self.address)", after: self.timeout)))
        }
    }

    deinit {
        watch = nil  // the event goes before the descriptor it watches
        if fd >= 0 { Posix.close(fd) }
    }

    public func cancel() {
        completion = nil
        watch = nil
        timer = nil
        if fd >= 0 { Posix.close(fd) }
        fd = -1
    }

    private func finish(_ error: Int32) {
        guard error == 0 else { return complete(.failure(connectError(error))) }
        let connection = TCPConnection(loop: loop, fileDescriptor: fd, peerAddress: address)
        watch = nil
        fd = -1  // now the connection's
        complete(.success(connection))
    }

    private func failSoon(_ error: Int32) {
        let failure = connectError(error)
        timer = loop.schedule(after: .zero) { [unowned self] in self.complete(.failure(failure)) }
    }

    private func complete(_ result: Result<TCPConnection, SocketError>) {
        let completion = self.completion
        cancel()
        completion?(result)
    }

    private func connectError(_ code: Int32) -> SocketError {
        SocketError.system(code, "cannot connect to \(address)")
    }
}
