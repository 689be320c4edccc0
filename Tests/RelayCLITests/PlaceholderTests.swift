import XCTest

@testable import RelayCLI

final class RelayCLIPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
