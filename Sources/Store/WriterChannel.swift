#if canImport(Glibc)
    import Glibc
#endif

/// The only state the loop thread and the writer thread share: pending writes one way, finished
/// commits the other, both under one mutex. Finished commits also make a pipe readable, which the
/// owner's event loop watches, so the loop never blocks on the writer.
///
/// `@unchecked Sendable` because every stored property is guarded by `mutex` (the pipe descriptors
/// are immutable; writing and draining a pipe is thread-safe).
final class WriterChannel: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    private var pending: [TicketedWrite] = []
    private var finished: [CommitReport] = []
    private var stopping = false
    private var signalled = false

    init() throws(StoreError) {
        var descriptors: [Int32] = [-1, -1]
        // pipe2 is not visible from Swift's Glibc module; pipe + fcntl does the same before any fork.
        guard pipe(&descriptors) == 0, descriptors.allSatisfy(WriterChannel.makeNonBlockingCloseOnExec) else {
            let reason = String(cString: strerror(errno))
            for descriptor in descriptors where descriptor >= 0 { close(descriptor) }
            throw StoreError(.sqlite, "creating the store's completion pipe failed: \(reason) (out of descriptors?)")
        }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        // Return codes: these only fail for invalid arguments or exhausted kernel memory at startup.
        precondition(pthread_mutex_init(mutex, nil) == 0)
        precondition(pthread_condattr_init(&attributes) == 0)
        precondition(pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC) == 0)
        precondition(pthread_cond_init(condition, &attributes) == 0)
        pthread_condattr_destroy(&attributes)
    }

    private static func makeNonBlockingCloseOnExec(_ descriptor: Int32) -> Bool {
        let flags = fcntl(descriptor, F_GETFL)
        return flags >= 0 && fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0
            && fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
        close(readDescriptor)
        close(writeDescriptor)
    }

    // MARK: owner side

    func submit(_ write: TicketedWrite) {
        locked {
            pending.append(write)
            pthread_cond_signal(condition)
        }
    }

    func stop() {
        locked {
            stopping = true
            pthread_cond_signal(condition)
        }
    }

    /// Finished commits, oldest first; empties the pipe so the loop's watch goes quiet.
    func takeFinished() -> [CommitReport] {
        var scratch = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &scratch, scratch.count) > 0 {}
        return locked {
            signalled = false
            defer { finished = [] }
            return finished
        }
    }

    // MARK: writer side

    /// Waits for work, then up to `policy`'s window for more; nil once stopped with nothing left.
    func nextBatch(_ policy: GroupCommitPolicy) -> [TicketedWrite]? {
        locked {
            while pending.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
            if pending.isEmpty { return nil }
            let deadline = MonotonicClock.adding(microseconds: policy.windowMicroseconds, to: MonotonicClock.now())
            var deadlineCopy = deadline
            while !stopping && pending.count < policy.maxWrites {
                if pthread_cond_timedwait(condition, mutex, &deadlineCopy) == ETIMEDOUT { break }
            }
            let batch = Array(pending.prefix(policy.maxWrites))
            pending.removeFirst(batch.count)
            return batch
        }
    }

    func finish(_ report: CommitReport) {
        locked {
            finished.append(report)
            if !signalled {
                signalled = true
                var byte: UInt8 = 1
                // Non-blocking: the pipe holds at most one unread byte because of `signalled`.
                _ = write(writeDescriptor, &byte, 1)
            }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
