/// What DNSSEC validation said about an answer. Only `secure` may carry DANE.
public enum DNSSECStatus: Hashable, Sendable, CustomStringConvertible {
    /// Validated from the trust anchor down.
    case secure
    /// Provably unsigned (or outside any trust anchor): usable, but never for DANE.
    case insecure
    /// Validation failed: the data may be forged. Never usable, never downgraded to insecure.
    case bogus(reason: String)

    public var description: String {
        switch self {
        case .secure: return "secure"
        case .insecure: return "insecure"
        case .bogus(let reason): return "bogus (\(reason))"
        }
    }
}
