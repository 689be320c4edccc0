/// How many records and body bytes are held, overall or under one key.
public struct StoreTotals: Equatable, Sendable {
    public var count: Int
    public var bytes: Int

    public init(count: Int = 0, bytes: Int = 0) {
        self.count = count
        self.bytes = bytes
    }

    public static let zero = StoreTotals()

    mutating func add(bytes size: Int) {
        count += 1
        bytes += size
    }

    mutating func remove(bytes size: Int) {
        count -= 1
        bytes -= size
    }
}
