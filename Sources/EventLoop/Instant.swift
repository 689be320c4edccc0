/// A point on a monotonic time line, in nanoseconds from an arbitrary origin (boot, for the real
/// clock). Only differences between instants of the same clock mean anything; use `Clock.unixSeconds`
/// for calendar time.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds.addingClamped(rhs.clampedNanoseconds))
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds.addingClamped(-rhs.clampedNanoseconds))
    }

    public static func += (lhs: inout Instant, rhs: Duration) {
        lhs = lhs + rhs
    }

    /// How long from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds.addingClamped(-rhs.nanoseconds))
    }

    public var description: String { "Instant(\(nanoseconds)ns)" }
}

extension Duration {
    /// The duration in whole nanoseconds (rounded towards zero), clamped to Int64's range.
    package var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingClamped(attoseconds / 1_000_000_000)
    }
}

extension Int64 {
    fileprivate func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other < 0 ? .min : .max }
        return sum
    }
}
