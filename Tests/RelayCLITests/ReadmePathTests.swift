import Foundation
import XCTest

/// A new user follows README.md literally: every repository path it names must exist.
final class ReadmePathTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Backquoted words with a slash that are not system paths (`/etc/…`), variables or URLs, and the
    /// commands at the start of code-block lines (`Scripts/test`).
    private func pathsInReadme() throws -> Set<String> {
        let text = try String(contentsOfFile: root.appendingPathComponent("README.md").path, encoding: .utf8)
        var paths = Set<String>()
        let quoted = try NSRegularExpression(pattern: #"`([A-Za-z0-9_.][A-Za-z0-9_./-]*/[A-Za-z0-9_./-]*)`"#)
        for match in quoted.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            if let range = Range(match.range(at: 1), in: text) { paths.insert(String(text[range])) }
        }
        var inCode = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inCode.toggle()
                continue
            }
            guard inCode, let first = line.split(separator: " ").first, first.contains("/"), !first.hasPrefix("/")
            else { continue }
            paths.insert(String(first))
        }
        return paths
    }

    func testEveryPathTheReadmeNamesExists() throws {
        let paths = try pathsInReadme()
        XCTAssertTrue(paths.contains("Config/xmpp-relay.toml"), "the scanner found no paths: \(paths.sorted())")
        XCTAssertTrue(paths.contains("Scripts/test"), "code blocks are scanned too: \(paths.sorted())")
        let missing = paths.filter { !FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
        XCTAssertEqual(missing.sorted(), [], "README.md names files that are not in the repository")
    }
}
