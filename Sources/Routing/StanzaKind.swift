/// What the queue policy needs to know about a stanza (DESIGN.md §5, issue 11 item 5); RelayServer
/// classifies the element, the engine never parses it.
public enum StanzaKind: Hashable, Sendable {
    /// Kept up to `maxAge`, then bounced with remote-server-timeout.
    case message
    /// An iq get or set: its sender waits for an answer, so it bounces after `iqHold`.
    case iqRequest
    /// An iq result: nobody waits for an answer to it, so after `iqHold` it is dropped (logged), never bounced.
    case iqResponse
    /// Availability presence (no type, or `unavailable`, `probe`): only the latest per (from, to) JID
    /// pair is worth delivering, so a newer one replaces any that has not been sent yet. Dropped
    /// (logged) after `maxAge`; a bounce for stale presence helps nobody.
    case availability(PresenceAddresses)
    /// subscribe, subscribed, unsubscribe, unsubscribed: kept and bounced like a message.
    case subscription
    /// Any stanza of type `error`: never answered with an error (no loops); dropped (logged) after `maxAge`.
    case error

    /// The `kind=` field of the log.
    public var name: String {
        switch self {
        case .message: "message"
        case .iqRequest: "iq"
        case .iqResponse: "iq-result"
        case .availability: "presence"
        case .subscription: "subscription"
        case .error: "error"
        }
    }

    /// Whether a stored one waiting for its hop leaves memory for a stored run: the kinds kept up to
    /// `maxAge`, in acceptance order, so a run expires from its oldest. iqs (gone after `iqHold`) and
    /// availability presence (replaced by a newer one) stay in memory.
    var pages: Bool {
        switch self {
        case .message, .subscription, .error: true
        case .iqRequest, .iqResponse, .availability: false
        }
    }

    /// Whether the relay may answer it with a stanza error.
    var bounces: Bool {
        switch self {
        case .message, .iqRequest, .subscription: true
        case .iqResponse, .availability, .error: false
        }
    }
}

/// The full `from` and `to` of an availability presence, as written on the stanza: the key under which
/// a newer presence replaces an older one.
public struct PresenceAddresses: Hashable, Sendable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}
