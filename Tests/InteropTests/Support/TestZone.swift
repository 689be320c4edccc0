import Foundation
import RelayTestSupport

/// A DNSSEC-signed zone (ldns, ECDSA P-256) served by knotd on 127.0.0.1:<free port>, with records
/// the test adds before `start()`. Validators use `trustAnchorFile` (the zone's DS). Records can be
/// forged after signing (bogus) and child zones delegated without DS (insecure). Stopped by PID.
final class TestZone {
    let origin: String
    let directory: String
    /// Picked at init, so servers configured before `start()` already know where DNS is.
    let port: Int
    private var records: [String] = []
    private var forgeries: [(owner: String, type: String, rdata: String)] = []
    private var insecureChildren: [String: [String]] = [:]
    private var deadSignedChildren: [String: String] = [:]
    private let knot = Process()

    /// `origin` is absolute, e.g. "interop.test.".
    init(origin: String = "interop.test.") throws {
        self.origin = origin.hasSuffix(".") ? origin : origin + "."
        directory = try InteropTools.makeDirectory("xr-zone")
        port = try InteropTools.freePort()
    }

    deinit { stop() }

    /// The DS of the zone, in zone-file format: a validator's trust anchor (readable by anyone).
    var trustAnchorFile: String { directory + "/trust-anchor.ds" }
    /// "127.0.0.1@PORT", as unbound and Prosody's `unbound.forward` spell it.
    var serverAddress: String { "127.0.0.1@\(port)" }

    /// An absolute owner name: "a" becomes "a.interop.test.", "a.interop.test" and "a.interop.test."
    /// stay "a.interop.test.".
    func absolute(_ name: String) -> String {
        if name.hasSuffix(".") { return name }
        let bareOrigin = String(origin.dropLast())
        if name == bareOrigin || name.hasSuffix("." + bareOrigin) { return name + "." }
        return name.isEmpty || name == "@" ? origin : "\(name).\(origin)"
    }

    /// Any record, in zone-file syntax with an absolute or origin-relative owner.
    func add(_ line: String) { records.append(line) }

    func addA(_ host: String, _ address: String) { add("\(absolute(host)) A \(address)") }

    /// `_SERVICE._tcp.DOMAIN SRV priority weight port target`; service is "xmpp-server",
    /// "xmpps-server", "xmpp-client"… A target of "." means "no service".
    func addSRV(
        service: String, domain: String, target: String, port: Int, priority: Int = 0, weight: Int = 0
    ) {
        let target = target == "." ? "." : absolute(target)
        add("_\(service)._tcp.\(absolute(domain)) SRV \(priority) \(weight) \(port) \(target)")
    }

    /// `_PORT._tcp.HOST TLSA 3 1 1 <SPKI hash of certificate>`. With `bogus`, the record is
    /// signed as given and its data changed afterwards, so validators see a bogus answer.
    func addTLSA(host: String, port: Int, certificate: TestCertificate, bogus: Bool = false) {
        addTLSA(host: host, port: port, rdata: certificate.tlsa311)
        if bogus {
            forge(owner: "_\(port)._tcp.\(absolute(host))", type: "TLSA", rdata: "3 1 1 \(certificate.wrongSPKISHA256)")
        }
    }

    func addTLSA(host: String, port: Int, rdata: String) { add("_\(port)._tcp.\(absolute(host)) TLSA \(rdata)") }

    /// After signing, replaces the rdata of every `owner type` record (signatures stay: bogus).
    func forge(owner: String, type: String, rdata: String) {
        forgeries.append((absolute(owner), type, rdata))
    }

    /// Delegates `child` (e.g. "insecure") without a DS; `records` (absolute or child-relative
    /// owners) go into the unsigned child zone, served by the same knot.
    func addInsecureChild(_ child: String, records: [String]) {
        insecureChildren[absolute(child)] = records
    }

    /// Delegates `child` (e.g. "_tcp.xmpp.b") with a DS, so it is signed, to a name server at
    /// `serverAddress` port 53 that nobody serves (pick an unused loopback address): every lookup
    /// below `child` fails (SERVFAIL, timeout) under a secure parent.
    func addDeadSignedChild(_ child: String, serverAddress: String = "127.0.9.53") {
        deadSignedChildren[absolute(child)] = serverAddress
    }

