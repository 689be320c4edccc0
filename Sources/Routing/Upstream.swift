/// One upstream connection (an inbound s2s link, a home server's link, a component), as RelayServer
/// names it; only used to address custody acknowledgements back to it.
public struct LinkID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    public var description: String { "link\(value)" }
}

/// Where on its upstream link a stanza arrived: the link and the stanza's place in the order that
/// link's engine delivered stanzas (1 for the first). Custody is confirmed upstream in this order.
public struct Upstream: Hashable, Sendable {
    public var link: LinkID
    public var sequence: UInt64

    public init(link: LinkID, sequence: UInt64) {
        self.link = link
        self.sequence = sequence
    }
}
