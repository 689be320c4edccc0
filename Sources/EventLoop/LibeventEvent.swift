internal import CEvent

#if canImport(Glibc)
    import Glibc
#endif

/// Sole owner of one libevent `struct event`. The C callback is capture-free and finds this object
/// through `Unmanaged`; the event is freed in `deinit`, which libevent allows even from inside the
/// event's own callback, so handles may be released from their callbacks.
final class LibeventEvent {
    // The loop owns the base; holding it here guarantees every event is freed before the base.
    let loop: Loop
    private var event: OpaquePointer?
    private let onFire: (Int16) -> Void

    init(loop: Loop, fd: Int32, flags: Int32, _ onFire: @escaping (Int16) -> Void) {
        self.loop = loop
        self.onFire = onFire
        let callback: event_callback_fn = { _, what, argument in
            Unmanaged<LibeventEvent>.fromOpaque(argument!).takeUnretainedValue().onFire(what)
        }
        event = event_new(loop.eventBase, fd, Int16(flags), callback, Unmanaged.passUnretained(self).toOpaque())
        precondition(event != nil, "libevent: event_new failed (out of memory)")
    }

    deinit {
        event_free(event)
    }

    /// Arms the event; with a timeout it fires after that long (again, for persistent timers).
    func add(timeout: Duration? = nil) {
        if var time = timeout.map(LibeventEvent.timeval(from:)) {
            event_add(event, &time)
        } else {
            event_add(event, nil)
        }
    }

    func remove() {
        event_del(event)
    }

    var isPending: Bool {
        event_pending(event, Int16(EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL), nil) != 0
    }

    static func timeval(from duration: Duration) -> Glibc.timeval {
        let nanoseconds = max(duration.clampedNanoseconds, 0)
        // Round up to whole microseconds so a timer never fires before its deadline.
        let microseconds = (nanoseconds / 1000) + (nanoseconds % 1000 == 0 ? 0 : 1)
        return Glibc.timeval(tv_sec: Int(microseconds / 1_000_000), tv_usec: Int(microseconds % 1_000_000))
    }
}