    /// Signs the zone, writes knot's configuration, starts knotd and waits until it answers.
    func start(timeout: TimeInterval = 10) throws {
        var zone = [
            "$ORIGIN \(origin)", "$TTL 3600", "@ SOA ns.\(origin) hostmaster.\(origin) 1 3600 600 86400 300",
            "@ NS ns.\(origin)", "ns A 127.0.0.1",
        ]
        for child in insecureChildren.keys.sorted() { zone += ["\(child) NS ns.\(origin)"] }
        for (index, child) in deadSignedChildren.keys.sorted().enumerated() {
            // The child's key exists only for its DS: nothing ever serves that zone.
            let key = try InteropTools.run(
                "/usr/bin/ldns-keygen", ["-a", "ECDSAP256SHA256", "-k", child], inDirectory: directory)
            let dsFile = "\(directory)/\(key.trimmingCharacters(in: .whitespacesAndNewlines)).ds"
            let ds = try String(contentsOfFile: dsFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            zone += [
                "\(child) NS dead\(index).ns.\(origin)", "dead\(index).ns.\(origin) A \(deadSignedChildren[child]!)",
                ds,
            ]
        }
        try InteropTools.write((zone + records).joined(separator: "\n") + "\n", to: directory + "/zone")

        let ksk = try InteropTools.run(
            "/usr/bin/ldns-keygen", ["-a", "ECDSAP256SHA256", "-k", origin], inDirectory: directory)
        let zsk = try InteropTools.run(
            "/usr/bin/ldns-keygen", ["-a", "ECDSAP256SHA256", origin], inDirectory: directory)
        let kskName = ksk.trimmingCharacters(in: .whitespacesAndNewlines)
        let zskName = zsk.trimmingCharacters(in: .whitespacesAndNewlines)
        try InteropTools.run(
            "/usr/bin/ldns-signzone", ["-f", "zone.signed", "zone", kskName, zskName], inDirectory: directory)
        try FileManager.default.copyItem(atPath: "\(directory)/\(kskName).ds", toPath: trustAnchorFile)
        try applyForgeries()

        var zoneList = "  - domain: \(origin)\n    file: \"zone.signed\"\n"
        for (index, child) in insecureChildren.keys.sorted().enumerated() {
            let lines = [
                "$ORIGIN \(child)", "$TTL 3600", "@ SOA ns.\(origin) hostmaster.\(origin) 1 3600 600 86400 300",
                "@ NS ns.\(origin)",
            ]
            try InteropTools.write(
                (lines + insecureChildren[child]!).joined(separator: "\n") + "\n", to: "\(directory)/child\(index)")
            zoneList += "  - domain: \(child)\n    file: \"child\(index)\"\n"
        }
        try FileManager.default.createDirectory(atPath: directory + "/knot", withIntermediateDirectories: true)
        let configuration = """
            server:
                listen: 127.0.0.1@\(port)
                rundir: "\(directory)/knot"
                pidfile: "\(directory)/knot/knot.pid"
            database:
                storage: "\(directory)/knot"
            log:
              - target: stderr
                any: info
            template:
              - id: default
                storage: "\(directory)"
                zonefile-sync: -1
                journal-content: none
                semantic-checks: off
            zone:
            \(zoneList)
            """
        try InteropTools.write(configuration, to: directory + "/knot.conf")
        // Foreground child (a daemonized knotd would keep our pipes open); its PID is ours to stop.
        knot.executableURL = URL(fileURLWithPath: "/usr/sbin/knotd")
        knot.arguments = ["-c", directory + "/knot.conf"]
        _ = FileManager.default.createFile(atPath: directory + "/knotd.out", contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/knotd.out"))
        knot.standardOutput = output
        knot.standardError = output
        knot.standardInput = FileHandle.nullDevice
        try knot.run()
        try? output.close()
        let started = eventually(timeout: timeout) { knot.isRunning && answersSOA() }
        guard started else {
            throw InteropSetupError("knotd did not serve \(origin) on \(serverAddress); see \(directory)/knotd.out")
        }
    }

    /// `dig` against this knot only (for tests that want to look at the served data).
    func dig(_ arguments: [String]) throws -> String {
        try InteropTools.run(
            "/usr/bin/dig", ["@127.0.0.1", "-p", String(port), "+norec", "+time=1", "+tries=1"] + arguments)
    }

    func stop() {
        guard knot.isRunning else { return }
        InteropTools.stop(pid: knot.processIdentifier)
        knot.waitUntilExit()
    }

    /// Stops knot and removes the directory.
    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func answersSOA() -> Bool {
        guard let text = try? dig([origin, "SOA"]) else { return false }
        return text.contains("status: NOERROR")
    }

    private func applyForgeries() throws {
        guard !forgeries.isEmpty else { return }
        let path = directory + "/zone.signed"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        for forgery in forgeries {
            var changed = 0
            for index in lines.indices {
                let fields = lines[index].split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count >= 5, fields[0].lowercased() == forgery.owner.lowercased(),
                    fields[3] == forgery.type
                else { continue }
                lines[index] = fields[0..<4].joined(separator: "\t") + "\t" + forgery.rdata
                changed += 1
            }
            guard changed > 0 else {
                throw InteropSetupError("no \(forgery.owner) \(forgery.type) record to forge in the signed zone")
            }
        }
        try InteropTools.write(lines.joined(separator: "\n"), to: path)
    }
}
