/// Calendar time in milliseconds since the Unix epoch, handed in with every event. The queue reasons in
/// wall time rather than a monotonic clock because a stanza's age must survive a restart: `max_age` is
/// days long and the store keeps each stanza's `acceptedAt`.
public struct WallTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public static func + (lhs: WallTime, rhs: Duration) -> WallTime {
        let (sum, overflow) = lhs.milliseconds.addingReportingOverflow(rhs.wholeMilliseconds)
        return WallTime(milliseconds: overflow ? Int64.max : sum)
    }

    /// How long from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: WallTime, rhs: WallTime) -> Duration {
        .milliseconds(lhs.milliseconds &- rhs.milliseconds)
    }

    public var description: String { "\(milliseconds)ms" }
}

extension Duration {
    /// Whole milliseconds, clamped to Int64 (policy values are days at most; the clamp only guards
    /// against a configuration typo overflowing).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        return millis + attoseconds / 1_000_000_000_000_000
    }
}
