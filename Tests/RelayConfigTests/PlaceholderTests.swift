import XCTest

@testable import RelayConfig

final class RelayConfigPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
