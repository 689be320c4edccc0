import XMPPStream

/// Inputs of one XEP-0114 component connection.
public struct ComponentConfiguration {
    /// The shared secret of a configured component domain; nil when `domain` is not configured.
    public var secret: (DomainName) -> String?
    /// A fresh, unpredictable stream id (the handshake digest depends on it).
    public var makeStreamID: () -> String
    /// The component must complete its handshake within this.
    public var handshakeTimeout: Duration
    /// How long to wait for the component's `</stream:stream>` after ours.
    public var closeGrace: Duration

    public init(
        secret: @escaping (DomainName) -> String?, makeStreamID: @escaping () -> String,
        handshakeTimeout: Duration = .seconds(30), closeGrace: Duration = .seconds(10)
    ) {
        self.secret = secret
        self.makeStreamID = makeStreamID
        self.handshakeTimeout = handshakeTimeout
        self.closeGrace = closeGrace
    }
}
