/// A stanza as the relay names it to the engine: opaque, unique for the life of the queue (the store's
/// row id once it has one). The engine never sees the stanza's bytes; RelayServer keeps them by this id.
public struct StanzaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    public static func < (lhs: StanzaID, rhs: StanzaID) -> Bool { lhs.value < rhs.value }

    public var description: String { "#\(value)" }
}
