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
    /// Set on the home listener: the connection comes from a configured home server.
    public var home: HomeSource?

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

/// A connection on the home listener from a configured home server (DESIGN.md §2: the home link is
/// a trust boundary). The server is trusted by its address (plaintext on loopback) or its pinned
/// certificate, so its own domains authenticate by `db:result` without a callback; it may send only
/// as those domains, and its `db:verify` questions are answered `valid` only for the pairs the relay
/// itself opened towards it.
public struct HomeSource {
    /// The home server's domains: the only `from`s accepted.
    public var domains: Set<DomainName>
    /// No STARTTLS: a loopback server configured `plaintext_loopback = true` (its address was checked).
    /// Otherwise TLS is required and the certificate must match the home domain's pins.
    public var plaintext: Bool
    /// Whether the relay opened a home link speaking for `pair.remote` towards `pair.local` (the pair's
    /// `local` is the home domain receiving, `remote` the domain the relay claimed).
    public var speaksFor: (DomainPair) -> Bool

    public init(domains: Set<DomainName>, plaintext: Bool, speaksFor: @escaping (DomainPair) -> Bool) {
        self.domains = domains
        self.plaintext = plaintext
        self.speaksFor = speaksFor
    }
}
