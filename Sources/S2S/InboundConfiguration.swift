import XMPPStream

/// Inputs of one inbound s2s connection. The closures are policy lookups the relay answers from its
/// configuration (they run synchronously on the loop thread).
public struct InboundConfiguration {
    /// Whether we accept stanzas to `domain` on this listener (home and component domains, or on
    /// the home listener the remote domains the relay speaks for).
    public var serves: (DomainName) -> Bool
    /// Policy: `domain` may authenticate with dialback when its certificate did not verify.
    public var dialbackAllowed: (DomainName) -> Bool
    /// The secret our dialback keys are made from; answers `db:verify` (authoritative role).
    public var dialbackSecret: String
    /// A fresh, unpredictable stream id for each header we send (dialback keys depend on it).
    public var makeStreamID: () -> String
    /// XEP-0368 direct TLS listener (5270): TLS from the first byte.
    public var directTLS: Bool
    public var settings: LinkSettings

    public init(
        serves: @escaping (DomainName) -> Bool, dialbackAllowed: @escaping (DomainName) -> Bool,
        dialbackSecret: String, makeStreamID: @escaping () -> String, directTLS: Bool = false,
        settings: LinkSettings = LinkSettings()
    ) {
        self.serves = serves
        self.dialbackAllowed = dialbackAllowed
        self.dialbackSecret = dialbackSecret
        self.makeStreamID = makeStreamID
        self.directTLS = directTLS
        self.settings = settings
    }
}
