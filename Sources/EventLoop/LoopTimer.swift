internal import CEvent

/// A libevent timer; what `Loop.schedule` and `Loop.scheduleRepeating` return.
/// Cancelled by `cancel()` or by releasing it.
public final class LoopTimer: Cancellable {
    private var event: LibeventEvent?
    private let callback: () -> Void

    init(loop: Loop, delay: Duration, repeating: Bool, _ callback: @escaping () -> Void) {
        self.callback = callback
        let event = LibeventEvent(loop: loop, fd: -1, flags: repeating ? EV_PERSIST : 0) { [unowned self] _ in
            self.fire()
        }
        self.event = event
        event.add(timeout: delay)
    }

    /// True until a one-shot timer has fired or any timer was cancelled.
    public var isPending: Bool { event?.isPending ?? false }

    public func cancel() {
        event = nil
    }

    private func fire() {
        callback()
    }
}
