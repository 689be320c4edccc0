import X509

/// Everything the decision needs about one TLS session, gathered by the caller.
public struct AuthRequest {
    /// The peer's certificate first, then what else it sent.
    public var chain: [Certificate]
    /// The XMPP domain the peer claims or we connected to.
    public var peerDomain: String
    public var role: PeerRole
    /// Pins configured for this domain (`[[peer]] pins`); when non-empty they are the only way in.
    public var pins: [TLSARecord]
    /// The TLSA lookup for the service the peer was reached at.
    public var dane: TLSALookup
    /// Current time, Unix seconds (injected).
    public var now: Int64

    public init(
        chain: [Certificate], peerDomain: String, role: PeerRole, pins: [TLSARecord] = [],
        dane: TLSALookup = .notLookedUp, now: Int64
    ) {
        self.chain = chain
        self.peerDomain = peerDomain
        self.role = role
        self.pins = pins
        self.dane = dane
        self.now = now
    }
}
