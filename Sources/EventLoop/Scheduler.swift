/// Something that can be stopped. Every handle in this module also cancels itself when its last
/// reference goes away, so keep the handle for as long as the thing should live.
public protocol Cancellable: AnyObject {
    func cancel()
}

/// Runs callbacks at future instants of its `Clock`. Implemented by `Loop` (real time) and by
/// `ManualScheduler` (tests). Callbacks run on the loop's thread, never inside `schedule`.
///
/// The returned handle cancels the timer when released: store it (e.g. `retryTimer = scheduler
/// .schedule(...)`); `_ = schedule(...)` cancels at once. Capture owners weakly in the callback, or the
/// owner→handle→callback→owner cycle keeps everything alive.
public protocol Scheduler: Clock {
    /// Calls `callback` once, `delay` from now (`.zero` or negative: on the next loop turn).
    func schedule(after delay: Duration, _ callback: @escaping () -> Void) -> Cancellable
    /// Calls `callback` every `interval` (which must be positive) until cancelled; the first call
    /// is one interval from now.
    func scheduleRepeating(every interval: Duration, _ callback: @escaping () -> Void) -> Cancellable
}
