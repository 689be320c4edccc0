import XCTest

@testable import Trust

final class TrustPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
