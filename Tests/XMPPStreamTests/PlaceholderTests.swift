import XCTest

@testable import XMPPStream

final class XMPPStreamPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
