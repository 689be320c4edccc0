import XCTest

@testable import X509

final class X509PlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
