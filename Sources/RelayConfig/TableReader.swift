/// A value together with the line it was written on.
struct Located<Value> {
    let value: Value
    let line: Int
}

/// The tables and keys the configuration knows; anything else is an error.
enum ConfigSchema {
    /// Top-level tables in the order the reference file documents them, with their keys.
    static var tables: [(name: String, keys: [String])] {
        [
            ("relay", ["state_dir", "allow_root"]),
            ("log", ["level", "stats_interval"]),
            ("tls", ["certificate", "key", "ca_file", "domain"]),
            ("dns", ["trust_anchor", "forwarders", "use_resolv_conf", "stub_zones", "cache_size", "timeout"]),
            ("listen", ["s2s", "s2s_direct_tls", "home", "component"]),
            ("home", ["domain", "server", "pin", "pins", "plaintext_loopback"]),
            ("component", ["domain", "secret", "secret_file"]),
            ("peer", ["domain", "pin", "pins", "allow_dialback", "server"]),
            ("policy", ["require", "allow_dialback"]),
            ("queue", ["hold", "max_age", "iq_hold", "max_backoff", "retry_max", "max_bytes", "max_bytes_per_domain"]),
            (
                "limits",
                [
                    "max_stanza_bytes", "max_depth", "max_attributes", "connections_per_ip", "max_links",
                    "handshake_timeout", "link_output_bytes", "max_output_bytes", "write_stall",
                ]
            ),
        ]
    }

    /// Blocks written `[[name]]`; the rest are single `[name]` tables.
    static var arrayTables: Set<String> { ["home", "component", "peer", "tls.domain"] }

    static func keys(of table: String) -> [String] {
        if table == "tls.domain" { return ["domain", "certificate", "key"] }
        return tables.first { $0.name == table }?.keys ?? tables.map(\.name)
    }

    /// The header as written in the file: `[tls]`, `[[home]]`.
    static func header(_ table: String) -> String {
        arrayTables.contains(table) ? "[[\(table)]]" : "[\(table)]"
    }
}

/// Reads typed values out of one TOML table, reporting unknown keys and wrong types to `diagnostics`.
/// Getters return nil when the key is absent or wrong (the caller then keeps the default).
struct TableReader {
    let table: TOMLTable
    /// Schema name: "" for the top level, "tls", "home", "tls.domain".
    let name: String
    let diagnostics: Diagnostics

    init(_ table: TOMLTable, name: String, diagnostics: Diagnostics) {
        self.table = table
        self.name = name
        self.diagnostics = diagnostics
        let known = ConfigSchema.keys(of: name)
        for entry in table.entries where !known.contains(entry.key) {
            reportUnknown(entry, known: known)
        }
    }

    var line: Int { table.line }

    /// `key` as the operator would search for it: `tls.certificate`, `home.domain`.
    func qualified(_ key: String) -> String { name.isEmpty ? key : "\(name).\(key)" }

    private func reportUnknown(_ entry: TOMLTable.Entry, known: [String]) {
        let isTable: Bool
        let isBlock: Bool
        switch entry.value.kind {
        case .table: (isTable, isBlock) = (true, false)
        case .array(let items):
            let blocks = !items.isEmpty && items.allSatisfy { if case .table = $0.kind { true } else { false } }
            (isTable, isBlock) = (blocks, blocks)
        default: (isTable, isBlock) = (false, false)
        }
        let full = qualified(entry.key)
        var message: String
        if isTable {
            message = "unknown table \(isBlock ? "[[\(full)]]" : "[\(full)]")"
        } else {
            message =
                "unknown key '\(entry.key)'" + (name.isEmpty ? " at the top level" : " in \(ConfigSchema.header(name))")
        }
        if let suggestion = Suggestions.closest(to: entry.key, among: known) {
            let written =
                isTable ? ConfigSchema.header(name.isEmpty ? suggestion : "\(name).\(suggestion)") : "'\(suggestion)'"
            message += "; did you mean \(written)?"
        } else if let owner = ConfigSchema.tables.first(where: { $0.name != name && $0.keys.contains(entry.key) }),
            !isTable
        {
            message += "; it belongs in \(ConfigSchema.header(owner.name)): move it there"
        } else if name.isEmpty {
            message +=
                "; the tables are " + ConfigSchema.tables.map { ConfigSchema.header($0.name) }.joined(separator: ", ")
        } else {
            message += "; the keys here are " + known.joined(separator: ", ")
        }
        diagnostics.add(.unknownKey, line: entry.value.line, message)
    }

