import RelayServer
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How a `queue` command reaches the queue: through the running relay's control socket when it
/// answers, else the store itself, under the `StoreLock` (so the store never has two writers).
/// A lock that is held while the socket does not answer is refused rather than waited for.
final class QueueAccess {
    let operations: any QueueOperations
    /// True when the running relay answers (writes then go through it).
    let viaRelay: Bool
    // Held while `operations` uses the store directly.
    private let lock: StoreLock?

    private init(_ operations: any QueueOperations, viaRelay: Bool, lock: StoreLock?) {
        self.operations = operations
        self.viaRelay = viaRelay
        self.lock = lock
    }

    static func open(stateDirectory directory: String) -> Result<QueueAccess, QueueError> {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == ENOENT {
                return .failure(
                    QueueError(
                        .failed,
                        "state directory \(directory) does not exist: the relay has not run with this "
                            + "configuration (pass the --config FILE the relay runs with)"))
            }
            return .failure(QueueError(.failed, "cannot look at state directory \(directory): \(reason)"))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            return .failure(QueueError(.failed, "\(directory) is not a directory: check [relay] state_dir"))
        }
        let client = QueueControlClient(stateDirectory: directory)
        switch client.probe() {
        case .answers: return .success(QueueAccess(client, viaRelay: true, lock: nil))
        case .failed(let message): return .failure(QueueError(.failed, message))
        case .notServed: break
        }
        // A file made now by another user (root, say) could keep the relay from opening it later.
        guard info.st_uid == geteuid() else {
            return .failure(
                QueueError(
                    .failed,
                    "no relay answers on \(StateDirectory.controlSocket(in: directory)), and the queue store in "
                        + "\(directory) belongs to uid \(info.st_uid): run this as the relay's user "
                        + "(e.g. sudo -u xmpp-relay xmpp-relay queue …) so the store's files keep their owner"))
        }
        let lock: StoreLock
        do {
            lock = try StoreLock(stateDirectory: directory)
        } catch .held(let path) {
            return .failure(
                QueueError(
                    .failed,
                    "a relay holds the queue (\(path) is locked) but does not answer on "
                        + "\(StateDirectory.controlSocket(in: directory)): it may be starting or stopping; "
                        + "try again in a moment, or look at its log"))
        } catch {
            return .failure(QueueError(.failed, error.description))
        }
        let path = StateDirectory.queueDatabase(in: directory)
        do {
            let store = try Store(path: path)
            return .success(QueueAccess(StoredQueueOperations(store: store), viaRelay: false, lock: lock))
        } catch {
            return .failure(
                QueueError(.failed, "cannot open the queue store: \(error.message)"))
        }
    }
}
