import XCTest

@testable import DNS

final class DNSPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
