import EventLoop
import RelayLog
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The running relay's control socket, `<state_dir>/control.sock`: a Unix stream socket only the
/// relay's user may open (mode 0600 in the 0700 state directory), through which the `queue` tools
/// read and change the queue, so only the relay writes its store. Served on the event loop: one
/// request line per connection (`QueueWire`), at most `maxRequestBytes`, answered by `operations`,
/// and every connection is closed after `deadline` whatever state it is in (a client that never
/// sends, or never reads, cannot hold a slot).
public final class QueueControlServer {
    public let path: String
    /// Who answers; the daemon passes a stub until the router keeps the queue.
    public var operations: any QueueOperations
    /// A request names at most a few hundred ids; anything longer is refused unread.
    public static let maxRequestBytes = 16 * 1024
    /// Connections served at once; more are closed at accept (the tools make one at a time).
    static let maxConnections = 8
    private let loop: Loop
    private let logger: Logger
    private let deadline: Duration
    private var listenDescriptor: Int32
    private var acceptWatch: FileWatch?
    private var connections: [ObjectIdentifier: ControlConnection] = [:]

    /// Binds and listens. The caller holds the `StoreLock`, so a socket file left there is a dead
    /// relay's and is replaced. Refuses (throws) when the socket cannot be made private.
    public init(
        stateDirectory: String, loop: Loop, logger: Logger, operations: any QueueOperations,
        deadline: Duration = .seconds(5)
    ) throws(StartFailure) {
        let path = StateDirectory.controlSocket(in: stateDirectory)
        guard let address = UnixSocketPath(path) else {
            throw StartFailure(
                "the control socket path \(path) is longer than a Unix socket allows (107 bytes): "
                    + "set [relay] state_dir to a shorter path")
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                throw StartFailure("\(path) exists and is not a socket: move it away (the relay makes it)")
            }
            unlink(path)
        }
        let fd = UnixSocketPath.newSocket(nonBlocking: true)
        guard fd >= 0 else { throw StartFailure("cannot make the control socket: \(String(cString: strerror(errno)))") }
        // Private from the first moment: the umask applies to bind's file, chmod and the check below
        // make sure (a file system that ignores modes makes the relay refuse to start).
        let oldMask = umask(0o177)
        let bound = address.withAddress { bind(fd, $0, $1) }
        let bindError = errno
        umask(oldMask)
        guard bound == 0 else {
            Glibc.close(fd)
            throw StartFailure("cannot bind the control socket \(path): \(String(cString: strerror(bindError)))")
        }
        guard chmod(path, 0o600) == 0, lstat(path, &info) == 0, info.st_mode & 0o077 == 0,
            info.st_uid == geteuid()
        else {
            Glibc.close(fd)
            unlink(path)
            throw StartFailure(
                "the control socket \(path) cannot be made private (mode 0600, owned by uid \(geteuid())): "
                    + "put [relay] state_dir on a local file system that keeps file modes")
        }
        guard listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            unlink(path)
            throw StartFailure("cannot listen on the control socket \(path): \(reason)")
        }
        self.path = path
        self.operations = operations
        self.loop = loop
        self.logger = logger
        self.deadline = deadline
        listenDescriptor = fd
        acceptWatch = loop.watch(fileDescriptor: fd, interest: .read) { [unowned self] _ in self.acceptAll() }
    }

    deinit { close() }

    /// Stops serving: closes every connection and removes the socket file (at relay stop).
    public func close() {
        guard listenDescriptor >= 0 else { return }
        acceptWatch?.cancel()
        acceptWatch = nil
        for connection in connections.values { connection.close() }
        connections = [:]
        Glibc.close(listenDescriptor)
        listenDescriptor = -1
        unlink(path)
    }

    /// Connections open now (tests watch a silent client's being closed).
    public var openConnections: Int { connections.count }

    private func acceptAll() {
        while listenDescriptor >= 0 {
            let fd = accept(listenDescriptor, nil, nil)
            guard fd >= 0 else { return }  // EAGAIN: all taken; other errors: the client is gone
            // accept4 is not visible to Swift without _GNU_SOURCE; the same flags, set after.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            guard connections.count < QueueControlServer.maxConnections else {
                Glibc.close(fd)
                continue
            }
            let connection = ControlConnection(descriptor: fd)
            let key = ObjectIdentifier(connection)
            connections[key] = connection
            connection.onClose = { [unowned self] in self.connections[key] = nil }
            connection.watch = loop.watch(fileDescriptor: fd, interest: .read) {
                [unowned self, unowned connection] events in
                if events.contains(.read) { self.read(connection) }
                if events.contains(.write) { connection.flush() }
            }
            connection.timer = loop.schedule(after: deadline) { [unowned connection] in connection.close() }
        }
    }

    private func read(_ connection: ControlConnection) {
        switch connection.readRequest(limit: QueueControlServer.maxRequestBytes) {
        case .waiting: return
        case .closed: connection.close()
        case .tooLong:
            connection.answer(
                QueueWire.encode(
                    QueueError(.badRequest, "request longer than \(QueueControlServer.maxRequestBytes) bytes refused")))
        case .line(let line):
            do {
                handle(try QueueWire.decodeRequest(line[...]), connection)
            } catch {
                connection.answer(QueueWire.encode(error))
            }
        }
    }

    private func handle(_ request: QueueWire.Request, _ connection: ControlConnection) {
        switch request {
        case .list(let domain):
            connection.answer(answer { () throws(QueueError) in try operations.list(domain: domain) })
        case .show(let id, let withStanza):
            connection.answer(answer { () throws(QueueError) in [try operations.show(id, withStanza: withStanza)] })
        case .flush(let domain):
            operations.flush(domain: domain) { [weak self, weak connection] result in
                if case .success(let flushed) = result {
                    self?.logger.info(
                        "queue.flushed", [("domain", domain ?? "all"), ("retried", String(flushed.retried))])
                }
                connection?.answer(self?.encode(result.map(QueueWire.encode)) ?? [])
            }
        case .drop(let target, let bounce):
            operations.drop(target, bounce: bounce) { [weak self, weak connection] result in
                if case .success(let dropped) = result { self?.logDropped(target, dropped) }
                connection?.answer(self?.encode(result.map(QueueWire.encode)) ?? [])
            }
        }
    }

    private func answer(_ entries: () throws(QueueError) -> [QueueEntry]) -> [UInt8] {
        do {
            var out: [UInt8] = []
            for entry in try entries() { out += QueueWire.encode(entry) }
            return out + QueueWire.ok
        } catch {
            return QueueWire.encode(error)
        }
    }

    private func encode(_ result: Result<[UInt8], QueueError>) -> [UInt8] {
        switch result {
        case .success(let line): line + QueueWire.ok
        case .failure(let error): QueueWire.encode(error)
        }
    }

    private func logDropped(_ target: QueueTarget, _ result: QueueDropResult) {
        let shown = result.dropped.prefix(20).map(\.description).joined(separator: ",")
        var fields: [(String, String)] = []
        if case .domain(let domain) = target { fields.append(("domain", domain)) }
        fields += [
            ("dropped", String(result.dropped.count)),
            ("ids", result.dropped.isEmpty ? "none" : shown + (result.dropped.count > 20 ? ",…" : "")),
            ("bounced", String(result.bounced)), ("missing", String(result.missing.count)),
        ]
        logger.info("queue.dropped", fields)
    }
}

