/// Why the relay could not start, in words that say what to fix.
public struct StartFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
