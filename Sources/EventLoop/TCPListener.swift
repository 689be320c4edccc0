internal import CEvent

#if canImport(Glibc)
    import Glibc
#endif

/// A listening TCP socket on the loop. Each accepted connection is handed to `onAccept` as a
/// non-blocking `TCPConnection` (accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC); keep it, or it closes.
public final class TCPListener {
    /// The bound address; with port 0 requested, the port the kernel chose.
    public let localAddress: SocketAddress
    /// Accepting failed for a reason that is not the peer's (out of descriptors or memory); the
    /// listener pauses for a second instead of spinning, then tries again.
    public var onAcceptError: ((SocketError) -> Void)?

    private let loop: Loop
    private let timers: Scheduler
    private var fd: Int32
    private var watch: FileWatch?
    private var resumeTimer: Cancellable?
    private let onAccept: (TCPConnection) -> Void
    private static var acceptsPerWakeup: Int { 32 }

    /// Binds (SO_REUSEADDR; `[::]` also takes IPv4) and listens on `address`. `timers` runs the
    /// pause after accept errors (defaults to the loop; tests pass a `ManualScheduler`).
    public init(
        loop: Loop,
        address: SocketAddress,
        backlog: Int32 = 128,
        timers: Scheduler? = nil,
        onAccept: @escaping (TCPConnection) -> Void
    ) throws(SocketError) {
        self.loop = loop
        self.timers = timers ?? loop
        self.onAccept = onAccept
        let fd = Posix.newStreamSocket(family: address.family)
        guard fd >= 0 else { throw SocketError.system(Posix.lastError, "cannot listen on \(address)") }
        Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if address.isIPv6 {
            // Explicit, whatever the sysctl says: "[::]" means every IPv4 and IPv6 address.
            Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, address.isUnspecified ? 0 : 1)
        }
        let bound = address.withSockaddr { bind(fd, $0, $1) } == 0
        guard bound, listen(fd, backlog) == 0 else {
            let error = SocketError.system(Posix.lastError, "cannot listen on \(address)")
            Posix.close(fd)
            throw error
        }
        self.fd = fd
        self.localAddress = Posix.localAddress(fd) ?? address
        watch = loop.watch(fileDescriptor: fd, interest: .read) { [unowned self] _ in
            self.acceptPending()
        }
    }

    deinit {
        watch = nil  // the event goes before the descriptor it watches
        if fd >= 0 { Posix.close(fd) }
    }

    /// Stops listening and closes the socket; accepted connections are not affected.
    public func close() {
        guard fd >= 0 else { return }
        watch = nil
        resumeTimer = nil
        Posix.close(fd)
        fd = -1
    }

    private func acceptPending() {
        // Bounded, so a connection flood cannot starve the links already up.
        for _ in 0..<TCPListener.acceptsPerWakeup {
            guard fd >= 0 else { return }
            var peer: SocketAddress?
            var accepted: Int32 = -1
            peer = SocketAddress.fromSystem { address, length in
                accepted = shim_accept_nonblocking(fd, address, length)
                return accepted >= 0
            }
            if accepted < 0 {
                let code = Posix.lastError
                if Posix.isWouldBlock(code) || code == ECONNABORTED || code == EPROTO { return }
                return pause(after: SocketError.system(code, "cannot accept on \(localAddress)"))
            }
            guard let peer else {
                Posix.close(accepted)  // not an IP peer: cannot happen on a TCP/IP listener
                continue
            }
            onAccept(TCPConnection(loop: loop, fileDescriptor: accepted, peerAddress: peer))
        }
    }

    private func pause(after error: SocketError) {
        watch?.interest = []
        resumeTimer = timers.schedule(after: .seconds(1)) { [weak self] in
            self?.watch?.interest = .read
        }
        onAcceptError?(error)
    }
}
