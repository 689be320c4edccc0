import Foundation
import RelayTestSupport
import XCTest

/// The durable queue in running relays (issue 11): custody (an acknowledged stanza survives
/// `kill -9`), restarts (SIGTERM stores and resumes, in order), a full disk (new stanzas bounce
/// with resource-constraint, nothing acknowledged is lost, the relay recovers).
final class QueueTests: XCTestCase {
    typealias Side = RelayBed.Side

    private var bed: RelayBed!

    override func setUpWithError() throws {
        bed = try RelayBed(name: "queue")
    }

    override func tearDownWithError() throws {
        bed.tearDown()
    }

    private func configText(_ side: Side, peers: [Side], stateDirectory: String? = nil) -> String {
        var text =
            bed.commonSections(domain: side.domain, certificate: side.certificate, key: side.key) + """
                [listen]
                s2s = ["127.0.0.1:\(side.s2sPort)"]
                s2s_direct_tls = []
                home = []
                component = ["127.0.0.1:\(side.componentPort)"]

                """
        if let stateDirectory {
            text = text.replacingOccurrences(
                of: "state_dir = \"\(bed.directory)/state-\(side.domain)\"", with: "state_dir = \"\(stateDirectory)\"")
        }
        text += RelayBed.componentSection(domain: side.domain, secret: side.secret)
        for peer in peers {
            text += RelayBed.peerSection(domain: peer.domain, port: peer.s2sPort, pin: peer.pin, dialback: false)
        }
        return text
    }

    private func message(from: String, to: String, id: String, body: String = "x") -> String {
        "<message from='\(from)' to='\(to)' id='\(id)'><body>\(body)</body></message>"
    }

    /// The ids of `<message>`s with ids starting `prefix` that `client` received, in order.
    private func receivedIDs(_ client: LoopbackClient, prefix: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(client.received)
        while let range = rest.range(of: "id='\(prefix)") {
            let tail = rest[range.upperBound...]
            let number = tail.prefix { $0 != "'" }
            ids.append(prefix + number)
            rest = tail
        }
        return ids
    }

    /// The sum of `count=` over the `queue.delivered` lines of `relay` for `hop`.
    private func delivered(_ relay: RelayProcess, hop: String) -> Int {
        relay.lines("queue.delivered").filter { $0.contains("hop=\(hop) ") }.reduce(0) { sum, line in
            guard let range = line.range(of: "count=") else { return sum }
            return sum + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
        }
    }

    /// B sends 20 messages to A's component, which is not connected: A stores them and only then
    /// confirms custody to B (XEP-0198). Once B has its acknowledgements, A is killed with SIGKILL;
    /// restarted, it delivers all 20, in order, when its component connects.
    func testAcknowledgedStanzasSurviveKillNineAndArriveInOrder() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let aConfig = configText(a, peers: [b])
        let relayA = try bed.startRelay(domain: a.domain, aConfig)
        let relayB = try bed.startRelay(domain: b.domain, configText(b, peers: [a]))
        let componentB = try bed.component(b)

        let ids = (1...20).map { "k\($0)" }
        for id in ids { try componentB.send(message(from: "bob@b.example", to: "alice@a.example", id: id)) }
        XCTAssertNotNil(relayA.waitFor("queue.deferred", ["hop=component:a.example"]), relayA.log)
        XCTAssertTrue(
            eventually(timeout: 15) { self.delivered(relayB, hop: "remote:b.example->a.example") >= 20 },
            "B never got A's acknowledgement of all 20: \(relayB.log)")
        let up = try XCTUnwrap(relayB.waitFor("link.up", ["dir=out", "remote=a.example"]), relayB.log)
        XCTAssertTrue(up.contains(" sm=yes"), up)