/// One control client: its request bytes, then its answer, then closed.
private final class ControlConnection {
    let descriptor: Int32
    var watch: FileWatch?
    var timer: Cancellable?
    var onClose: (() -> Void)?
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    private var isClosed = false
    private var answered = false

    init(descriptor: Int32) { self.descriptor = descriptor }

    enum ReadOutcome {
        case waiting
        case closed
        case tooLong
        case line([UInt8])
    }

    func readRequest(limit: Int) -> ReadOutcome {
        guard !answered else { return .waiting }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .waiting : .closed }
        if count == 0 { return .closed }
        input += chunk[..<count]
        if let end = input.firstIndex(of: UInt8(ascii: "\n")) {
            return end > limit ? .tooLong : .line(Array(input[..<end]))
        }
        return input.count > limit ? .tooLong : .waiting
    }

    /// Sends `bytes`, then closes; reading stops (one request per connection).
    func answer(_ bytes: [UInt8]) {
        guard !isClosed, !answered else { return }
        answered = true
        output = bytes
        watch?.interest = [.write]
        flush()
    }

    func flush() {
        while written < output.count {
            let count = output.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                close()
                return
            }
            written += count
        }
        if answered { close() }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        watch?.cancel()
        watch = nil
        timer?.cancel()
        timer = nil
        Glibc.close(descriptor)
        // The server's table holds the last reference: keep self alive until this call returns.
        withExtendedLifetime(self) {
            onClose?()
            onClose = nil
        }
    }
}
