/// The decision on a peer certificate: which method decided, whether the peer is authenticated,
/// and a reason an operator can act on (it goes into the `link.up` / `link.refused` log line).
public struct AuthOutcome: Equatable {
    public enum Method: String, Sendable {
        case pin
        case daneEE = "dane-ee"
        case daneTA = "dane-ta"
        case pkix
        case none
    }

    public let method: Method
    public let verified: Bool
    /// For DANE the record parameters ("3 1 1"); for a pin the matching pin; for PKIX the name that
    /// matched ("SRV:_xmpp-server.example.com"); empty otherwise.
    public let detail: String
    public let reason: String
    /// Whether a weaker method (dialback) may still be tried. False when verified, and when a
    /// configured pin, a secure usable TLSA set or a bogus DNSSEC answer forbids falling back.
    public let fallbackAllowed: Bool

    public init(method: Method, verified: Bool, detail: String, reason: String, fallbackAllowed: Bool) {
        self.method = method
        self.verified = verified
        self.detail = detail
        self.reason = reason
        self.fallbackAllowed = fallbackAllowed
    }

    static func success(_ method: Method, detail: String, reason: String) -> AuthOutcome {
        AuthOutcome(method: method, verified: true, detail: detail, reason: reason, fallbackAllowed: false)
    }

    /// A refusal that no other method may override.
    static func refusal(_ method: Method, detail: String = "", reason: String) -> AuthOutcome {
        AuthOutcome(method: method, verified: false, detail: detail, reason: reason, fallbackAllowed: false)
    }
}
