#if canImport(Glibc)
    import Glibc
#endif

/// Where every timeout and timestamp in the relay comes from, so tests can substitute
/// `ManualScheduler` and never sleep.
public protocol Clock: AnyObject {
    /// Monotonic time: never jumps, unaffected by NTP or the user setting the date.
    var now: Instant { get }
    /// Calendar time as Unix seconds (UTC), for certificate validity and queue ages; may jump.
    var unixSeconds: Int64 { get }
}

/// The operating system's clocks: CLOCK_MONOTONIC and CLOCK_REALTIME. For code that has no loop
/// (command-line tools, the store); code on the loop uses the `Loop` itself.
public final class SystemClock: Clock {
    public init() {}

    public var now: Instant { SystemClock.monotonicNow() }

    public var unixSeconds: Int64 { SystemClock.unixNow() }

    static func monotonicNow() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Instant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }

    static func unixNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
