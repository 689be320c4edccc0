import XCTest

@testable import RelayCLI

final class DispatchTests: XCTestCase {
    func testUnknownCommandIsUsageError() {
        var errors: [String] = []
        let io = CommandIO(out: { _ in }, err: { errors.append($0) })
        XCTAssertEqual(RelayCLI.main(["frobnicate"], io: io), ExitCode.usage)
        XCTAssertTrue(errors.joined().contains("unknown command"))
    }
}