    private func wrongType(_ key: String, _ value: TOMLValue, expected: String, example: String) {
        diagnostics.add(
            .wrongType, line: value.line,
            "\(qualified(key)) must be \(expected), not \(value.typeDescription); e.g. \(key) = \(example)")
    }

    func contains(_ key: String) -> Bool { table[key] != nil }

    func string(_ key: String, example: String) -> Located<String>? {
        guard let value = table[key] else { return nil }
        guard case .string(let text) = value.kind else {
            wrongType(key, value, expected: "a string in quotes", example: example)
            return nil
        }
        return Located(value: text, line: value.line)
    }

    func bool(_ key: String) -> Located<Bool>? {
        guard let value = table[key] else { return nil }
        guard case .boolean(let flag) = value.kind else {
            wrongType(key, value, expected: "true or false", example: "true")
            return nil
        }
        return Located(value: flag, line: value.line)
    }

    func integer(_ key: String, example: String) -> Located<Int64>? {
        guard let value = table[key] else { return nil }
        guard case .integer(let number) = value.kind else {
            wrongType(key, value, expected: "an integer", example: example)
            return nil
        }
        return Located(value: number, line: value.line)
    }

    /// A list of strings; elements of another type are reported one by one and skipped.
    func stringList(_ key: String, example: String) -> Located<[Located<String>]>? {
        guard let value = table[key] else { return nil }
        guard case .array(let elements) = value.kind else {
            wrongType(key, value, expected: "a list", example: example)
            return nil
        }
        var strings: [Located<String>] = []
        for element in elements {
            if case .string(let text) = element.kind {
                strings.append(Located(value: text, line: element.line))
            } else {
                diagnostics.add(
                    .wrongType, line: element.line,
                    "each entry of \(qualified(key)) must be a string in quotes, not \(element.typeDescription); "
                        + "e.g. \(key) = \(example)")
            }
        }
        return Located(value: strings, line: value.line)
    }

    /// A single `[name]` sub-table.
    func table(_ key: String) -> TOMLTable? {
        guard let value = table[key] else { return nil }
        if case .table(let sub) = value.kind { return sub }
        let header = qualified(key)
        if case .array(let items) = value.kind, let first = items.first, case .table = first.kind {
            diagnostics.add(
                .wrongType, line: first.line, "\(header) is a single table: write [\(header)] once, not [[\(header)]]")
        } else {
            diagnostics.add(
                .wrongType, line: value.line,
                "\(header) must be a [\(header)] table with keys below it, not \(value.typeDescription)")
        }
        return nil
    }

    /// The blocks of an `[[name]]` array of tables.
    func blocks(_ key: String, purpose: String) -> [TOMLTable] {
        guard let value = table[key] else { return [] }
        let header = qualified(key)
        switch value.kind {
        case .table(let sub):
            diagnostics.add(
                .wrongType, line: sub.line, "write [[\(header)]] (one block \(purpose)), not [\(header)]")
            return []
        case .array(let items):
            var tables: [TOMLTable] = []
            for item in items {
                if case .table(let block) = item.kind {
                    tables.append(block)
                } else {
                    diagnostics.add(
                        .wrongType, line: item.line,
                        "\(header) must be written as [[\(header)]] blocks (one \(purpose)), not as a list")
                    return []
                }
            }
            return tables
        default:
            diagnostics.add(
                .wrongType, line: value.line,
                "\(header) must be written as [[\(header)]] blocks (one \(purpose)), not \(value.typeDescription)")
            return []
        }
    }
}