        relayA.send(signal: SIGKILL)
        XCTAssertTrue(eventually(timeout: 10) { !relayA.isRunning }, "kill -9 did not end the relay")
        let restarted = try bed.startRelay(domain: a.domain, aConfig)
        let restored = try XCTUnwrap(restarted.waitFor("queue.restored"), restarted.log)
        XCTAssertTrue(restored.contains(" count=20 "), restored)
        // Not `bed.component`, which clears what came with the handshake: the queue sends at once.
        let componentA = try LoopbackClient(port: a.componentPort)
        XCTAssertTrue(try componentA.componentHandshake(domain: a.domain, secret: a.secret).contains("<handshake"))
        _ = try componentA.waitFor("id='k20'", timeout: 15)
        XCTAssertEqual(receivedIDs(componentA, prefix: "k"), ids, "lost, duplicated or out of order")
        XCTAssertTrue(restarted.lines("stanza.bounced").isEmpty, restarted.log)
    }

    /// At-least-once across crashes: B forwards batches to A (XEP-0198) while A is killed with
    /// SIGKILL at random moments and restarted, 4 times; A's component is offline throughout, so A
    /// must keep everything it acknowledged and B must resend everything A did not. When A's
    /// component finally connects, every message arrives: lost = 0 (duplicates are allowed, counted).
    func testKillNineAtRandomMomentsLosesNothing() throws {
        try skipUnderEmulator("kills at random moments within a few hundred milliseconds")
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let aConfig = configText(a, peers: [b])
        var relayA = try bed.startRelay(domain: a.domain, aConfig)
        let relayB = try bed.startRelay(domain: b.domain, configText(b, peers: [a]))
        let componentB = try bed.component(b)
        var sent: [String] = []
        var generator = SystemRandomNumberGenerator()
        for round in 1...4 {
            for number in 1...50 {
                let id = "x\(round * 100 + number)"
                try componentB.send(message(from: "bob@b.example", to: "alice@a.example", id: id))
                sent.append(id)
            }
            Thread.sleep(forTimeInterval: Double(UInt64.random(in: 0...300, using: &generator)) / 1000)
            relayA.send(signal: SIGKILL)
            XCTAssertTrue(eventually(timeout: 10) { !relayA.isRunning }, "kill -9 did not end the relay")
            relayA = try bed.startRelay(domain: a.domain, aConfig)
        }
        let componentA = try LoopbackClient(port: a.componentPort)
        XCTAssertTrue(try componentA.componentHandshake(domain: a.domain, secret: a.secret).contains("<handshake"))
        // B retries with backoff (first steps about 2 s, 4 s): everything arrives within half a minute.
        let deadline = Date().addingTimeInterval(45)
        var received = Set<String>()
        while Date() < deadline {
            _ = try? componentA.waitFor("\u{1}never\u{1}", timeout: 1)
            received = Set(receivedIDs(componentA, prefix: "x"))
            if received.count == sent.count { break }
        }
        let all = receivedIDs(componentA, prefix: "x")
        let lost = Set(sent).subtracting(received)
        print(
            "kill -9 x4: sent \(sent.count), received \(all.count), lost \(lost.count), duplicates \(all.count - received.count)"
        )
        XCTAssertEqual(lost.sorted(), [], "lost after kill -9\n\(relayA.log)\n\(relayB.log)")
    }

    /// A's peer B is down: A's component sends 10 messages, which wait in A's queue. A stops with
    /// SIGTERM (nothing is bounced), B comes up, A starts again and delivers all 10 in order.
    func testQueuedStanzasSurviveARestartAndArriveInOrderWhenThePeerComesBack() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let aConfig = configText(a, peers: [b])
        let relayA = try bed.startRelay(domain: a.domain, aConfig)
        let componentA = try bed.component(a)
        let ids = (1...10).map { "r\($0)" }
        for id in ids { try componentA.send(message(from: "alice@a.example", to: "bob@b.example", id: id)) }
        XCTAssertNotNil(
            relayA.waitFor("queue.deferred", ["hop=remote:a.example->b.example", "retry_in_ms="]), relayA.log)
        XCTAssertEqual(relayA.stop(), 0, relayA.log)
        XCTAssertTrue(relayA.lines("stanza.bounced").isEmpty, relayA.log)
        XCTAssertFalse(componentA.received.contains("type='error'"), componentA.received)

        let relayB = try bed.startRelay(domain: b.domain, configText(b, peers: [a]))
        let componentB = try LoopbackClient(port: b.componentPort)
        XCTAssertTrue(try componentB.componentHandshake(domain: b.domain, secret: b.secret).contains("<handshake"))
        let restarted = try bed.startRelay(domain: a.domain, aConfig)
        let restored = try XCTUnwrap(restarted.waitFor("queue.restored"), restarted.log)
        XCTAssertTrue(restored.contains(" count=10 "), restored)
        _ = try componentB.waitFor("id='r10'", timeout: 15)
        XCTAssertTrue(relayB.isRunning)
        XCTAssertEqual(receivedIDs(componentB, prefix: "r"), ids, "lost, duplicated or out of order")
        // Delivered and deleted: the queue is empty again.
        XCTAssertTrue(
            eventually {
                restarted.send(signal: SIGUSR1)
                return restarted.lines("stats").last?.contains(" held=0 ") == true
            }, restarted.log)
    }

    /// The queue tools on a running relay go through its control socket: `list --json` shows what
    /// waits for a down domain (one object per line), `flush` retries it now, `drop --domain` removes
    /// it durably (`queue.dropped`), and the relay then holds nothing for it.
    func testQueueToolsListFlushAndDropWhatTheRunningRelayHolds() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayA = try bed.startRelay(domain: a.domain, configText(a, peers: [b]))
        let componentA = try bed.component(a)
        for number in 1...5 {
            try componentA.send(message(from: "alice@a.example", to: "bob@b.example", id: "q\(number)"))
        }
        XCTAssertNotNil(
            relayA.waitFor("queue.deferred", ["hop=remote:a.example->b.example", "retry_in_ms="]), relayA.log)
        let relay = try RelayBinary()
        // All five are listed once stored (the first commit may hold only some of them).
        var listed = try relay.run(["queue", "list", "--json", "--config", relayA.configPath])
        XCTAssertTrue(
            eventually {
                listed = (try? relay.run(["queue", "list", "--json", "--config", relayA.configPath])) ?? listed
                return listed.stdout.split(separator: "\n").count == 5
            }, listed.stdout + listed.stderr)
        for line in listed.stdout.split(separator: "\n") {
            XCTAssertTrue(line.contains("\"to\":\"b.example\""), String(line))
            XCTAssertTrue(line.contains("\"kind\":\"message\""), String(line))
            // The hop failed (nothing listens for b.example): the engine's attempts and reason show.
            XCTAssertFalse(line.contains("\"attempts\":0"), String(line))
            XCTAssertTrue(line.contains("\"last_error\":\""), String(line))
        }
        let flushed = try relay.run(["queue", "flush", "b.example", "--config", relayA.configPath])
        XCTAssertEqual(flushed.status, 0, flushed.stdout + flushed.stderr)
        let dropped = try relay.run(["queue", "drop", "--domain", "b.example", "--config", relayA.configPath])
        XCTAssertEqual(dropped.status, 0, dropped.stdout + dropped.stderr)
        XCTAssertNotNil(relayA.waitFor("queue.dropped", ["dropped=5"]), relayA.log)
        listed = try relay.run(["queue", "list", "--config", relayA.configPath])
        XCTAssertFalse(listed.stdout.contains("b.example"), listed.stdout)
        XCTAssertTrue(relayA.isRunning, relayA.log)
    }

    /// A's state directory is a 256 KiB tmpfs and its peer is down: stanzas fill the store until a
    /// commit fails; those bounce with resource-constraint (logged), the relay keeps running, and
    /// after the file system grows new stanzas are stored again. When the peer comes up, every
    /// stanza that was not bounced arrives: nothing the relay kept is lost.
    func testFullDiskBouncesNewStanzasLosesNothingKeptAndRecovers() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        let mountPoint = bed.directory + "/tmpfs"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard run("/bin/mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint) == 0 else {
            throw XCTSkip("cannot mount a tmpfs here (no CAP_SYS_ADMIN?)")
        }
        defer { XCTAssertEqual(run("/bin/umount", "-l", mountPoint), 0, "unmounting \(mountPoint)") }

        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayA = try bed.startRelay(
            domain: a.domain, configText(a, peers: [b], stateDirectory: mountPoint + "/state"))
        let componentA = try bed.component(a)
        let body = String(repeating: "z", count: 2000)
        var sent: [String] = []
        for number in 1...200 {
            let id = "f\(number)"
            try componentA.send(message(from: "alice@a.example", to: "bob@b.example", id: id, body: body))
            sent.append(id)
            if number % 20 == 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        let bounced = try XCTUnwrap(relayA.waitFor("queue.bounced", ["reason=\"store full\""]), relayA.log)
        XCTAssertNotNil(relayA.waitFor("queue.store_failed"), relayA.log)
        _ = try componentA.waitFor("resource-constraint", timeout: 15)
        // The bounces trail the log line (slowly under an emulator): read until none came for 2 s.
        var bouncesSoFar = -1
        let settled = Date().addingTimeInterval(60)
        while Date() < settled, receivedIDs(componentA, prefix: "f").count != bouncesSoFar {
            bouncesSoFar = receivedIDs(componentA, prefix: "f").count
            drain(componentA, seconds: 2)
        }
        XCTAssertTrue(relayA.isRunning, relayA.log)
        let refused = Set(receivedIDs(componentA, prefix: "f"))
        XCTAssertFalse(refused.isEmpty, bounced)
        XCTAssertTrue(componentA.received.contains("type='wait'"), componentA.received)

        // Space returns: new stanzas are kept again.
        XCTAssertEqual(run("/bin/mount", "-o", "remount,size=16m", mountPoint), 0)
        componentA.clear()
        for number in 201...210 {
            let id = "f\(number)"
            try componentA.send(message(from: "alice@a.example", to: "bob@b.example", id: id, body: body))
            sent.append(id)
        }
        drain(componentA, seconds: 1)
        XCTAssertFalse(componentA.received.contains("resource-constraint"), componentA.received)

        // B comes up and says hello (its link in makes A retry at once): A delivers what it kept.
        let relayB = try bed.startRelay(domain: b.domain, configText(b, peers: [a]))
        let componentB = try bed.component(b)
        try componentB.send(message(from: "bob@b.example", to: "alice@a.example", id: "hello"))
        let kept = sent.filter { !refused.contains($0) }
        _ = try componentB.waitFor("id='\(kept.last ?? "none")'", timeout: 30)
        XCTAssertTrue(relayB.isRunning)
        XCTAssertEqual(receivedIDs(componentB, prefix: "f"), kept, "lost, duplicated or out of order")
    }

    /// Reads what `client` is sent for `seconds`.
    private func drain(_ client: LoopbackClient, seconds: TimeInterval) {
        _ = try? client.waitFor("\u{1}never\u{1}", timeout: seconds)
    }

    private func run(_ tool: String, _ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
