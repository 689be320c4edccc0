import Routing
import XCTest

private let jabber = "remote:smith.example->jabber.org"
private let iot = "component:iot.smith.example"
private let maxAge = "schedule +259200000ms"

/// Custody transfer (issue 11 item 2, DESIGN.md §5): upstream learns a stanza is safe only once the
/// next hop confirmed it or the store committed it, in the upstream link's delivery order.
final class CustodyTests: XCTestCase {
    func testFastPathNeverTouchesTheStoreWhenTheHopAcknowledgesWithinHold() {
        var t = Transcript()
        XCTAssertLines(t.up(Net.toJabber), [])
        XCTAssertLines(t.fromSmith(), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        t.wait(.milliseconds(120))
        XCTAssertLines(t.acked(Net.toJabber, 1), ["ackUpstream link1 1", "forget #1"])
        t.wait(.milliseconds(380))
        XCTAssertLines(t.timer(), [], "the hold passed with nothing in flight: nothing to store")
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertEqual(t.engine.heldBytes, 0)
    }

    func testOneAckRequestAtATimeCoversWhatWasSentMeanwhile() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        XCTAssertLines(t.fromSmith(), ["send #2 \(jabber)"])
        XCTAssertLines(t.fromSmith(), ["send #3 \(jabber)"])
        t.wait(.milliseconds(50))
        XCTAssertLines(t.acked(Net.toJabber, 1), ["ackUpstream link1 1", "requestAck \(jabber) 2", "forget #1"])
        XCTAssertLines(t.acked(Net.toJabber, 2), ["ackUpstream link1 2", "forget #2 #3"])
        XCTAssertLines(t.timer(), [])
    }

