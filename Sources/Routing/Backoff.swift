/// Retry delays: exponential with full jitter (a uniform draw below a ceiling that doubles per failed
/// attempt, so many relays retrying one peer spread out), capped at `maxBackoff`.
public struct Backoff: Hashable, Sendable {
    public var first: Duration
    public var maximum: Duration
    /// No retry sooner than this: a peer that refuses at once must not be dialled in a tight loop when
    /// the draw lands near zero.
    public static let floor = Duration.milliseconds(500)

    public init(first: Duration, maximum: Duration) {
        self.first = first
        self.maximum = max(maximum, first)
    }

    /// The ceiling for attempt `attempt` (0 for the first retry): `first · 2^attempt`, at most `maximum`.
    public func ceiling(attempt: Int) -> Duration {
        let first = self.first.wholeMilliseconds
        let limit = maximum.wholeMilliseconds
        var ceiling = max(first, 1)
        for _ in 0..<min(attempt, 62) where ceiling < limit { ceiling *= 2 }
        return .milliseconds(min(ceiling, limit))
    }

    /// A delay for attempt `attempt`, drawn from `random`.
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(attempt: attempt).wholeMilliseconds
        let lowest = min(Self.floor.wholeMilliseconds, ceiling)
        return .milliseconds(Int64.random(in: lowest...ceiling, using: &random))
    }
}
