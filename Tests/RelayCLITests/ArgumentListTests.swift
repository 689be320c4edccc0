import XCTest

@testable import RelayCLI

final class ArgumentListTests: XCTestCase {
    func testValuesSwitchesAndPositionals() throws {
        let list = try ArgumentList(
            ["jabber.org", "--out", "/tmp/x", "--name=a.example", "--name", "b.example", "--force"],
            valueFlags: ["--out", "--name"], switchFlags: ["--force"])
        XCTAssertEqual(list.positionals, ["jabber.org"])
        XCTAssertEqual(list.value("--out"), "/tmp/x")
        XCTAssertEqual(list.allValues("--name"), ["a.example", "b.example"])
        XCTAssertTrue(list.isSet("--force"))
        XCTAssertFalse(list.isSet("--other"))
    }

    func testUnknownFlagAndMissingValueAreErrors() {
        XCTAssertThrowsError(try ArgumentList(["--bogus"])) { error in
            XCTAssertEqual("\(error)", "unknown option --bogus")
        }
        XCTAssertThrowsError(try ArgumentList(["--config"], valueFlags: ["--config"])) { error in
            XCTAssertEqual("\(error)", "option --config needs a value")
        }
        XCTAssertThrowsError(try ArgumentList(["--force=yes"], switchFlags: ["--force"]))
    }

    func testDoubleDashEndsOptions() throws {
        let list = try ArgumentList(["--", "--not-a-flag"])
        XCTAssertEqual(list.positionals, ["--not-a-flag"])
    }
}
