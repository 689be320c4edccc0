/// `[queue]` as the engine needs it (RelayConfig's `QueueSettings` maps onto it; `hold` and
/// `firstBackoff` have no key yet).
public struct QueuePolicy: Hashable, Sendable {
    /// How long a stanza sent on a live hop may wait for the hop's acknowledgement before it is stored
    /// (and custody confirmed upstream from the disk). Well inside the 30 s after which Prosody 13
    /// closes a link whose ack requests go unanswered.
    public var hold: Duration
    /// Messages and subscription presence bounce with remote-server-timeout after this long.
    public var maxAge: Duration
    /// iq requests bounce (and iq results are dropped) after this long.
    public var iqHold: Duration
    /// The ceiling of the first retry's delay; it doubles per failed attempt.
    public var firstBackoff: Duration
    /// The longest pause between two attempts to reach a hop.
    public var maxBackoff: Duration
    /// Bytes all held stanzas (in memory or stored) may take together.
    public var maxBytes: Int
    /// Bytes held for one destination domain.
    public var maxBytesPerDomain: Int
    /// Stanzas one hop may have in flight (sent, not yet confirmed); the rest wait their turn, so a
    /// backlog released by a link coming up does not land in that link's output buffer at once
    /// (RelayServer stops reading from links whose output passes `[limits] link_output_bytes`).
    public var sendWindow: Int

    public init(
        hold: Duration = .milliseconds(500), maxAge: Duration = .seconds(3 * 86400), iqHold: Duration = .seconds(60),
        firstBackoff: Duration = .seconds(2), maxBackoff: Duration = .seconds(15 * 60),
        maxBytes: Int = 64 * 1024 * 1024, maxBytesPerDomain: Int = 16 * 1024 * 1024, sendWindow: Int = 100
    ) {
        self.hold = hold
        self.maxAge = maxAge
        self.iqHold = iqHold
        self.firstBackoff = firstBackoff
        self.maxBackoff = maxBackoff
        self.maxBytes = maxBytes
        self.maxBytesPerDomain = maxBytesPerDomain
        self.sendWindow = max(1, sendWindow)
    }
}
