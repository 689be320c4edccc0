import XMPPStream

/// What the I/O layer drives, whatever the role: events in, actions out. Role-specific events
/// (`tlsEstablished`, `peerVerified`, `dialbackKeyChecked`, `claimResult`, …) are on the concrete types.
public protocol StreamEngine {
    /// For the log: `state: tls -> auth`.
    var stateName: String { get }
    /// The connection is up (accepted or connected).
    mutating func start() -> [Action]
    /// What the parser reported.
    mutating func receive(_ event: StreamEvent) -> [Action]
    /// A stanza for the peer (handed back with `.returnUnacked` when it cannot go out).
    mutating func send(_ stanza: Element) -> [Action]
    mutating func timerFired(_ timer: LinkTimer) -> [Action]
    /// Close gracefully.
    mutating func shutdown(reason: String) -> [Action]
    /// The connection broke: no more output is possible.
    mutating func connectionLost(reason: String) -> [Action]
    /// End the stream at once with a stream error (the relay's decision, e.g. a link that a
    /// reloaded configuration no longer allows): nothing more is accepted from the peer, and what
    /// the peer has not acknowledged is handed back.
    mutating func close(with error: StreamError) -> [Action]
}

extension OutboundStream: StreamEngine {}
extension InboundStream: StreamEngine {}
extension ComponentStream: StreamEngine {}
