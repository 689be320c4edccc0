import Routing
import S2S
import XCTest
import XMPPStream

private let jabber = "remote:smith.example->jabber.org"
private let smith = "home:jabber.org->smith.example"
private let maxAge = "schedule +259200000ms"

/// Retry, backoff, order and restart (issue 11 items 4 and 6).
final class RetryTests: XCTestCase {
    func testBackoffCeilingDoublesFromTwoSecondsUpToMaxBackoff() {
        let backoff = Backoff(first: .seconds(2), maximum: .seconds(900))
        let ceilings = (0..<12).map { backoff.ceiling(attempt: $0) }
        XCTAssertEqual(
            ceilings,
            [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900].map { Duration.seconds($0) })
        XCTAssertEqual(backoff.ceiling(attempt: 10_000), .seconds(900))
    }

    /// The delays a run of failed attempts announces, for one seed.
    private func failedAttemptDelays(seed: UInt64, attempts: Int) -> [Int] {
        var t = Transcript(seed: seed)
        _ = t.fromSmith()
        _ = t.stored(1)
        var delays: [Int] = []
        for _ in 0..<attempts {
            let lines = t.down(Net.toJabber)
            guard let delay = retryDelay(in: lines) else {
                XCTFail("no retry delay in \(lines)")
                return delays
            }
            delays.append(delay)
            t.wait(.milliseconds(delay - 1))
            XCTAssertFalse(t.timer().contains("connect \(jabber)"), "retried before its delay")
            t.wait(.milliseconds(1))
            XCTAssertTrue(t.timer().contains("connect \(jabber)"), "no retry after its delay")
        }
        return delays
    }

    func testRetryDelaysGrowAreJitteredAndCapped() {
        let delays = failedAttemptDelays(seed: 7, attempts: 16)
        for (attempt, delay) in delays.enumerated() {
            let ceiling = min(2000 << attempt, 900_000)
            XCTAssertTrue((500...ceiling).contains(delay), "attempt \(attempt): \(delay) ms outside 500...\(ceiling)")
        }
        XCTAssertGreaterThan(delays[10...].max()!, 64_000, "late attempts wait far longer than early ones")
        XCTAssertEqual(failedAttemptDelays(seed: 7, attempts: 16), delays, "the injected source decides the jitter")
        XCTAssertNotEqual(failedAttemptDelays(seed: 8, attempts: 16), delays, "jittered, not fixed")
    }

