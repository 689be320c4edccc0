import XMPPStream

/// Inputs of one outbound s2s link, decided by the relay (config and policy) before it connects.
public struct OutboundConfiguration: Sendable {
    public var local: DomainName
    public var remote: DomainName
    /// The secret dialback keys are made from (XEP-0185); the same one answers `db:verify`.
    public var dialbackSecret: String
    /// Our certificate is valid for `local`, so SASL EXTERNAL (XEP-0178) can work.
    public var certificateCoversLocalDomain: Bool
    /// Policy: an unverified `remote` (failed PKIX or no certificate check) may be accepted with dialback.
    public var dialbackAllowed: Bool
    /// XEP-0368 `_xmpps-server`: TLS from the first byte, no STARTTLS.
    public var directTLS: Bool
    /// False for a link opened only to ask an authoritative server `db:verify` (dialback verifying role):
    /// it never authenticates itself and carries no stanzas.
    public var authenticates: Bool
    /// A home link to a loopback home server configured `plaintext_loopback = true`: no STARTTLS, the
    /// stream authenticates by dialback on the plain connection. Never set for any other link.
    public var plaintext: Bool
    public var settings: LinkSettings

    public init(
        local: DomainName, remote: DomainName, dialbackSecret: String, certificateCoversLocalDomain: Bool,
        dialbackAllowed: Bool, directTLS: Bool = false, authenticates: Bool = true, plaintext: Bool = false,
        settings: LinkSettings = LinkSettings()
    ) {
        self.local = local
        self.remote = remote
        self.dialbackSecret = dialbackSecret
        self.certificateCoversLocalDomain = certificateCoversLocalDomain
        self.dialbackAllowed = dialbackAllowed
        self.directTLS = directTLS
        self.authenticates = authenticates
        self.plaintext = plaintext
        self.settings = settings
    }
}
