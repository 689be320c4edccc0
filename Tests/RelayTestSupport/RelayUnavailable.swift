/// The relay binary could not be found or started: a test that needs it fails with this message.
/// (RelayTestSupport cannot throw XCTSkip: it is a plain target and must build without XCTest.)
public struct RelayUnavailable: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
