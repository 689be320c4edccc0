import Routing
import XMPPStream

/// A stanza as the queue sees it: its kind for the queue policy, and the one way its stored bytes
/// (written by `ElementSerializer.server`) become an element again.
enum QueuedStanza {
    /// How the queue policy treats a stanza (DESIGN.md §5).
    static func kind(of stanza: Element) -> StanzaKind {
        let type = stanza[attribute: "type"]
        if type == "error" { return .error }
        switch stanza.name {
        case "iq":
            return type == "result" ? .iqResponse : .iqRequest
        case "presence":
            switch type {
            case "subscribe", "subscribed", "unsubscribe", "unsubscribed": return .subscription
            default:
                return .availability(
                    PresenceAddresses(from: stanza[attribute: "from"] ?? "", to: stanza[attribute: "to"] ?? ""))
            }
        default:
            return .message
        }
    }

    private static let streamOpening = Array(
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>".utf8)

    /// One stanza from its stored bytes (written by `ElementSerializer.server`, so in `jabber:server`).
    static func parse(_ bytes: [UInt8]) -> Element? {
        let parser = XMPPStreamParser()
        var events = parser.feed(streamOpening)
        events += parser.feed(bytes)
        for event in events {
            if case .element(let element) = event { return element }
        }
        return nil
    }
}
