/// Lays a board profile (Hardware/profiles/*.toml: whole `[table]`s of settings) over the bench's own
/// config, table by table and key by key: the profile's value wins, except where the bench must
/// have its way to run at all on loopback (all peers share 127.0.0.1, so `connections_per_ip`; and
/// `max_links` no lower than the links it opens).
enum ProfileMerge {
    static func merge(base: String, profile: String, minimumLinks: Int) throws(LoadError) -> String {
        var tables = parse(base)
        for (name, entries) in parse(profile) {
            guard !name.hasPrefix("[[") else { throw LoadError("profiles hold plain tables only, not \(name)") }
            var merged = tables.first { $0.name == name }?.entries ?? []
            for entry in entries {
                if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                    merged[index] = entry
                } else {
                    merged.append(entry)
                }
            }
            if let index = tables.firstIndex(where: { $0.name == name }) {
                tables[index].entries = merged
            } else {
                tables.append((name, merged))
            }
        }
        guard let limits = tables.firstIndex(where: { $0.name == "[limits]" }) else { return render(tables) }
        for index in tables[limits].entries.indices {
            switch tables[limits].entries[index].key {
            case "connections_per_ip":
                tables[limits].entries[index].value = String(max(256, minimumLinks))
            case "max_links":
                let wanted = Int(tables[limits].entries[index].value) ?? 0
                guard wanted >= minimumLinks else {
                    throw LoadError(
                        "the profile's max_links (\(wanted)) is below the \(minimumLinks) links this run opens")
                }
            default: break
            }
        }
        if !tables[limits].entries.contains(where: { $0.key == "connections_per_ip" }) {
            tables[limits].entries.append(("connections_per_ip", String(max(256, minimumLinks))))
        }
        return render(tables)
    }

    private typealias Table = (name: String, entries: [(key: String, value: String)])

    /// Tables in order, keys in order; comments and blank lines dropped. `[[array]]` tables keep
    /// their own entries each (they are never merged).
    private static func parse(_ text: String) -> [Table] {
        var tables: [Table] = [("", [])]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.drop(while: { $0 == " " })
            if line.isEmpty || line.first == "#" { continue }
            if line.first == "[" {
                tables.append((String(line), []))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingSpaces
            let value = line[line.index(after: equals)...].trimmingSpaces
            tables[tables.count - 1].entries.append((key, value))
        }
        return tables
    }

    private static func render(_ tables: [Table]) -> String {
        var text = ""
        for table in tables where !(table.name.isEmpty && table.entries.isEmpty) {
            if !table.name.isEmpty { text += "\n\(table.name)\n" }
            for entry in table.entries { text += "\(entry.key) = \(entry.value)\n" }
        }
        return text
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
