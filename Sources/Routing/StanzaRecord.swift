import S2S
import XMPPStream

/// The metadata the queue keeps for one stanza and the store keeps beside its bytes, so a restart
/// can rebuild the queue (`RoutingEngine.restarted`).
public struct StanzaRecord: Hashable, Sendable {
    public var id: StanzaID
    public var kind: StanzaKind
    public var from: DomainName
    public var to: DomainName
    public var destination: RouteRule.Destination
    public var bytes: Int
    public var acceptedAt: WallTime

    public init(
        id: StanzaID, kind: StanzaKind, from: DomainName, to: DomainName, destination: RouteRule.Destination,
        bytes: Int, acceptedAt: WallTime
    ) {
        self.id = id
        self.kind = kind
        self.from = from
        self.to = to
        self.destination = destination
        self.bytes = bytes
        self.acceptedAt = acceptedAt
    }

    public var hop: NextHop { NextHop(from: from, to: destination) }
}
