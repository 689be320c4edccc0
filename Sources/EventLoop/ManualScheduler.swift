/// A clock and scheduler for tests: time stands still until `advance(by:)`, which fires every due
/// callback in deadline order (ties in scheduling order), including callbacks scheduled meanwhile
/// whose deadline falls inside the advanced window. During a callback `now` equals its deadline.
public final class ManualScheduler: Scheduler {
    public private(set) var now: Instant
    private let origin: Instant
    private var unixSecondsAtOrigin: Int64
    private var queue = TimerQueue()
    private var nextSequence: UInt64 = 0
    private var advancing = false

    /// Callbacks scheduled and neither fired (one-shot) nor cancelled.
    public private(set) var pendingCount = 0

    public init(now: Instant = Instant(nanoseconds: 1_000_000_000), unixSeconds: Int64 = 1_700_000_000) {
        self.now = now
        self.origin = now
        self.unixSecondsAtOrigin = unixSeconds
    }

    /// Wall time moves with `now`, whole seconds, until `setUnixSeconds` makes it jump.
    public var unixSeconds: Int64 {
        unixSecondsAtOrigin + floorDivide((now - origin).clampedNanoseconds, 1_000_000_000)
    }

    /// Simulates the calendar clock being set (NTP step, user); monotonic time is unaffected.
    public func setUnixSeconds(_ seconds: Int64) {
        unixSecondsAtOrigin += seconds - unixSeconds
    }

    /// The deadline of the earliest pending callback.
    public var nextDeadline: Instant? {
        queue.dropCancelled()
        return queue.first?.deadline
    }

    public func schedule(after delay: Duration, _ callback: @escaping () -> Void) -> Cancellable {
        enqueue(deadline: now + max(delay, .zero), interval: nil, callback)
    }

    public func scheduleRepeating(every interval: Duration, _ callback: @escaping () -> Void) -> Cancellable {
        precondition(interval > .zero, "a repeating timer needs a positive interval")
        return enqueue(deadline: now + interval, interval: interval, callback)
    }

    public func advance(by duration: Duration) {
        advance(to: now + max(duration, .zero))
    }

    /// Moves time to `target` (never backwards), firing what falls due on the way.
    public func advance(to target: Instant) {
        precondition(!advancing, "advance called from inside a ManualScheduler callback")
        advancing = true
        defer { advancing = false }
        while true {
            queue.dropCancelled()
            guard let entry = queue.first, entry.deadline <= target else { break }
            queue.removeFirst()
            now = max(now, entry.deadline)
            if let interval = entry.interval {
                entry.deadline = entry.deadline + interval
                entry.sequence = takeSequence()
                queue.insert(entry)
            } else {
                entry.isDone = true
                pendingCount -= 1
            }
            entry.callback()
        }
        now = max(now, target)
    }

    /// Fires callbacks already due (e.g. scheduled with `.zero`) without moving time.
    public func runDue() {
        advance(to: now)
    }

    private func enqueue(deadline: Instant, interval: Duration?, _ callback: @escaping () -> Void) -> Cancellable {
        let entry = ManualTimerEntry(deadline: deadline, sequence: takeSequence(), interval: interval, callback)
        queue.insert(entry)
        pendingCount += 1
        return ManualTimerHandle(entry: entry, scheduler: self)
    }

    private func takeSequence() -> UInt64 {
        nextSequence += 1
        return nextSequence
    }

    fileprivate func cancel(_ entry: ManualTimerEntry) {
        guard !entry.isCancelled, !entry.isDone else { return }
        entry.isCancelled = true
        pendingCount -= 1
    }

    private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && a < 0) ? quotient - 1 : quotient
    }
}

private final class ManualTimerHandle: Cancellable {
    private let entry: ManualTimerEntry
    private weak var scheduler: ManualScheduler?

    init(entry: ManualTimerEntry, scheduler: ManualScheduler) {
        self.entry = entry
        self.scheduler = scheduler
    }

    func cancel() { scheduler?.cancel(entry) }

    deinit { cancel() }
}
