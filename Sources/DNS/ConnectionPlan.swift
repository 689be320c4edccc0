/// Where and how to connect to a remote XMPP domain, in order (RFC 6120 §3.2, XEP-0368, RFC 7673).
/// A value: the connector walks `targets` and skips those that are not usable.
public struct ConnectionPlan: Hashable, Sendable {
    public enum Verdict: Hashable, Sendable {
        /// Try the usable targets in order.
        case connect
        /// The domain does not exist or says it has no XMPP service (remote-server-not-found).
        case notFound(reason: String)
        /// DNS could not be trusted or did not answer right now (bogus, SERVFAIL, no answer before the
        /// deadline): try again later (remote-server-timeout), never "not found".
        case retryLater(reason: String)
    }

    public let domain: String
    public let verdict: Verdict
    public let targets: [PlanTarget]
    /// Every query made, in the order made: SRV, then addresses, then TLSA.
    public let lookups: [PlanLookup]

    public var usableTargets: [PlanTarget] { targets.filter(\.isUsable) }
}

/// One host and port to try.
public struct PlanTarget: Hashable, Sendable {
    public let host: String
    public let port: UInt16
    /// `_xmpps-server` (TLS from the first byte) rather than `_xmpp-server` (STARTTLS).
    public let directTLS: Bool
    /// From an SRV record, or the A/AAAA fallback on 5269 when the domain has none.
    public let fromSRV: Bool
    public let priority: UInt16
    public let weight: UInt16
    /// DNSSEC status of the SRV answer (or, for the fallback, of the proof that there is none).
    public let serviceStatus: LookupStatus
    /// IPv6 and IPv4 alternating, IPv6 first.
    public let addresses: [IPAddress]
    public let addressStatus: LookupStatus
    /// `_PORT._tcp.HOST`.
    public let tlsaName: String
    /// Nil when TLSA was not looked up because the SRV or address answers were not secure.
    public let tlsaStatus: LookupStatus?
    /// Secure TLSA records found (empty unless `tlsaStatus` is secure).
    public let tlsa: [TLSARecord]
    /// Why this target must not be tried now (bogus or failed DNS); nil if usable.
    public let unusableReason: String?

    public var isUsable: Bool { unusableReason == nil }

    /// The peer must be authenticated by DANE with `tlsa`: secure chain and secure TLSA records.
    public var daneApplies: Bool { tlsaStatus == .secure && !tlsa.isEmpty }
}
