import XCTest

@testable import RelayCLI

final class DispatchTests: XCTestCase {
    private var out: [String] = []
    private var err: [String] = []
    private var io: CommandIO { CommandIO(out: { self.out.append($0) }, err: { self.err.append($0) }) }

    func testNoCommandPrintsUsageAndExits2() {
        XCTAssertEqual(RelayCLI.main([], io: io), ExitCode.usage)
        XCTAssertTrue(err.joined().contains("usage: xmpp-relay COMMAND"))
    }

    func testUnknownCommandIsUsageError() {
        XCTAssertEqual(RelayCLI.main(["frobnicate"], io: io), ExitCode.usage)
        XCTAssertTrue(err.joined().contains("unknown command 'frobnicate'"))
    }

    func testHelpListsEveryCommand() {
        XCTAssertEqual(RelayCLI.main(["help"], io: io), ExitCode.ok)
        for command in RelayCLI.commands {
            XCTAssertTrue(out.joined().contains("  \(command.name) "), command.name)
        }
    }

    func testEveryCommandHasHelp() {
        for command in RelayCLI.commands {
            out = []
            XCTAssertEqual(RelayCLI.main([command.name, "--help"], io: io), ExitCode.ok)
            XCTAssertTrue(out.joined().hasPrefix("usage: xmpp-relay \(command.name)"), command.name)
        }
    }

    func testHelpForUnknownCommandExits2() {
        XCTAssertEqual(RelayCLI.main(["help", "nope"], io: io), ExitCode.usage)
    }

    func testVersion() {
        XCTAssertEqual(RelayCLI.main(["version"], io: io), ExitCode.ok)
        XCTAssertEqual(out, ["xmpp-relay \(RelayVersion.string)"])
        XCTAssertEqual(RelayCLI.main(["version", "extra"], io: io), ExitCode.usage)
    }
}