    func testALinkThatWasUpRetriesFromTheFirstStep() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        _ = t.fromSmith()
        let lines = t.down(Net.toJabber, "peer closed")
        XCTAssertEqual(
            lines.first?.hasPrefix("queue.deferred hop=\(jabber) count=1 reason=peer closed retry_in_ms="), true)
        XCTAssertTrue((500...2000).contains(retryDelay(in: lines) ?? 0), "\(lines)")
        XCTAssertEqual(lines.dropFirst().first, "store #1", "what the link did not confirm goes to the store")
    }

    func testInboundAuthenticationRetriesAtOnce() {
        var t = Transcript()
        _ = t.fromSmith()
        _ = t.stored(1)
        let delay = retryDelay(in: t.down(Net.toJabber)) ?? 0
        XCTAssertGreaterThan(delay, 1)
        XCTAssertLines(t.inbound(domain("example.net")), [], "another domain changes nothing")
        XCTAssertLines(t.inbound(Net.jabber), ["connect \(jabber)", maxAge])
        XCTAssertLines(t.inbound(Net.jabber), [], "already dialling")
        t.wait(.milliseconds(delay))
        XCTAssertLines(t.timer(), [maxAge], "the backoff timer does not dial a second time")
    }

    /// An inbound link made bidirectional (or any link) coming up while the hop backs off ends the wait.
    func testAHopUpWhileBackingOffSendsAtOnceAndTheRetryTimerLapses() {
        var t = Transcript()
        _ = t.fromSmith()
        _ = t.stored(1)
        let delay = retryDelay(in: t.down(Net.toJabber)) ?? 0
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#1 100", "schedule +259200000ms"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #1 \(jabber)", "requestAck \(jabber) 1"])
        t.wait(.milliseconds(delay))
        XCTAssertLines(t.timer(), [], "no connect: the hop is up")
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #1", "forget #1"])
    }

    /// RFC 6120 §10.1: what the link did not confirm goes out again before anything accepted later.
    func testOrderIsKeptAcrossARetry() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        XCTAssertLines(t.fromSmith(), ["send #2 \(jabber)"])
        XCTAssertLines(t.fromSmith(), ["send #3 \(jabber)"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["ackUpstream link1 1", "requestAck \(jabber) 2", "forget #1"])
        let down = t.down(Net.toJabber)
        XCTAssertTrue(down.contains("store #2 #3"), "\(down)")
        XCTAssertLines(t.fromSmith(), ["store #4"])
        XCTAssertLines(t.stored(2, 3, 4), ["ackUpstream link1 3"])
        XCTAssertLines(
            t.up(Net.toJabber), ["load \(jabber) #2...#4 100", "schedule +259200000ms"],
            "handed back and new: one stored run, in order")
        XCTAssertLines(
            t.loaded(Net.toJabber),
            ["send #2 \(jabber)", "send #3 \(jabber)", "send #4 \(jabber)", "requestAck \(jabber) 3"])
    }

    /// The restart resumes from the store's summaries (one stored run per hop, no record in memory),
    /// sweeps each run once a page at a time (the iq that outlived iq_hold bounces, though a message
    /// waits before it), and sends each hop's stanzas in acceptance order as its link takes them.
    func testRestartResumesEachHopInAcceptanceOrderAndExpiresWhatOutlivedItsTime() {
        var t = Transcript()
        t.wait(.seconds(600))
        func record(
            _ id: UInt64, _ kind: StanzaKind, from: DomainName, to: DomainName, _ destination: RouteRule.Destination,
            ago: Int64
        ) {
            t.disk[StanzaID(id)] = StanzaRecord(
                id: StanzaID(id), kind: kind, from: from, to: to, destination: destination, bytes: 100,
                acceptedAt: WallTime(milliseconds: t.now.milliseconds - ago * 1000))
        }
        record(10, .message, from: Net.smith, to: Net.jabber, .remote(Net.jabber), ago: 300)
        record(11, .message, from: Net.jabber, to: Net.smith, .home(Net.smith), ago: 250)
        record(12, .iqRequest, from: Net.smith, to: Net.jabber, .remote(Net.jabber), ago: 200)
        record(13, .message, from: Net.smith, to: Net.jabber, .remote(Net.jabber), ago: 100)
        XCTAssertLines(
            t.restarted(),
            [
                // Either run may hold an iq past iq_hold: both are swept first, oldest first.
                "load \(jabber) #10...#13 100", "load \(smith) #11...#13 100", "connect \(smith)", "connect \(jabber)",
            ])
        XCTAssertEqual(t.engine.heldCount, 4)
        XCTAssertEqual(t.engine.residentCount, 0, "nothing read yet")
        XCTAssertEqual(t.engine.heldBytes, 400)
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "queue.expired id=12 hop=\(jabber) kind=iq age_ms=200000 outcome=bounced",
                "bounce #12 remote-server-timeout wait", "delete #12", "forget #12",
                // The oldest stanza (accepted 300 s before the restart) sets the next deadline.
                "schedule +259500000ms",
            ])
        XCTAssertLines(t.loaded(Net.toSmith), [])
        XCTAssertEqual(t.engine.heldCount, 3)
        XCTAssertEqual(t.engine.residentCount, 0, "the messages wait in the store only")
        XCTAssertEqual(t.engine.heldBytes, 300)
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #10...#10 100"], "#12 left a gap: #10 and #13 are two runs")
        XCTAssertLines(
            t.loaded(Net.toJabber), ["send #10 \(jabber)", "requestAck \(jabber) 1", "load \(jabber) #13...#13 99"])
        XCTAssertLines(
            t.loaded(Net.toJabber), ["send #13 \(jabber)", "schedule +259550000ms"],
            "what is left waits for smith.example: #11's max_age is next")
        XCTAssertLines(t.up(Net.toSmith), ["load \(smith) #11...#11 100"])
        XCTAssertLines(t.loaded(Net.toSmith), ["send #11 \(smith)", "requestAck \(smith) 1"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["requestAck \(jabber) 1", "delete #10", "forget #10"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #13", "forget #13"])
        XCTAssertLines(t.acked(Net.toSmith, 1), ["delete #11", "forget #11"])
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertEqual(t.engine.heldBytes, 0)
        XCTAssertEqual(t.disk.count, 0)
    }
}
