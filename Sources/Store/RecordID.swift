/// A stored record's identity, assigned in acceptance order: a larger id was accepted later.
/// Ids grow across restarts (the next one follows the largest stored), so order per queue key
/// survives them; only after the queue emptied completely may a restart hand out an old number again.
public struct RecordID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64

    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }
}
