#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The queue store's one-writer lock: an exclusive `flock` on `<state_dir>/queue.lock`, held by the
/// running relay for its whole life and by a `queue` tool while it opens the store directly. SQLite
/// itself would let two processes write in turn; this lock makes sure only one relay (or tool) owns
/// the queue, so the store never has two writers. The kernel releases it when the process dies
/// (`kill -9` included), so a crash never leaves the queue locked.
public final class StoreLock {
    public let path: String
    private var descriptor: Int32

    /// Why the lock could not be taken.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Another process holds it (a running relay, or a `queue` tool).
        case held(path: String)
        /// The file could not be opened or locked.
        case failed(String)

        public var description: String {
            switch self {
            case .held(let path): "\(path) is locked by another process (a running relay or queue tool)"
            case .failed(let message): message
            }
        }
    }

    /// Takes the lock, trying again for up to `waitMilliseconds` while another process holds it (a
    /// `queue` tool holds it for a moment; the relay waits that out rather than refuse to start).
    /// Creates the file (mode 0600) if it is missing.
    public init(stateDirectory: String, waitMilliseconds: Int = 0) throws(Failure) {
        let path = StateDirectory.queueLock(in: stateDirectory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw .failed(
                "cannot open the queue lock \(path): \(reason); run as the relay's user (the owner of \(stateDirectory))"
            )
        }
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK && waited < waitMilliseconds {
                usleep(50_000)
                waited += 50
                continue
            }
            close(fd)
            if code == EWOULDBLOCK { throw .held(path: path) }
            throw .failed("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        self.path = path
        descriptor = fd
    }

    deinit { release() }

    /// Gives the lock up (closing the file releases the flock); later calls do nothing.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }
}
