import XCTest

@testable import EventLoop

final class LoopTests: XCTestCase {
    func testLoopWithNothingToDoReturns() { Loop().run() }
}
