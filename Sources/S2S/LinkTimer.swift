/// The timers an engine asks the I/O layer to run. Scheduling a timer that is already running
/// replaces it; the I/O layer reports expiry with the engine's `timerFired(_:)`.
public enum LinkTimer: String, Hashable, Sendable {
    /// Negotiation must finish (stream up, authenticated) before this fires.
    case handshake
    /// Periodic keepalive tick while established: ping when idle, request acks, idle close.
    case keepalive
    /// A ping (or ack request) went unanswered for this long: the peer is dead.
    case deadPeer = "dead-peer"
    /// After we sent `</stream:stream>`, how long we wait for the peer's.
    case closeGrace = "close-grace"
}
