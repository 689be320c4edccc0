import Routing
import XCTest

private let jabber = "remote:smith.example->jabber.org"

/// Stored backlogs wait in the store, not in memory (issue 11: memory stays flat while the on-disk
/// queue grows): the engine keeps stored runs and reads them back a page at a time.
final class PagingTests: XCTestCase {
    /// `count` messages for jabber.org while it is down, committed: they leave memory.
    private func backlog(_ count: Int, policy: QueuePolicy = QueuePolicy(), spacing: Duration = .zero) -> Transcript {
        var t = Transcript(policy: policy)
        for _ in 0..<count {
            _ = t.fromSmith()
            t.wait(spacing)
        }
        XCTAssertEqual(t.stored((1...UInt64(count)).map { $0 }), ["ackUpstream link1 \(count)"])
        XCTAssertEqual(t.engine.residentCount, 0, "committed for a hop that is down: in the store only")
        XCTAssertEqual(t.engine.heldCount, count)
        XCTAssertEqual(t.engine.heldBytes, count * 100)
        return t
    }

    func testAHopComingUpLoadsPagesOnlyAsItsSendWindowEmpties() {
        var t = backlog(10, policy: QueuePolicy(sendWindow: 4))
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#10 4"], "one window, never the whole backlog")
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "send #1 \(jabber)", "send #2 \(jabber)", "send #3 \(jabber)", "send #4 \(jabber)",
                "requestAck \(jabber) 4",
            ])
        XCTAssertEqual(t.engine.residentCount, 4)
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #1", "forget #1"], "3 of 4 in flight: no page yet")
        XCTAssertLines(
            t.acked(Net.toJabber, 1), ["load \(jabber) #5...#10 2", "delete #2", "forget #2"],
            "half the window is free: the next page, as large as the free part")
        XCTAssertLines(t.loaded(Net.toJabber), ["send #5 \(jabber)", "send #6 \(jabber)"])
        XCTAssertLessThanOrEqual(t.engine.residentCount, 4)
        XCTAssertLines(
            t.acked(Net.toJabber, 2),
            ["requestAck \(jabber) 2", "load \(jabber) #7...#10 2", "delete #3 #4", "forget #3 #4"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #7 \(jabber)", "send #8 \(jabber)"])
        XCTAssertLines(
            t.acked(Net.toJabber, 2),
            ["requestAck \(jabber) 2", "load \(jabber) #9...#10 2", "delete #5 #6", "forget #5 #6"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #9 \(jabber)", "send #10 \(jabber)"])
        XCTAssertLines(t.acked(Net.toJabber, 2), ["requestAck \(jabber) 2", "delete #7 #8", "forget #7 #8"])
        XCTAssertLines(t.acked(Net.toJabber, 2), ["delete #9 #10", "forget #9 #10"])
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertEqual(t.engine.heldBytes, 0)
        XCTAssertEqual(t.disk.count, 0)
    }

    /// RFC 6120 §10.1 across memory and the store: an iq waits in memory between two stored runs, and
    /// a stanza accepted while a page is read waits behind it.
    func testOrderIsKeptAcrossStoredRunsAndStanzasInMemory() {
        var t = Transcript(policy: QueuePolicy(sendWindow: 10))
        _ = t.fromSmith()
        _ = t.fromSmith(.iqRequest)
        _ = t.fromSmith()
        _ = t.fromSmith()
        XCTAssertLines(t.stored(1, 2, 3, 4), ["ackUpstream link1 4"])
        XCTAssertEqual(t.engine.residentCount, 1, "the iq stays in memory (iq_hold)")
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#1 10"])
        XCTAssertLines(t.fromSmith(), ["schedule +500ms"], "#5 must not overtake the stored ones")
        XCTAssertLines(
            t.loaded(Net.toJabber),
            ["send #1 \(jabber)", "send #2 \(jabber)", "requestAck \(jabber) 2", "load \(jabber) #3...#4 8"])
        XCTAssertLines(
            t.loaded(Net.toJabber), ["send #3 \(jabber)", "send #4 \(jabber)", "send #5 \(jabber)"])
        XCTAssertLines(
            t.acked(Net.toJabber, 2), ["requestAck \(jabber) 3", "delete #1 #2", "forget #1 #2"],
            "#5 is confirmed upstream once jabber.org confirms it")
    }

    /// What a link took from the store and did not confirm goes back to the store, before the rest.
    func testStanzasHandedBackByALinkJoinTheRunInOrder() {
        var t = backlog(4, policy: QueuePolicy(sendWindow: 2))
        _ = t.up(Net.toJabber)
        XCTAssertLines(t.loaded(Net.toJabber), ["send #1 \(jabber)", "send #2 \(jabber)", "requestAck \(jabber) 2"])
        let down = t.down(Net.toJabber, "peer closed")
        XCTAssertFalse(down.contains { $0.hasPrefix("store") }, "already stored: \(down)")
        XCTAssertEqual(t.engine.residentCount, 0)
        XCTAssertEqual(t.engine.heldCount, 4)
        _ = t.inbound(Net.jabber)
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#4 2"], "one run again, from #1")
        XCTAssertLines(t.loaded(Net.toJabber), ["send #1 \(jabber)", "send #2 \(jabber)", "requestAck \(jabber) 2"])
    }

    /// A page that arrives after its link went down changes nothing; the next link asks again.
    func testAPageForALinkThatWentDownIsPutBack() {
        var t = backlog(3)
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#3 100"])
        _ = t.down(Net.toJabber, "peer closed")
        XCTAssertLines(t.loaded(Net.toJabber), [])
        XCTAssertEqual(t.engine.residentCount, 0)
        _ = t.inbound(Net.jabber)
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#3 100"])
        XCTAssertLines(
            t.loaded(Net.toJabber),
            ["send #1 \(jabber)", "send #2 \(jabber)", "send #3 \(jabber)", "requestAck \(jabber) 3"])
    }

    /// max_age on a stored run: its oldest sets the deadline; the records are read back, the due ones
    /// bounce in acceptance order, and the run then starts at the first that is not due.
    func testExpiryOfAStoredRunBouncesInOrderAPageAtATime() {
        var t = backlog(5, policy: QueuePolicy(maxAge: .seconds(10), sendWindow: 2), spacing: .seconds(1))
        t.wait(.seconds(6))  // 11 s after #1, 10 s after #2
        XCTAssertLines(t.timer(), ["load \(jabber) #1...#5 2"])
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "queue.expired id=1 hop=\(jabber) kind=message age_ms=11000 outcome=bounced",
                "bounce #1 remote-server-timeout wait",
                "queue.expired id=2 hop=\(jabber) kind=message age_ms=10000 outcome=bounced",
                "bounce #2 remote-server-timeout wait",
                // #2's time is the lower bound of the rest: read on at once.
                "load \(jabber) #3...#5 2", "delete #1 #2", "forget #1 #2",
            ])
        XCTAssertLines(t.loaded(Net.toJabber), ["schedule +12000ms"], "#3 is due at 12 s: it stays in the store")
        XCTAssertEqual(t.engine.heldCount, 3)
        XCTAssertEqual(t.engine.residentCount, 0)
        t.wait(.seconds(1))
        XCTAssertLines(t.timer(), ["load \(jabber) #3...#5 2"])
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "queue.expired id=3 hop=\(jabber) kind=message age_ms=10000 outcome=bounced",
                "bounce #3 remote-server-timeout wait", "delete #3", "forget #3", "schedule +13000ms",
            ])
        XCTAssertEqual(t.engine.heldBytes, 200)
    }

    /// The byte caps count stanzas in the store as much as those in memory.
    func testCapsCountStoredRuns() {
        var t = backlog(3, policy: QueuePolicy(maxBytesPerDomain: 300))
        XCTAssertLines(
            t.fromSmith(),
            [
                "queue.full limit=max_bytes_per_domain to=jabber.org kind=message",
                "bounce #4 resource-constraint wait",
                "ackUpstream link1 1", "forget #4",
            ])
        _ = t.up(Net.toJabber)
        _ = t.loaded(Net.toJabber)
        XCTAssertLines(t.acked(Net.toJabber, 3), ["delete #1 #2 #3", "forget #1 #2 #3"])
        XCTAssertEqual(t.engine.heldBytes, 0)
        XCTAssertLines(t.fromSmith(), ["send #5 \(jabber)", "requestAck \(jabber) 1", "schedule +500ms"])
    }

    /// Rows deleted behind the engine's back (`queue drop` while the relay runs) are found gone when the
    /// run is read: the caps stop counting them.
    func testRowsGoneFromTheStoreAreFoundGoneWhenTheRunIsRead() {
        var t = backlog(3)
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#3 100"])
        XCTAssertLines(
            t.loaded(Net.toJabber, dropping: [2]), ["send #1 \(jabber)", "send #3 \(jabber)", "requestAck \(jabber) 2"])
        XCTAssertEqual(t.engine.heldCount, 2)
        XCTAssertEqual(t.engine.heldBytes, 200)
        XCTAssertLines(t.acked(Net.toJabber, 2), ["delete #1 #3", "forget #1 #3"])
        XCTAssertEqual(t.engine.heldBytes, 0)
    }

    /// A restart knows only each hop's summary; sweeping the run once (a page at a time) puts iqs and
    /// availability presence back in memory on their own deadlines, so an iq behind a message still
    /// bounces after iq_hold, and the hop then gets everything in acceptance order.
    func testARestoredRunIsSweptOnceAndKeepsOrder() {
        var t = Transcript(policy: QueuePolicy(sendWindow: 2))
        t.wait(.seconds(600))
        let presence = StanzaKind.availability(PresenceAddresses(from: "ann@smith.example", to: "bob@jabber.org"))
        for (id, kind) in [(1, StanzaKind.message), (2, .iqRequest), (3, .message), (4, presence), (5, .message)] {
            t.disk[StanzaID(UInt64(id))] = StanzaRecord(
                id: StanzaID(UInt64(id)), kind: kind, from: Net.smith, to: Net.jabber, destination: .remote(Net.jabber),
                bytes: 100, acceptedAt: WallTime(milliseconds: t.now.milliseconds - 10_000))
        }
        XCTAssertLines(
            t.restarted(), ["connect \(jabber)", "load \(jabber) #1...#5 2", "schedule +650000ms"],
            "nothing is due yet (iq_hold from the oldest), but the run may hold iqs: it is swept")
        XCTAssertLines(t.loaded(Net.toJabber), ["load \(jabber) #3...#5 2"])
        XCTAssertLines(t.loaded(Net.toJabber), ["load \(jabber) #5...#5 2"])
        XCTAssertLines(t.loaded(Net.toJabber), [])
        XCTAssertEqual(t.engine.residentCount, 2, "the iq and the presence")
        XCTAssertEqual(t.engine.heldCount, 5)
        t.wait(.seconds(50))
        XCTAssertLines(
            t.timer(),
            [
                "queue.expired id=2 hop=\(jabber) kind=iq age_ms=60000 outcome=bounced",
                "bounce #2 remote-server-timeout wait", "delete #2", "forget #2", "schedule +259790000ms",
            ])
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#1 2"])
        XCTAssertLines(
            t.loaded(Net.toJabber), ["send #1 \(jabber)", "requestAck \(jabber) 1", "load \(jabber) #3...#3 1"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #3 \(jabber)"])
        XCTAssertLines(
            t.acked(Net.toJabber, 2),
            ["send #4 \(jabber)", "requestAck \(jabber) 1", "load \(jabber) #5...#5 1", "delete #1 #3", "forget #1 #3"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #5 \(jabber)"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["requestAck \(jabber) 1", "delete #4", "forget #4"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #5", "forget #5"])
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertEqual(t.engine.heldBytes, 0)
    }

    /// A page the relay shortened (a row it could not read, deleted) does not end the run early.
    func testAShortPageDoesNotEndTheRun() {
        var t = backlog(4, policy: QueuePolicy(sendWindow: 2))
        XCTAssertLines(t.up(Net.toJabber), ["load \(jabber) #1...#4 2"])
        XCTAssertLines(
            t.loaded(Net.toJabber, omitting: [1]),
            ["send #2 \(jabber)", "requestAck \(jabber) 1", "load \(jabber) #3...#4 1"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #3 \(jabber)"])
        XCTAssertLines(
            t.acked(Net.toJabber, 2), ["load \(jabber) #4...#4 2", "delete #2 #3", "forget #2 #3"])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #4 \(jabber)", "requestAck \(jabber) 1"])
        XCTAssertLines(t.acked(Net.toJabber, 1), ["delete #4", "forget #4"])
        XCTAssertEqual(t.engine.heldCount, 0)
        XCTAssertEqual(t.engine.heldBytes, 0, "#1's bytes are found gone with the run's end")
    }

    /// A hop without acks writes what is committed: a stored run is read and written a page at a time.
    func testAHopWithoutAcksWritesAStoredRunAPageAtATime() {
        var t = backlog(3, policy: QueuePolicy(sendWindow: 2))
        XCTAssertLines(t.up(Net.toJabber, .none), ["load \(jabber) #1...#3 2"])
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "send #1 \(jabber)", "send #2 \(jabber)", "load \(jabber) #3...#3 2", "delete #1 #2", "forget #1 #2",
            ])
        XCTAssertLines(t.loaded(Net.toJabber), ["send #3 \(jabber)", "delete #3", "forget #3"])
        XCTAssertEqual(t.engine.heldCount, 0)
    }
}

/// A hop found unreachable, with stored runs.
final class UnreachableTests: XCTestCase {
    /// DNS says the hop cannot exist: what waits in memory bounces at once, stored runs are read back
    /// and bounce a page at a time; a stanza accepted meanwhile is not part of the verdict.
    func testAnUnreachableHopBouncesItsStoredRunsPageByPage() {
        var t = Transcript(policy: QueuePolicy(sendWindow: 2))
        _ = t.fromSmith()
        _ = t.fromSmith()
        _ = t.fromSmith(.iqRequest)
        _ = t.fromSmith(.error)
        _ = t.stored(1, 2, 3, 4)
        XCTAssertEqual(t.engine.residentCount, 1)
        let lines = t.unreachableReadingBack(Net.toJabber, "jabber.org has no XMPP service (NXDOMAIN)")
        XCTAssertLines(
            lines,
            [
                "queue.bounced hop=\(jabber) count=4 reason=jabber.org has no XMPP service (NXDOMAIN)",
                "bounce #3 remote-server-not-found cancel", "load \(jabber) #1...#2 2", "delete #3", "forget #3",
                "schedule +259200000ms",
            ])
        XCTAssertLines(
            t.fromSmith(),
            ["queue.deferred hop=\(jabber) count=1 reason=next-hop-down", "connect \(jabber)", "store #5"],
            "a new stanza tries again")
        XCTAssertLines(
            t.loaded(Net.toJabber),
            [
                "bounce #1 remote-server-not-found cancel", "bounce #2 remote-server-not-found cancel",
                "load \(jabber) #4...#4 2", "delete #1 #2", "forget #1 #2",
            ])
        XCTAssertLines(t.loaded(Net.toJabber), ["delete #4", "forget #4"], "an error stanza is only dropped")
        XCTAssertLines(t.stored(5), ["ackUpstream link1 1"])
        XCTAssertEqual(t.engine.heldCount, 1, "#5 waits for the new attempt")
        XCTAssertEqual(t.engine.heldBytes, 100)
    }
}
