import Foundation
import RelayTestSupport

/// One line of a slixmpp peer's output: `event` ("online", "message", "sent", "failed",
/// "timeout", "disconnected") and its string fields ("from", "to", "body", "id", "type").
struct PeerEvent: Decodable {
    let fields: [String: String]
    var event: String { fields["event"] ?? "" }
    subscript(_ key: String) -> String? { fields[key] }

    init(from decoder: Decoder) throws { fields = try decoder.singleValueContainer().decode([String: String].self) }
}

/// A scripted XMPP peer (Fixtures/slixmpp_peer.py): a c2s client or an XEP-0114 component.
/// It prints one JSON line per event into a file the test polls, takes commands on stdin and
/// exits by itself (done, timeout or failure). Stopped by PID if still running.
final class SlixmppPeer {
    private let process = Process()
    private let input = Pipe()
    let outputPath: String
    private let directory: String

    static var scriptPath: String { InteropTools.fixturesDirectory + "/slixmpp_peer.py" }

    /// A c2s client logging in as `jid` on host:port (TLS if offered, certificate not verified).
    /// Sends `send` once online; exits after `expect` messages arrived unless `stay`.
    static func client(
        jid: String, password: String, host: String, port: Int, send: [(to: String, body: String)] = [],
        expect: Int = 0, stay: Bool = false, timeout: TimeInterval = 20
    ) throws -> SlixmppPeer {
        try SlixmppPeer(
            mode: "client", jid: jid, password: password, host: host, port: port, fromJID: nil, send: send,
            expect: expect, stay: stay, timeout: timeout)
    }

    /// An XEP-0114 component for `domain` connecting to host:port with `secret`. Its messages
    /// go out from `fromJID` (default: the domain).
    static func component(
        domain: String, secret: String, host: String, port: Int, fromJID: String? = nil,
        send: [(to: String, body: String)] = [], expect: Int = 0, stay: Bool = false, timeout: TimeInterval = 20
    ) throws -> SlixmppPeer {
        try SlixmppPeer(
            mode: "component", jid: domain, password: secret, host: host, port: port, fromJID: fromJID, send: send,
            expect: expect, stay: stay, timeout: timeout)
    }

    private init(
        mode: String, jid: String, password: String, host: String, port: Int, fromJID: String?,
        send: [(to: String, body: String)], expect: Int, stay: Bool, timeout: TimeInterval
    ) throws {
        directory = try InteropTools.makeDirectory("xr-slixmpp")
        outputPath = directory + "/events.jsonl"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        var arguments = [
            Self.scriptPath, mode, "--jid", jid, "--password", password, "--host", host, "--port", String(port),
            "--expect", String(expect), "--timeout", String(timeout),
        ]
        if let fromJID { arguments += ["--from-jid", fromJID] }
        if stay { arguments.append("--stay") }
        for message in send { arguments += ["--send", "\(message.to)=\(message.body)"] }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        try process.run()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every event so far (stderr lines that are not JSON, e.g. a Python traceback, are skipped).
    var events: [PeerEvent] {
        guard let text = try? String(contentsOfFile: outputPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(PeerEvent.self, from: Data($0.utf8)) }
    }

    var messages: [PeerEvent] { events.filter { $0.event == "message" } }

    /// The raw output, for failure messages.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Polls until `count` events named `event` were printed; false after `timeout` seconds.
    @discardableResult
    func waitForEvent(_ event: String, count: Int = 1, timeout: TimeInterval = 20) -> Bool {
        eventually(timeout: timeout) { events.filter { $0.event == event }.count >= count }
    }

    /// Sends a chat message (the peer must be online and started with `stay` or still waiting).
    func send(to: String, body: String) {
        let line = try! JSONSerialization.data(withJSONObject: ["to": to, "body": body]) + Data("\n".utf8)
        command(line)
    }

    /// Any command the script takes on stdin (`subscribe`, `disco`, `join`, a `to`/`body`/`type` message).
    func command(_ fields: [String: String]) {
        let line = try! JSONSerialization.data(withJSONObject: fields) + Data("\n".utf8)
        input.fileHandleForWriting.write(line)
    }

    /// Events named `event` whose `field` equals `value`.
    func events(_ event: String, _ field: String, _ value: String) -> [PeerEvent] {
        events.filter { $0.event == event && $0[field] == value }
    }

    /// Polls until an event named `event` matches `predicate`; false after `timeout` seconds.
    @discardableResult
    func waitFor(_ event: String, timeout: TimeInterval = 20, where predicate: @escaping (PeerEvent) -> Bool) -> Bool {
        eventually(timeout: timeout) { events.contains { $0.event == event && predicate($0) } }
    }

    /// Asks the peer to close its stream and exit.
    func quit() { command(Data("{\"quit\": true}\n".utf8)) }

    /// A peer that already exited has closed its stdin: writing there would raise SIGPIPE and kill
    /// the whole test run (InteropTestCase ignores SIGPIPE; the failed write is the test's to see).
    private func command(_ line: Data) {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.write(contentsOf: line)
    }

    /// The exit status once the peer exited by itself, or nil after `timeout` seconds.
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        guard eventually(timeout: timeout, { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    var isRunning: Bool { process.isRunning }

    func stop() {
        guard process.isRunning else { return }
        InteropTools.stop(pid: process.processIdentifier, grace: 2)
        process.waitUntilExit()
    }
}
