import Foundation
import XCTest

/// The log is the monitoring interface: every event name the code emits must be documented in
/// README.md's event table, and the table must not list events the code no longer emits.
final class LogEventDocumentationTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Event names as they appear in calls like `logger.info("link.up", …)` or `logger.log(.warn, "x.y", …)`,
    /// as a `ConfigWarning.Kind` (`static let risky = Kind("config.risky")`), which `run` logs by name,
    /// or as an enum case whose raw value is the event (`QueueLog.Event`: `case full = "queue.full"`).
    private func eventsInSources() throws -> Set<String> {
        let pattern = try NSRegularExpression(
            pattern:
                #"(?:logger\.(?:debug|info|warn|error)\(|logger\.log\(\.[a-z]+,|static let [A-Za-z]+ = Kind\(|case [a-z]+ = )\s*"#
                + #""([a-z0-9_]+(?:\.[a-z0-9_]+)*)""#)
        var events = Set<String>()
        let sources = root.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(atPath: sources.path) else { return events }
        for case let file as String in walker where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            for match in pattern.matches(in: text, range: range) {
                guard let name = Range(match.range(at: 1), in: text), let whole = Range(match.range, in: text) else {
                    continue
                }
                // An enum case names an event only when its raw value is dotted like one.
                if text[whole].hasPrefix("case ") && !text[name].contains(".") { continue }
                events.insert(String(text[name]))
            }
        }
        return events
    }

    /// Rows of the README table whose first cell is a backquoted event name.
    private func eventsInReadme() throws -> Set<String> {
        let text = try String(contentsOfFile: root.appendingPathComponent("README.md").path, encoding: .utf8)
        var events = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            events.insert(String(cell))
        }
        return events
    }

    func testEveryEmittedEventIsDocumented() throws {
        let emitted = try eventsInSources()
        XCTAssertTrue(emitted.contains("relay.start"), "the scanner found no events: \(emitted)")
        let documented = try eventsInReadme()
        XCTAssertEqual(emitted.subtracting(documented).sorted(), [], "emitted but not in README.md's event table")
        XCTAssertEqual(documented.subtracting(emitted).sorted(), [], "in README.md's event table but never emitted")
    }
}
