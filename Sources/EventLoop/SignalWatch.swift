internal import CEvent

/// Delivers a POSIX signal as an ordinary loop callback. libevent's own handler only writes a byte
/// to a socketpair, so nothing async-signal-unsafe runs in signal context; the callback runs later
/// on the loop's thread with the usual freedom. While watched, the signal no longer has its default
/// effect (SIGTERM does not kill); releasing the watch restores the previous disposition.
/// One loop per process should watch signals (a libevent restriction).
public final class SignalWatch: Cancellable {
    public let signal: Int32
    private var event: LibeventEvent?
    private let callback: () -> Void

    init(loop: Loop, signal: Int32, _ callback: @escaping () -> Void) {
        self.signal = signal
        self.callback = callback
        let event = LibeventEvent(loop: loop, fd: signal, flags: EV_SIGNAL | EV_PERSIST) { [unowned self] _ in
            self.callback()
        }
        self.event = event
        event.add()
    }

    public func cancel() {
        event = nil
    }
}
