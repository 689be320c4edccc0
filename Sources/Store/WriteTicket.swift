/// Names one write request (`append`, `delete`, `update`) so its commit can be recognised.
/// Tickets are issued in order and commits complete in order, so a commit covers a contiguous range.
public struct WriteTicket: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: WriteTicket, rhs: WriteTicket) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }
}
