import EventLoop
import RelayLog
import XCTest

@testable import RelayServer

/// The global output cap: crossing it pauses every link (and says so once), halving it resumes them.
final class OutputBudgetTests: XCTestCase {
    final class Gauge: OutputGauge {
        var syncs = 0
        var changes = 0
        func syncOutput() { syncs += 1 }
        func outputPressureChanged() { changes += 1 }
    }

    func testCrossingTheGlobalCapPausesEveryLinkUntilTheSumHalves() {
        let sink = MemorySink()
        let budget = OutputBudget(
            linkHighWater: 400, globalCap: 1000, writeStall: .seconds(60), loop: Loop(), logger: Logger(sink: sink))
        let gauges = [Gauge(), Gauge()]
        for gauge in gauges { budget.register(gauge) }
        XCTAssertEqual(budget.linkLowWater, 100)

        budget.adjust(by: 600)
        budget.adjust(by: 400)
        XCTAssertFalse(budget.isOverGlobalCap, "at the cap is not over it")
        budget.adjust(by: 1)
        XCTAssertTrue(budget.isOverGlobalCap)
        XCTAssertEqual(gauges.map(\.changes), [1, 1])
        XCTAssertEqual(sink.lines.filter { $0.contains("event=limit.reached") }.count, 1)
        let line = sink.lines.first { $0.contains("limit=max_output_bytes") } ?? ""
        XCTAssertTrue(line.contains("value=1000") && line.contains("raise [limits] max_output_bytes"), line)

        budget.adjust(by: -400)
        XCTAssertTrue(budget.isOverGlobalCap, "601 bytes: still over half the cap")
        budget.adjust(by: -101)
        XCTAssertFalse(budget.isOverGlobalCap)
        XCTAssertEqual(gauges.map(\.changes), [2, 2])

        budget.adjust(by: 2000)
        XCTAssertTrue(budget.isOverGlobalCap)
        XCTAssertEqual(
            sink.lines.filter { $0.contains("event=limit.reached") }.count, 1, "at most one line a minute per limit")
        budget.unregister(gauges[1])
        budget.adjust(by: -2500)
        XCTAssertEqual(gauges.map(\.changes), [4, 3])
        XCTAssertEqual(budget.total, 0, "never below zero")
    }
}
