import RelayLog
import RelayServer

/// How `queue list` and `queue show` print entries: an aligned table, one JSON object per line
/// (`--json`), or one stanza's details. `now` is Unix milliseconds.
enum QueueListing {
    static func table(_ entries: [QueueEntry], now: Int64, domain: String?) -> String {
        guard !entries.isEmpty else { return domain.map { "nothing is queued for \($0)" } ?? "the queue is empty" }
        let header = ["ID", "KIND", "FROM", "TO", "SIZE", "AGE", "ATTEMPTS", "NEXT RETRY", "LAST ERROR"]
        let rows =
            [header]
            + entries.map { entry in
                [
                    entry.id.description, entry.kind, entry.from ?? "-", entry.to, String(entry.size),
                    age(now - entry.acceptedAt), String(entry.attempts), nextRetry(entry.nextAttemptAt, now: now),
                    entry.lastError.map(oneLine) ?? "-",
                ]
            }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var lines = rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
        let bytes = entries.reduce(0) { $0 + $1.size }
        lines.append("\(entries.count) stanza\(entries.count == 1 ? "" : "s"), \(bytes) bytes")
        return lines.joined(separator: "\n")
    }

    /// One object per line; times are Unix seconds like postqueue -j's `arrival_time`.
    static func json(_ entry: QueueEntry, now: Int64) -> String {
        let fields: [(String, String)] = [
            ("id", entry.id.description), ("hop", quoted(entry.hop)), ("kind", quoted(entry.kind)),
            ("from", entry.from.map(quoted) ?? "null"), ("to", quoted(entry.to)), ("size", String(entry.size)),
            ("arrival_time", String(entry.acceptedAt / 1000)), ("age_s", String(max(0, now - entry.acceptedAt) / 1000)),
            ("attempts", String(entry.attempts)),
            ("next_retry", entry.nextAttemptAt.map { String($0 / 1000) } ?? "null"),
            ("last_error", entry.lastError.map(quoted) ?? "null"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func details(_ entry: QueueEntry, now: Int64) -> String {
        var lines = [
            "id: \(entry.id)", "hop: \(entry.hop)", "kind: \(entry.kind)", "from: \(entry.from ?? "-")",
            "to: \(entry.to)", "size: \(entry.size) bytes",
            "accepted: \(Timestamp.rfc3339(unixSeconds: entry.acceptedAt / 1000)) (\(age(now - entry.acceptedAt)) ago)",
            "attempts: \(entry.attempts)",
            "next retry: "
                + (entry.nextAttemptAt.map {
                    "\(Timestamp.rfc3339(unixSeconds: $0 / 1000)) (\(nextRetry($0, now: now)))"
                } ?? "as soon as its link is up"),
            "last error: \(entry.lastError.map(oneLine) ?? "-")",
        ]
        if let stanza = entry.stanza {
            lines.append("stanza:")
            lines.append(String(decoding: stanza, as: UTF8.self))
        }
        return lines.joined(separator: "\n")
    }

    /// `45s`, `12m30s`, `5h3m`, `3d4h`.
    static func age(_ milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds) / 1000
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m\(seconds % 60)s"
        case ..<86_400: return "\(seconds / 3600)h\(seconds % 3600 / 60)m"
        default: return "\(seconds / 86_400)d\(seconds % 86_400 / 3600)h"
        }
    }

    private static func nextRetry(_ at: Int64?, now: Int64) -> String {
        guard let at else { return "-" }
        return at <= now ? "due" : "in " + age(at - now)
    }

    /// A last error on one line of the table.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }

    /// A JSON string literal (RFC 8259 escapes).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