    func testHoldExpiryStoresAndUpstreamHearsOnlyAfterTheCommit() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        t.wait(.milliseconds(499))
        XCTAssertLines(t.timer(), ["schedule +500ms"], "not yet: the hold is 500 ms")
        t.wait(.milliseconds(1))
        XCTAssertLines(
            t.timer(), ["queue.deferred hop=\(jabber) count=1 reason=hold-expired", "store #1"],
            "no ackUpstream before the commit")
        XCTAssertLines(t.stored(1), ["ackUpstream link1 1"])
        t.wait(.seconds(3))
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #1", "forget #1"], "confirmed late: the row goes")
    }

    func testAFullSendWindowHoldsTheRestInOrderAndStoresWhatWaitsBeyondHold() {
        var t = Transcript(policy: QueuePolicy(sendWindow: 2))
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        XCTAssertLines(t.fromSmith(), ["send #2 \(jabber)"])
        XCTAssertLines(t.fromSmith(), [], "the window is full: #3 waits in memory")
        t.wait(.milliseconds(100))
        XCTAssertLines(t.fromSmith(), [])
        XCTAssertLines(
            t.acked(Net.toJabber, 1),
            ["ackUpstream link1 1", "send #3 \(jabber)", "requestAck \(jabber) 2", "forget #1"])
        t.wait(.milliseconds(400))
        XCTAssertLines(
            t.timer(), ["queue.deferred hop=\(jabber) count=1 reason=hold-expired", "store #2", "schedule +600ms"],
            "#2 was sent at 0 ms; #3 (sent at 100 ms) and #4 (waiting since 100 ms) still have time")
        t.wait(.milliseconds(100))
        XCTAssertLines(
            t.timer(),
            ["queue.deferred hop=\(jabber) count=2 reason=hold-expired", "store #4 #3", "schedule +259200100ms"],
            "a stanza waiting for the window is stored after hold too")
        XCTAssertLines(t.stored(2, 3, 4), ["ackUpstream link1 3"])
        XCTAssertLines(
            t.acked(Net.toJabber, 2), ["send #4 \(jabber)", "requestAck \(jabber) 1", "delete #2 #3", "forget #2 #3"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #4", "forget #4"])
    }

    func testAConfirmationDuringTheCommitSettlesUpstreamAndTheRowGoesAfterIt() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        _ = t.fromSmith()
        t.wait(.milliseconds(500))
        XCTAssertLines(t.timer(), ["queue.deferred hop=\(jabber) count=1 reason=hold-expired", "store #1"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["ackUpstream link1 1", "forget #1"], "the hop was first")
        XCTAssertLines(t.stored(1), ["delete #1"], "committed after delivery: delete it, confirm nothing twice")
        XCTAssertEqual(t.engine.heldCount, 0)
    }

    func testHopDownStoresAtOnceAndDials() {
        var t = Transcript()
        XCTAssertLines(
            t.fromSmith(),
            ["queue.deferred hop=\(jabber) count=1 reason=next-hop-down", "connect \(jabber)", "store #1", maxAge])
        XCTAssertLines(t.fromSmith(), ["store #2"], "one deferred line per outage, not per stanza")
        XCTAssertLines(t.stored(1, 2), ["ackUpstream link1 2"])
        XCTAssertEqual(t.engine.residentCount, 0, "committed for a hop that is down: in the store only")
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#2 100"])
        XCTAssertLines(
            t.loaded(Net.toJabber), ["send #1 \(jabber)", "send #2 \(jabber)", "requestAck \(jabber) 2"])
        XCTAssertLines(t.acked(Net.toJabber, 2), ["delete #1 #2", "forget #1 #2"])
        XCTAssertEqual(t.engine.heldCount, 0)
    }

    func testUpstreamIsConfirmedInDeliveryOrderAcrossHops() {
        var t = Transcript()
        _ = t.up(Net.toIoT, .ping)
        // #1 waits for jabber.org (down); #2 goes straight to the component, which confirms it first.
        XCTAssertLines(
            t.fromSmith(),
            ["queue.deferred hop=\(jabber) count=1 reason=next-hop-down", "connect \(jabber)", "store #1", maxAge])
        XCTAssertLines(t.fromSmith(to: Net.iot), ["send #2 \(iot)", "requestAck \(iot) 1", "schedule +500ms"])
        XCTAssertLines(
            t.acked(Net.toIoT, 1), ["forget #2", maxAge], "#1 is not safe yet, so neither count is confirmed")
        XCTAssertLines(t.stored(1), ["ackUpstream link1 2"])
    }

    func testComponentHopConfirmsByPing() {
        var t = Transcript()
        _ = t.up(Net.toIoT, .ping)
        XCTAssertLines(t.fromSmith(to: Net.iot), ["send #1 \(iot)", "requestAck \(iot) 1", "schedule +500ms"])
        t.wait(.milliseconds(30))
        XCTAssertLines(t.acked(Net.toIoT, 1), ["ackUpstream link1 1", "forget #1"])
    }

    func testHopWithoutAcksStoresFirstAndSendsOnlyCommittedStanzasInOrder() {
        var t = Transcript()
        _ = t.up(Net.toIoT, .none)
        XCTAssertLines(t.fromSmith(to: Net.iot), ["store #1", maxAge], "no deferred line: this is the normal path")
        XCTAssertLines(t.stored(1), ["ackUpstream link1 1", "send #1 \(iot)", "delete #1", "forget #1"])
        XCTAssertLines(t.fromSmith(to: Net.iot), ["store #2"])
        XCTAssertLines(t.fromSmith(to: Net.iot), ["store #3"])
        XCTAssertLines(t.stored(3), [], "#2 is not committed: #3 must not overtake it, nor be confirmed upstream")
        XCTAssertLines(
            t.stored(2),
            ["ackUpstream link1 2", "send #2 \(iot)", "send #3 \(iot)", "delete #2 #3", "forget #2 #3"])
    }

    func testAClosedUpstreamIsNotConfirmedButItsStanzasStayQueued() {
        var t = Transcript()
        _ = t.fromSmith()
        t.engine.upstreamClosed(Net.homeLink)
        XCTAssertLines(t.stored(1), [])
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#1 100"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #1 \(jabber)", "requestAck \(jabber) 1"])
    }

    func testStoreFailureBouncesWhatNoHopCarries() {
        var t = Transcript()
        _ = t.fromSmith()
        XCTAssertLines(
            t.storeFailed(.full, 1),
            [
                "queue.bounced count=1 reason=store full", "bounce #1 resource-constraint wait", "ackUpstream link1 1",
                "forget #1",
            ])
        XCTAssertEqual(t.engine.heldCount, 0)
    }

    func testStoreFailureInFlightWaitsForTheHopAndBouncesIfItGoesDown() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        _ = t.fromSmith()
        _ = t.fromSmith()
        t.wait(.milliseconds(500))
        XCTAssertLines(t.timer(), ["queue.deferred hop=\(jabber) count=2 reason=hold-expired", "store #1 #2"])
        XCTAssertLines(t.storeFailed(.io("disk I/O error"), 1, 2), [], "still in flight: the hop may yet confirm them")
        XCTAssertLines(t.acked(Net.toJabber, 1), ["ackUpstream link1 1", "requestAck \(jabber) 1", "forget #1"])
        XCTAssertLines(
            t.down(Net.toJabber, "peer closed"),
            [
                "queue.bounced count=1 reason=next hop down before confirming", "bounce #2 resource-constraint wait",
                "ackUpstream link1 1", "forget #2",
            ])
        XCTAssertEqual(t.engine.heldCount, 0)
    }

    func testRoutingRuleRefusalSettlesUpstream() {
        var t = Transcript()
        XCTAssertLines(
            t.fromJabber(to: domain("jones.example")), ["refuse #1 not-allowed", "ackUpstream link3 1", "forget #1"])
        XCTAssertLines(
            t.receive(
                .message, from: Net.smith, to: Net.smith, bytes: 10, link: Net.remoteLink, arrival: .remote),
            ["refuse #2 invalid-from", "ackUpstream link3 1", "forget #2"])
    }

    func testTheRelaysOwnBounceIsRoutedWithoutAnUpstream() {
        var t = Transcript()
        XCTAssertLines(
            t.fromRelay(.error, from: Net.jabber, to: Net.smith),
            [
                "queue.deferred hop=home:jabber.org->smith.example count=1 reason=next-hop-down",
                "connect home:jabber.org->smith.example", "store #1", maxAge,
            ])
        XCTAssertLines(t.stored(1), [], "nobody upstream to confirm to")
    }
}
