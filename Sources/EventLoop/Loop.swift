internal import CEvent

#if canImport(Glibc)
    import Glibc
#endif

/// The relay's single event loop: one libevent `event_base` drives sockets, timers, signals and DNS.
/// Not thread-safe by design: the relay runs everything on this one thread.
///
/// Every watch, timer and socket holds its loop strongly and frees its libevent event in `deinit`,
/// so the base (freed in the loop's `deinit`) always goes last. Sibling modules that attach C objects
/// to `eventBase` (libunbound) must likewise keep the `Loop` alive until those objects are deleted.
public final class Loop: Scheduler {
    /// The libevent base, for sibling wrapper modules (DNS) that plug C libraries into the same loop.
    package let eventBase: OpaquePointer

    /// One read buffer shared by every connection on this (single-threaded) loop: a read never
    /// allocates, and an idle connection costs no buffer at all.
    let readBuffer: UnsafeMutableRawBufferPointer

    public init() {
        let config = event_config_new()
        // One thread only: libevent's locks are pure cost here.
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        guard let base = event_base_new_with_config(config) else {
            fatalError("libevent: event_base_new_with_config failed")
        }
        event_config_free(config)
        eventBase = base
        readBuffer = .allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        event_base_free(eventBase)
        readBuffer.deallocate()
    }

    /// Runs until `stop()` is called or nothing is left to wait for.
    public func run() {
        event_base_dispatch(eventBase)
    }

    /// Runs one turn: waits for at least one event (unless `blocking` is false), runs the
    /// callbacks that are ready, and returns.
    public func runOnce(blocking: Bool = true) {
        event_base_loop(eventBase, blocking ? Int32(EVLOOP_ONCE) : Int32(EVLOOP_NONBLOCK))
    }

    /// Makes `run()` return after the current callbacks finish. Has no effect when not running.
    public func stop() {
        event_base_loopbreak(eventBase)
    }

    // MARK: Clock

    public var now: Instant { SystemClock.monotonicNow() }

    public var unixSeconds: Int64 { SystemClock.unixNow() }

    // MARK: Scheduler

    public func schedule(after delay: Duration, _ callback: @escaping () -> Void) -> Cancellable {
        LoopTimer(loop: self, delay: delay, repeating: false, callback)
    }

    public func scheduleRepeating(every interval: Duration, _ callback: @escaping () -> Void) -> Cancellable {
        precondition(interval > .zero, "a repeating timer needs a positive interval")
        return LoopTimer(loop: self, delay: interval, repeating: true, callback)
    }

    // MARK: Watches

    /// Watches `fd` (which stays owned by the caller) for readiness; see `FileWatch`.
    public func watch(
        fileDescriptor fd: Int32,
        interest: IOEvents,
        _ callback: @escaping (IOEvents) -> Void
    ) -> FileWatch {
        FileWatch(loop: self, fileDescriptor: fd, interest: interest, callback)
    }

    /// Delivers `signal` (SIGTERM, SIGHUP, …) as a loop callback; see `SignalWatch`.
    public func watchSignal(_ signal: Int32, _ callback: @escaping () -> Void) -> SignalWatch {
        SignalWatch(loop: self, signal: signal, callback)
    }
}
