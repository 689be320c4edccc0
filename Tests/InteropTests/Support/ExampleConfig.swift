import Foundation

/// A shipped example configuration (Config/examples/NAME.toml) turned into one a test can run:
/// the same file, line for line, with only the values that name this machine's paths, addresses
/// and keys replaced. Every value to replace must be in the example, so a test built on it fails
/// when the example changes shape, which keeps the example true.
struct ExampleConfig {
    private(set) var text: String

    init(named name: String) throws {
        text = try String(
            contentsOfFile: InteropTools.repositoryRoot + "/Config/examples/\(name).toml", encoding: .utf8)
    }

    /// Swaps two strings everywhere (comments included): the mirror image of a two-sided example.
    mutating func swap(_ one: String, _ other: String) {
        let placeholder = "\u{1}swap\u{1}"
        text = text.replacingOccurrences(of: one, with: placeholder).replacingOccurrences(of: other, with: one)
            .replacingOccurrences(of: placeholder, with: other)
    }

    mutating func replace(_ old: String, with new: String) {
        text = text.replacingOccurrences(of: old, with: new)
    }

    /// Replaces the value of each `TABLE.KEY` (`[[home]]`'s `server` is "home.server") and adds
    /// `lines` right after the header of each table in `inserting`. Throws naming every key or
    /// table the example does not have.
    mutating func set(_ values: [String: String], inserting: [String: [String]] = [:]) throws {
        var table = ""
        var replaced: Set<String> = []
        var inserted: Set<String> = []
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                table = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                lines.append(line)
                if let extra = inserting[table] {
                    lines += extra
                    inserted.insert(table)
                }
                continue
            }
            if !trimmed.hasPrefix("#"), let equals = trimmed.range(of: " = ") {
                let key = table + "." + trimmed[..<equals.lowerBound]
                if let value = values[key] {
                    lines.append("\(trimmed[..<equals.lowerBound]) = \(value)")
                    replaced.insert(key)
                    continue
                }
            }
            lines.append(line)
        }
        let missing =
            Set(values.keys).subtracting(replaced).sorted() + Set(inserting.keys).subtracting(inserted).sorted()
        guard missing.isEmpty else { throw InteropSetupError("the example has no \(missing.joined(separator: ", "))") }
        text = lines.joined(separator: "\n")
    }
}
