import S2S
import XMPPStream

/// The connection a stanza leaves on. An s2s stream is authenticated per (from, to) domain pair
/// (XEP-0220), so home and remote hops are per pair; a component's one connection carries every sender.
/// Order is kept per hop, hence per (from, to) pair (RFC 6120 §10.1).
public struct NextHop: Hashable, Sendable, CustomStringConvertible {
    public var destination: RouteRule.Destination
    /// The sending domain on an s2s hop; nil for a component.
    public var from: DomainName?

    public init(destination: RouteRule.Destination, from: DomainName?) {
        self.destination = destination
        switch destination {
        case .component: self.from = nil
        case .home, .remote: self.from = from
        }
    }

    /// The hop a stanza from `from` to `destination` leaves on.
    public init(from: DomainName, to destination: RouteRule.Destination) {
        self.init(destination: destination, from: from)
    }

    /// The domain at the far end.
    public var domain: DomainName {
        switch destination {
        case .home(let domain), .component(let domain), .remote(let domain): domain
        }
    }

    public var description: String {
        let kind =
            switch destination {
            case .home: "home"
            case .component: "component"
            case .remote: "remote"
            }
        return from.map { "\(kind):\($0)->\(domain)" } ?? "\(kind):\(domain)"
    }
}

/// How a live next hop confirms that it has what was sent (DESIGN.md §5).
public enum NextHopAcks: Hashable, Sendable {
    /// XEP-0198: `<r/>` after a batch, `<a h/>` back.
    case streamManagement
    /// XEP-0199: a ping after a batch; any reply, an error one included, proves the peer read what came
    /// before (RFC 6120 requires a reply to every iq get). Components use this (XEP-0114 has no acks).
    case ping
    /// Nothing confirms delivery: every stanza is stored before it is sent (so upstream custody rests on
    /// the disk) and is deleted once handed to the connection. A stanza can be lost if the connection
    /// dies with it still in the kernel's buffers; use only for a hop that answers no ping.
    case none
}
