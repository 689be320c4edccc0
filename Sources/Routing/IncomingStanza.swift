import S2S
import XMPPStream

/// A stanza an engine delivered (or the relay wrote itself), before the routing rule has seen it.
public struct IncomingStanza: Hashable, Sendable {
    public enum Origin: Hashable, Sendable {
        /// Delivered by the engine of an upstream link; custody is confirmed back to it.
        case link(Upstream, arrival: RouteRule.Arrival)
        /// Written by the relay (a bounce): routed to `to` without the sender check and with nobody
        /// upstream to acknowledge.
        case relay
    }

    public var id: StanzaID
    public var kind: StanzaKind
    public var from: DomainName
    public var to: DomainName
    /// The serialized size, counted against the byte caps.
    public var bytes: Int
    public var origin: Origin

    public init(id: StanzaID, kind: StanzaKind, from: DomainName, to: DomainName, bytes: Int, origin: Origin) {
        self.id = id
        self.kind = kind
        self.from = from
        self.to = to
        self.bytes = bytes
        self.origin = origin
    }
}
