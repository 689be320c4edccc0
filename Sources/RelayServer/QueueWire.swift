import Store

/// The control socket's line protocol, one request per connection (`QueueControlServer` serves it,
/// `QueueControlClient` speaks it). A line is tab-separated fields ending in `\n`; `%`, tabs, line
/// ends and other control bytes inside a field are written `%XX`, so any stanza byte survives.
/// Optional fields are empty when absent.
///
/// Requests:  `list\tDOMAIN` · `show\tID\t0|1` (1: with the stanza) · `flush\tDOMAIN` ·
///            `drop\t0|1\tids\tID,ID…` · `drop\t0|1\tdomain\tDOMAIN` (1: bounce)
/// Answers:   `entry\t…` lines (list, show), `flushed\tN\tNOTE`, `dropped\tBOUNCED\tIDS\tMISSING`, then
///            `ok`; or one `error\tCODE\tMESSAGE`. An answer without its `ok` or `error` is a failure.
public enum QueueWire {
    public enum Request: Equatable, Sendable {
        case list(domain: String?)
        case show(RecordID, withStanza: Bool)
        case flush(domain: String?)
        case drop(QueueTarget, bounce: Bool)
    }

    // MARK: requests

    public static func encode(_ request: Request) -> [UInt8] {
        switch request {
        case .list(let domain): line(["list", domain ?? ""])
        case .show(let id, let withStanza): line(["show", id.description, withStanza ? "1" : "0"])
        case .flush(let domain): line(["flush", domain ?? ""])
        case .drop(.ids(let ids), let bounce):
            line(["drop", bounce ? "1" : "0", "ids", ids.map(\.description).joined(separator: ",")])
        case .drop(.domain(let domain), let bounce): line(["drop", bounce ? "1" : "0", "domain", domain])
        }
    }

    /// Parses one request line (without its `\n`).
    public static func decodeRequest(_ bytes: ArraySlice<UInt8>) throws(QueueError) -> Request {
        let fields = try split(bytes).map(text)
        func optional(_ index: Int) -> String? {
            index < fields.count && !fields[index].isEmpty ? fields[index] : nil
        }
        switch (fields.first ?? "", fields.count) {
        case ("list", 2): return .list(domain: optional(1))
        case ("flush", 2): return .flush(domain: optional(1))
        case ("show", 3):
            return .show(try recordID(fields[1]), withStanza: fields[2] == "1")
        case ("drop", 4) where fields[2] == "ids":
            let ids = try fields[3].split(separator: ",").map { (part) throws(QueueError) in try recordID(String(part))
            }
            guard !ids.isEmpty else { throw QueueError(.badRequest, "drop names no id") }
            return .drop(.ids(ids), bounce: fields[1] == "1")
        case ("drop", 4) where fields[2] == "domain" && !fields[3].isEmpty:
            return .drop(.domain(fields[3]), bounce: fields[1] == "1")
        default:
            throw QueueError(.badRequest, "not a queue request: \(fields.first ?? "")")
        }
    }

    /// A queue id as the tools print it: a positive decimal number.
    public static func recordID(_ text: String) throws(QueueError) -> RecordID {
        guard let value = Int64(text), value > 0 else {
            throw QueueError(.badRequest, "'\(text)' is not a queue id (ids are the numbers `queue list` prints)")
        }
        return RecordID(value)
    }

    // MARK: answers

    public static func encode(_ entry: QueueEntry) -> [UInt8] {
        line(
            [
                "entry", entry.id.description, entry.hop, entry.kind, entry.from ?? "", entry.to, String(entry.size),
                String(entry.acceptedAt), String(entry.attempts), entry.nextAttemptAt.map(String.init) ?? "",
                entry.lastError ?? "",
            ], stanza: entry.stanza)
    }

    public static func encode(_ result: QueueFlushResult) -> [UInt8] {
        line(["flushed", String(result.retried), result.note])
    }

    public static func encode(_ result: QueueDropResult) -> [UInt8] {
        line([
            "dropped", String(result.bounced), result.dropped.map(\.description).joined(separator: ","),
            result.missing.map(\.description).joined(separator: ","),
        ])
    }

    public static func encode(_ error: QueueError) -> [UInt8] {
        line(["error", error.code.rawValue, error.message])
    }

    public static var ok: [UInt8] { line(["ok"]) }

    /// One decoded answer line.
    public enum Answer: Equatable, Sendable {
        case entry(QueueEntry)
        case flushed(QueueFlushResult)
        case dropped(QueueDropResult)
        case error(QueueError)
        case ok
    }

    public static func decodeAnswer(_ bytes: ArraySlice<UInt8>) throws(QueueError) -> Answer {
        let raw = try split(bytes)
        let fields = raw.map(text)
        func malformed() -> QueueError {
            QueueError(.failed, "the relay answered something unexpected: \(fields.first ?? "")")
        }
        func number(_ index: Int) throws(QueueError) -> Int64 {
            guard let value = Int64(fields[index]) else { throw malformed() }
            return value
        }
        func ids(_ index: Int) throws(QueueError) -> [RecordID] {
            try fields[index].split(separator: ",").map { (part) throws(QueueError) in
                guard let value = Int64(part) else { throw malformed() }
                return RecordID(value)
            }
        }
        switch (fields.first ?? "", fields.count) {
        case ("ok", 1): return .ok
        case ("entry", 12):
            return .entry(
                QueueEntry(
                    id: RecordID(try number(1)), hop: fields[2], kind: fields[3],
                    from: fields[4].isEmpty ? nil : fields[4], to: fields[5], size: Int(try number(6)),
                    acceptedAt: try number(7), attempts: Int(try number(8)),
                    nextAttemptAt: fields[9].isEmpty ? nil : try number(9),
                    lastError: fields[10].isEmpty ? nil : fields[10], stanza: raw[11].isEmpty ? nil : raw[11]))
        case ("flushed", 3): return .flushed(QueueFlushResult(retried: Int(try number(1)), note: fields[2]))
        case ("dropped", 4):
            return .dropped(QueueDropResult(dropped: try ids(2), bounced: Int(try number(1)), missing: try ids(3)))
        case ("error", 3):
            return .error(QueueError(QueueError.Code(rawValue: fields[1]) ?? .failed, fields[2]))
        default: throw malformed()
        }
    }

    // MARK: fields

    private static func line(_ fields: [String], stanza: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(tab) }
            escape(Array(field.utf8), into: &out)
        }
        if fields.first == "entry" {
            out.append(tab)
            escape(stanza ?? [], into: &out)
        }
        out.append(newline)
        return out
    }

    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let percent = UInt8(ascii: "%")

    private static func escape(_ bytes: [UInt8], into out: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            if byte == percent || byte < 0x20 || byte == 0x7F {
                out += [percent, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            } else {
                out.append(byte)
            }
        }
    }

    /// The fields of one line, unescaped.
    private static func split(_ bytes: ArraySlice<UInt8>) throws(QueueError) -> [[UInt8]] {
        var fields: [[UInt8]] = [[]]
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == tab {
                fields.append([])
            } else if byte == percent {
                guard index + 2 < bytes.endIndex, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else { throw QueueError(.badRequest, "a bad %-escape in a control line") }
                fields[fields.count - 1].append(high << 4 | low)
                index += 2
            } else {
                fields[fields.count - 1].append(byte)
            }
            index += 1
        }
        return fields
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
