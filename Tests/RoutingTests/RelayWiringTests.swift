import Routing
import S2S
import XCTest
import XMPPStream

private let jabber = "remote:smith.example->jabber.org"
private let iot = "component:iot.smith.example"

/// Events the running relay needed beyond the first engine: DNS saying a domain does not exist, the
/// relay stopping, and the relay's own stanzas (bounces) to a hop without acks.
final class RelayWiringTests: XCTestCase {
    func testUnreachableHopBouncesWhatWaitsAtOnceAndGoesIdle() {
        var t = Transcript()
        _ = t.fromSmith()
        _ = t.fromSmith(.iqRequest)
        _ = t.fromSmith(.error)
        XCTAssertLines(t.stored(1, 2), ["ackUpstream link1 2"])
        XCTAssertLines(
            t.unreachableReadingBack(Net.toJabber),
            [
                "queue.bounced hop=\(jabber) count=3 reason=no such domain",
                "bounce #2 remote-server-not-found cancel", "ackUpstream link1 1",
                "load \(jabber) #1...#1 100", "delete #2", "forget #2 #3", "schedule +259200000ms",
            ],
            "the error stanza is dropped (never answered), which settles it upstream; the stored message is "
                + "read back to bounce")
        XCTAssertLines(t.stored(3), ["delete #3"], "#3 was being stored: its row goes once committed")
        XCTAssertLines(
            t.loaded(Net.toJabber), ["bounce #1 remote-server-not-found cancel", "delete #1", "forget #1"])
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertLines(
            t.fromSmith(),
            ["queue.deferred hop=\(jabber) count=1 reason=next-hop-down", "connect \(jabber)", "store #4"],
            "the next stanza starts a fresh attempt")
    }

    func testStoppingStoresWhatIsOnlyInMemoryAndBouncesNothing() {
        var t = Transcript()
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.fromSmith(), ["send #1 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
        XCTAssertLines(
            t.stopping(), ["queue.deferred hop=\(jabber) count=1 reason=stopping", "store #1"],
            "in flight and unconfirmed: stored, not bounced")
        XCTAssertLines(t.stored(1), ["ackUpstream link1 1"])
        XCTAssertLines(t.stopping(), [], "nothing left in memory")
    }

    func testTheRelaysOwnStanzaToAHopWithoutAcksIsWrittenAtOnceWhenNothingWaits() {
        var t = Transcript()
        _ = t.up(Net.toIoT, .none)
        XCTAssertLines(
            t.fromRelay(.message, from: Net.smith, to: Net.iot), ["send #1 \(iot)", "forget #1"],
            "a bounce needs no disk: nobody upstream waits for its custody")
        XCTAssertLines(t.fromSmith(to: Net.iot), ["store #2", "schedule +259200000ms"])
        XCTAssertLines(t.fromRelay(.message, from: Net.smith, to: Net.iot), ["store #3"], "behind #2: in order")
        XCTAssertLines(
            t.stored(2, 3),
            ["ackUpstream link1 1", "send #2 \(iot)", "send #3 \(iot)", "delete #2 #3", "forget #2 #3"])
    }
}
