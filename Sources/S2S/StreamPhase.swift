/// Which stream of a link's negotiation we are in: each restart (after TLS, after SASL) opens a new one.
public enum StreamPhase: String, Hashable, Sendable {
    case plain
    case secure
    case authenticated

    var featuresStateName: String {
        switch self {
        case .plain: "features"
        case .secure: "features-tls"
        case .authenticated: "features-auth"
        }
    }
}
