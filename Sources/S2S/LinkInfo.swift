import XMPPStream

/// What the relay and the log learn when a link comes up (`event=link.up`).
public struct LinkInfo: Hashable, Sendable {
    public var pair: DomainPair
    public var authentication: PairAuthentication
    /// The peer certificate verdict (nil for components, which have no TLS here).
    public var peer: PeerAuthentication?
    public var streamManagement: Bool
    public var bidirectional: Bool

    public init(
        pair: DomainPair, authentication: PairAuthentication, peer: PeerAuthentication?, streamManagement: Bool,
        bidirectional: Bool
    ) {
        self.pair = pair
        self.authentication = authentication
        self.peer = peer
        self.streamManagement = streamManagement
        self.bidirectional = bidirectional
    }
}
