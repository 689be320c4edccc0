import Foundation
import XCTest

@testable import RelayConfig

/// README's "Your home Prosody behind the relay" is a recipe operators copy: its relay
/// configuration is Config/examples/home-prosody.toml (comments aside), and its Prosody lines point
/// at that file's home listener and `[[home]] server`.
final class HomeRecipeDocumentationTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The fenced blocks of README's recipe section, by language.
    private func recipeBlocks() throws -> [String: [String]] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "\n## Your home Prosody behind the relay\n"), "section missing")
        let rest = readme[start.upperBound...]
        let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
        var blocks: [String: [String]] = [:]
        var language: String?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                if language == nil {
                    language = String(line.dropFirst(3))
                    blocks[language!, default: []] = []
                } else {
                    language = nil
                }
            } else if let language {
                blocks[language]?.append(line)
            }
        }
        return blocks
    }

    /// Lines that carry configuration: no comments, no blank lines.
    private func settings(_ lines: [String]) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    func testRecipeQuotesTheHomeExampleAndItsProsodyLinesMatch() throws {
        let example = root.appendingPathComponent("Config/examples/home-prosody.toml")
        let exampleLines = try String(contentsOf: example, encoding: .utf8).split(separator: "\n").map(String.init)
        let blocks = try recipeBlocks()
        XCTAssertEqual(settings(try XCTUnwrap(blocks["toml"])), settings(exampleLines))

        let config = try ConfigLoader.load(path: example.path, checkFiles: false).get()
        let lua = try XCTUnwrap(blocks["lua"])
        /// The value of `key = value  -- comment`, quotes and braces removed.
        func luaValue(_ key: String) -> String? {
            guard let line = lua.first(where: { $0.hasPrefix(key + " = ") }) else { return nil }
            let value = line.dropFirst(key.count + 3).components(separatedBy: "--")[0]
            return value.trimmingCharacters(in: CharacterSet(charactersIn: " {}\""))
        }
        XCTAssertEqual(config.listen.home.map(\.description), [luaValue("s2s_relay")])
        XCTAssertTrue(
            lua.contains { $0.hasPrefix("modules_enabled = ") && $0.hasSuffix("\"s2s_via_relay\" }") }, "\(lua)")
        XCTAssertEqual(luaValue("s2s_secure_auth"), "false")
        XCTAssertEqual(luaValue("s2s_require_encryption"), "false")
        XCTAssertTrue(config.homes.allSatisfy(\.plaintextLoopback), "plaintext to Prosody needs plaintext_loopback")
        // Prosody's one s2s listener is every [[home]] server.
        let prosody = "\(luaValue("s2s_interfaces") ?? "?"):\(luaValue("s2s_ports") ?? "?")"
        XCTAssertEqual(config.homes.map(\.server.description), Array(repeating: prosody, count: config.homes.count))
        XCTAssertEqual(config.homes.count, 2)
    }
}
