import XMPPStream

/// How the peer's TLS certificate was checked, as the Trust layer reports it.
public enum PeerAuthenticationMethod: String, Hashable, Sendable {
    case pin
    case daneEE = "dane-ee"
    case daneTA = "dane-ta"
    case pkix
    case none

    /// Pins and DANE are authoritative: when one applies and fails there is no fallback to dialback
    /// (DESIGN.md §4 step 3). A failed PKIX check or no check at all may fall back where policy allows.
    public var allowsFallback: Bool { self == .pkix || self == .none }
}

/// The Trust verdict on the peer's certificate, delivered to the engine as an event input.
public struct PeerAuthentication: Hashable, Sendable {
    public var method: PeerAuthenticationMethod
    public var verified: Bool
    /// The domains the certificate was checked and found valid for (empty when not verified).
    public var names: Set<DomainName>
    /// Why the verdict is what it is, in words for the log ("certificate does not match TLSA 3 1 1 …").
    public var reason: String

    public init(method: PeerAuthenticationMethod, verified: Bool, names: Set<DomainName> = [], reason: String) {
        self.method = method
        self.verified = verified
        self.names = names
        self.reason = reason
    }

    /// True when the certificate is verified and valid for `domain`.
    public func isValid(for domain: DomainName) -> Bool { verified && names.contains(domain) }

    /// The end of a refusal text: why dialback cannot stand in. A failed pin or DANE check rules it
    /// out whatever `allow_dialback` says, so the operator is not sent to change the policy.
    var dialbackRefusal: String {
        method.allowsFallback
            ? "dialback is not allowed for it" : "a failed \(method.rawValue) check rules out dialback"
    }

    /// What a refused peer is told: enough to know it was its certificate, nothing about our pins,
    /// TLSA records or policy (those go to our log, `refusalDetail`).
    static func refusalText(for domain: DomainName) -> String {
        "certificate not accepted for \(domain)"
    }

    /// The full diagnosis of a refusal for our log: method, Trust's reason, why dialback cannot help.
    func refusalDetail(for domain: DomainName) -> String {
        "\(domain) is not authenticated (\(method.rawValue): \(reason)) and \(dialbackRefusal)"
    }

    /// No certificate check happened (e.g. a plaintext loopback link to the home server).
    public static func unverified(_ reason: String) -> PeerAuthentication {
        PeerAuthentication(method: .none, verified: false, reason: reason)
    }
}
