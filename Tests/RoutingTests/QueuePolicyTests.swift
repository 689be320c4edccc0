import Routing
import XCTest

private let jabber = "remote:smith.example->jabber.org"
private let iot = "component:iot.smith.example"

/// Policy per kind and the byte caps (issue 11 item 5, DESIGN.md §5).
final class QueuePolicyTests: XCTestCase {
    func testDefaultsAreTheIssuesAndHoldStaysFarInsideProsodysThirtySeconds() {
        let policy = QueuePolicy()
        XCTAssertEqual(policy.hold, .milliseconds(500))
        XCTAssertEqual(policy.maxAge, .seconds(3 * 86400))
        XCTAssertEqual(policy.iqHold, .seconds(60))
        XCTAssertEqual(policy.maxBackoff, .seconds(15 * 60))
        XCTAssertLessThan(policy.hold, .seconds(30))
    }

    /// Every kind waiting for a hop that never comes: iqs go after iq_hold, the rest after max_age;
    /// only messages, subscriptions and iq requests are answered with an error.
    func testEachKindExpiresOnItsOwnClockAndOnlySomeBounce() {
        var t = Transcript(policy: QueuePolicy(maxAge: .seconds(10), iqHold: .seconds(5)))
        let kinds: [StanzaKind] = [
            .message, .subscription, .availability(PresenceAddresses(from: "ann@smith.example", to: "bob@jabber.org")),
            .error, .iqRequest, .iqResponse,
        ]
        for kind in kinds { _ = t.fromSmith(kind) }
        XCTAssertLines(t.stored(1, 2, 3, 4, 5, 6), ["ackUpstream link1 6"])
        t.wait(.milliseconds(4999))
        XCTAssertLines(t.timer(), ["schedule +5000ms"])
        t.wait(.milliseconds(1))
        XCTAssertLines(
            t.timer(),
            [
                "queue.expired id=5 hop=\(jabber) kind=iq age_ms=5000 outcome=bounced",
                "bounce #5 remote-server-timeout wait",
                "queue.expired id=6 hop=\(jabber) kind=iq-result age_ms=5000 outcome=dropped",
                "delete #5 #6", "forget #5 #6", "schedule +10000ms",
            ])
        t.wait(.seconds(5))
        // The presence waits in memory; the message and subscription (one stored run) and the error
        // (another: the presence is between them) wait in the store and are read back to expire.
        XCTAssertLines(
            t.timer(),
            [
                "queue.expired id=3 hop=\(jabber) kind=presence age_ms=10000 outcome=dropped",
                "load \(jabber) #1...#2 100", "delete #3", "forget #3",
            ])
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "queue.expired id=1 hop=\(jabber) kind=message age_ms=10000 outcome=bounced",
                "bounce #1 remote-server-timeout wait",
                "queue.expired id=2 hop=\(jabber) kind=subscription age_ms=10000 outcome=bounced",
                "bounce #2 remote-server-timeout wait", "load \(jabber) #4...#4 100", "delete #1 #2", "forget #1 #2",
            ])
        XCTAssertLines(
            t.loaded(Net.toJabber),
            ["queue.expired id=4 hop=\(jabber) kind=error age_ms=10000 outcome=dropped", "delete #4", "forget #4"])
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertEqual(t.engine.heldBytes, 0)
    }

    func testIqBouncesAfterIqHoldWhileAMessageBesideItWaits() {
        var t = Transcript()
        _ = t.fromSmith(.iqRequest)
        _ = t.fromSmith(.message)
        _ = t.stored(1, 2)
        t.wait(.seconds(60))
        XCTAssertLines(
            t.timer(),
            [
                "queue.expired id=1 hop=\(jabber) kind=iq age_ms=60000 outcome=bounced",
                "bounce #1 remote-server-timeout wait", "delete #1", "forget #1", "schedule +259200000ms",
            ])
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #2...#2 100"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #2 \(jabber)", "requestAck \(jabber) 1"])
    }

    func testAnIqInFlightDoesNotExpireButBouncesOnceHandedBackPastItsTime() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(.iqRequest), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        t.wait(.milliseconds(500))
        XCTAssertLines(t.timer(), ["queue.deferred hop=\(jabber) count=1 reason=hold-expired", "store #1"])
        XCTAssertLines(t.stored(1), ["ackUpstream link1 1"])
        t.wait(.seconds(61))
        XCTAssertLines(t.timer(), [], "sent: the peer may be answering it")
        let down = t.down(Net.toJabber, "peer closed")
        XCTAssertEqual(down.last, "schedule +60000ms", "handed back past its time: due at once")
        let expiry = t.timer()
        XCTAssertLines(
            Array(expiry.prefix(4)),
            [
                "queue.expired id=1 hop=\(jabber) kind=iq age_ms=61500 outcome=bounced",
                "bounce #1 remote-server-timeout wait", "delete #1", "forget #1",
            ])
        XCTAssertEqual(expiry.count, 5, "and only the retry timer is left: \(expiry)")
        XCTAssertEqual(t.engine.heldCount, 0)
    }

    func testMessageBouncesWithRemoteServerTimeoutAfterMaxAge() {
        var t = Transcript()
        _ = t.fromSmith(.message)
        _ = t.stored(1)
        t.wait(.seconds(3 * 86400 - 1))
        XCTAssertFalse(t.timer().contains { $0.hasPrefix("bounce") })
        t.wait(.seconds(1))
        XCTAssertLines(t.timer(), ["load \(jabber) #1...#1 100"], "stored: read back to bounce")
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "queue.expired id=1 hop=\(jabber) kind=message age_ms=259200000 outcome=bounced",
                "bounce #1 remote-server-timeout wait", "delete #1", "forget #1",
            ])
    }

    func testOnlyTheLatestAvailabilityPerAddressPairIsKept() {
        var t = Transcript()
        let annToBob = StanzaKind.availability(PresenceAddresses(from: "ann@smith.example/a", to: "bob@jabber.org"))
        let annToCid = StanzaKind.availability(PresenceAddresses(from: "ann@smith.example/a", to: "cid@jabber.org"))
        _ = t.fromSmith(annToBob)
        XCTAssertLines(t.fromSmith(.message), ["store #2"])
        XCTAssertLines(t.fromSmith(annToCid), ["store #3"])
        XCTAssertLines(
            t.fromSmith(annToBob), ["ackUpstream link1 1", "store #4", "forget #1"],
            "#1 is replaced (settled upstream at once); #3 has other addresses and stays")
        XCTAssertLines(t.stored(1, 2, 3, 4), ["ackUpstream link1 3", "delete #1"])
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #2...#2 100"], "the message waits in the store")
        XCTAssertLines(
            t.loaded(Net.toJabber),
            ["send #2 \(jabber)", "send #3 \(jabber)", "send #4 \(jabber)", "requestAck \(jabber) 3"])
    }

    func testSubscriptionsAreKeptLikeMessagesNotReplaced() {
        var t = Transcript()
        _ = t.fromSmith(.subscription)
        _ = t.fromSmith(.subscription)
        _ = t.stored(1, 2)
        t.wait(.seconds(120))
        XCTAssertLines(t.timer(), ["schedule +259200000ms"], "past iq_hold: subscriptions are still kept")
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#2 100"])
        XCTAssertLines(
            t.loaded(Net.toJabber), ["send #1 \(jabber)", "send #2 \(jabber)", "requestAck \(jabber) 2"])
    }

    func testCapsRefuseNewStanzasWithResourceConstraintAndALogLine() {
        var t = Transcript(policy: QueuePolicy(maxBytes: 300, maxBytesPerDomain: 200))
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(bytes: 100), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        XCTAssertLines(t.fromSmith(bytes: 100), ["send #2 \(jabber)"])
        XCTAssertLines(
            t.fromSmith(bytes: 100),
            [
                "queue.full limit=max_bytes_per_domain to=jabber.org kind=message",
                "bounce #3 resource-constraint wait", "forget #3",
            ], "in-flight stanzas count against the caps")
        XCTAssertLines(
            t.fromSmith(to: Net.iot, bytes: 100),
            ["queue.deferred hop=\(iot) count=1 reason=next-hop-down", "connect \(iot)", "store #4"])
        XCTAssertLines(
            t.fromSmith(to: Net.iot, bytes: 50),
            [
                "queue.full limit=max_bytes to=iot.smith.example kind=message", "bounce #5 resource-constraint wait",
                "forget #5",
            ])
        XCTAssertLines(
            t.fromSmith(.error, to: Net.iot, bytes: 50),
            ["queue.full limit=max_bytes to=iot.smith.example kind=error", "forget #6"],
            "an error stanza is never answered, but its refusal is logged")
        XCTAssertLines(t.acked(Net.toJabber, 2), ["ackUpstream link1 3", "forget #1 #2", "schedule +259200000ms"])
        XCTAssertLines(t.stored(4), ["ackUpstream link1 3"])
        XCTAssertEqual(t.engine.heldBytes, 100)
        XCTAssertLines(t.fromSmith(bytes: 100), ["send #7 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
    }
}
