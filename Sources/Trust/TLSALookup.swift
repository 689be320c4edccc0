/// The DNS answer for the TLSA owner of the peer's service (`_5269._tcp.<SRV target>`), with its
/// DNSSEC status, as the DNS module reports it.
public struct TLSALookup {
    public enum Status {
        /// Validated by DNSSEC; empty when the absence of TLSA records was proven.
        case secure([TLSARecord])
        /// No DNSSEC (or not looked up): DANE does not apply.
        case insecure
        /// DNSSEC validation failed: the answer cannot be trusted either way.
        case bogus(String)
        /// No answer came (SERVFAIL, timeout) where DNSSEC was secure up to here: DANE may apply,
        /// so this is no reason to fall back (RFC 7672 §2.2, "indeterminate").
        case failed(String)
    }

    /// The owner name, e.g. "_5269._tcp.xmpp.example.com".
    public let owner: String
    public let status: Status

    public init(owner: String, status: Status) {
        self.owner = owner
        self.status = status
    }

    public static func secure(_ records: [TLSARecord], at owner: String) -> TLSALookup {
        TLSALookup(owner: owner, status: .secure(records))
    }

    public static func insecure(at owner: String) -> TLSALookup { TLSALookup(owner: owner, status: .insecure) }

    public static func bogus(_ why: String, at owner: String) -> TLSALookup {
        TLSALookup(owner: owner, status: .bogus(why))
    }

    public static func failed(_ why: String, at owner: String) -> TLSALookup {
        TLSALookup(owner: owner, status: .failed(why))
    }

    /// No lookup was made (e.g. an inbound connection before the peer's SRV is known).
    public static var notLookedUp: TLSALookup { TLSALookup(owner: "", status: .insecure) }

    /// The TLSA base domain (the SRV target host): the owner without its `_port._tcp.` prefix; empty
    /// when the owner has no such prefix.
    public var baseDomain: String {
        let labels = owner.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard labels.count == 3, labels[0].hasPrefix("_"), labels[1].hasPrefix("_") else { return "" }
        return String(labels[2])
    }
}
