/// Stanza errors the queue answers with (RFC 6120 §8.3.3), with the type each comes with.
public enum BounceCondition: String, Hashable, Sendable {
    /// The hop could not be reached within the stanza's time (max_age, iq_hold).
    case remoteServerTimeout = "remote-server-timeout"
    /// A byte cap or the store refused the stanza: try later.
    case resourceConstraint = "resource-constraint"
    /// DNS says the domain does not exist or serves no XMPP (an authoritative answer, not a failure).
    case remoteServerNotFound = "remote-server-not-found"

    public var type: String {
        switch self {
        case .remoteServerTimeout, .resourceConstraint: "wait"
        case .remoteServerNotFound: "cancel"
        }
    }
}
