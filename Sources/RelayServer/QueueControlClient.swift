import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `queue` tools' side of the control socket: each operation is one blocking connection to the
/// running relay (`QueueControlServer`), bounded in time and in answer size. No event loop needed.
public final class QueueControlClient: QueueOperations {
    public let path: String
    private let timeoutMilliseconds: Int
    /// A listing of 100,000 stanzas is about 15 MB; anything past this is not a relay's answer.
    static let maxAnswerBytes = 256 * 1024 * 1024

    /// Whether a relay answers on the socket.
    public enum Probe: Equatable {
        case answers
        /// No socket file, or nobody listens on it (a relay that stopped or crashed).
        case notServed
        /// The socket is there but cannot be used (permissions): the message says what to do.
        case failed(String)
    }

    public init(stateDirectory: String, timeoutMilliseconds: Int = 10_000) {
        path = StateDirectory.controlSocket(in: stateDirectory)
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Connects once and hangs up (the relay closes a connection that sends nothing).
    public func probe() -> Probe {
        switch connect() {
        case .success(let fd):
            close(fd)
            return .answers
        case .failure(let error):
            return error.code == .unavailable ? .notServed : .failed(error.message)
        }
    }

    public func list(domain: String?) throws(QueueError) -> [QueueEntry] {
        entries(try exchange(.list(domain: domain)))
    }

    public func show(_ id: RecordID, withStanza: Bool) throws(QueueError) -> QueueEntry {
        guard let entry = entries(try exchange(.show(id, withStanza: withStanza))).first else {
            throw QueueError(.failed, "the relay answered without the entry")
        }
        return entry
    }

    public func flush(domain: String?, reply: @escaping (Result<QueueFlushResult, QueueError>) -> Void) {
        reply(
            Result { () throws(QueueError) -> QueueFlushResult in
                for answer in try exchange(.flush(domain: domain)) {
                    if case .flushed(let result) = answer { return result }
                }
                throw QueueError(.failed, "the relay answered without a flush result")
            })
    }

    public func drop(
        _ target: QueueTarget, bounce: Bool, reply: @escaping (Result<QueueDropResult, QueueError>) -> Void
    ) {
        reply(
            Result { () throws(QueueError) -> QueueDropResult in
                for answer in try exchange(.drop(target, bounce: bounce)) {
                    if case .dropped(let result) = answer { return result }
                }
                throw QueueError(.failed, "the relay answered without a drop result")
            })
    }

    private func entries(_ answers: [QueueWire.Answer]) -> [QueueEntry] {
        answers.compactMap { if case .entry(let entry) = $0 { entry } else { nil } }
    }

    /// Sends one request and reads the whole answer; an `error` answer is thrown.
    func exchange(_ request: QueueWire.Request) throws(QueueError) -> [QueueWire.Answer] {
        let bytes = QueueWire.encode(request)
        guard bytes.count <= QueueControlServer.maxRequestBytes else {
            throw QueueError(
                .badRequest, "too many ids for one request (at most about 1,000): drop them in smaller groups")
        }
        let fd = try connect().get()
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("sending the request", errno) }
            sent += count
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw failure("reading the answer", errno) }
            if count == 0 { break }
            answer += chunk[..<count]
            guard answer.count <= QueueControlClient.maxAnswerBytes else {
                throw QueueError(.failed, "the answer on \(path) exceeds \(QueueControlClient.maxAnswerBytes) bytes")
            }
        }
        var answers: [QueueWire.Answer] = []
        for line in answer.split(separator: UInt8(ascii: "\n")) {
            let decoded = try QueueWire.decodeAnswer(line)
            if case .error(let error) = decoded { throw error }
            answers.append(decoded)
        }
        guard answers.last == .ok else {
            throw QueueError(.failed, "the relay closed \(path) before it finished answering; try again")
        }
        return answers
    }

    /// A connected socket with send/receive timeouts; `.unavailable` when no relay listens.
    private func connect() -> Result<Int32, QueueError> {
        guard let address = UnixSocketPath(path) else {
            return .failure(QueueError(.failed, "the control socket path \(path) is too long for a Unix socket"))
        }
        let fd = UnixSocketPath.newSocket(nonBlocking: false)
        guard fd >= 0 else { return .failure(failure("making a socket", errno)) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
        if address.withAddress({ Glibc.connect(fd, $0, $1) }) == 0 { return .success(fd) }
        let code = errno
        close(fd)
        if code == ENOENT || code == ECONNREFUSED {
            return .failure(QueueError(.unavailable, "no relay answers on \(path)"))
        }
        if code == EACCES || code == EPERM {
            return .failure(
                QueueError(
                    .failed,
                    "cannot open the control socket \(path): permission denied; run as the relay's user "
                        + "(e.g. sudo -u xmpp-relay xmpp-relay queue …)"))
        }
        return .failure(failure("connecting to \(path)", code))
    }

    private func failure(_ what: String, _ code: Int32) -> QueueError {
        if code == EAGAIN || code == EWOULDBLOCK {
            return QueueError(.failed, "the relay did not answer on \(path) within \(timeoutMilliseconds / 1000) s")
        }
        return QueueError(.failed, "\(what) on the control socket failed: \(String(cString: strerror(code)))")
    }
}
