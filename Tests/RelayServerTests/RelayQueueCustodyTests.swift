import EventLoop
import Foundation
import RelayLog
import RelayTestSupport
import Routing
import S2S
import Store
import XCTest
import XMPPStream

@testable import RelayServer

/// RelayQueue on a real store and loop, with the links replaced by a recorder (no sockets): custody
/// is confirmed upstream only once the stanza is committed (readable by the store's reader, which
/// sees committed records only), and a stanza through a live acknowledging hop never reaches the store.
final class RelayQueueCustodyTests: XCTestCase {
    private final class Recorder: QueueCarrier {
        var calls: [String] = []
        var committedWhenConfirmed: [Bool] = []
        var store: Store?
        var watched: RecordID?
        var liveHops: Set<NextHop> = []

        func send(_ stanza: Element, on hop: NextHop, confirmed: Bool, source: LinkID?) -> Bool {
            calls.append("send \(stanza[attribute: "id"] ?? "-") \(hop)")
            return liveHops.contains(hop)
        }
        func requestAck(on hop: NextHop) { calls.append("requestAck \(hop)") }
        func custodyTaken(_ link: LinkID, count: Int) {
            calls.append("custody \(link) \(count)")
            if let store, let watched { committedWhenConfirmed.append((try? store.record(watched)) != nil) }
        }
        func storeBacklogChanged(_ bytes: Int) {}
        func connect(_ hop: NextHop) { calls.append("connect \(hop)") }
        func bounce(_ stanza: Element, _ condition: StanzaBounce.Condition, text: String, reason: String) {
            calls.append("bounce \(stanza[attribute: "id"] ?? "-") \(condition.rawValue)")
        }
        func refuse(_ stanza: Element, _ refusal: RouteRule.Refusal, reason: String) {
            calls.append("refuse \(stanza[attribute: "id"] ?? "-")")
        }
        /// The hop's socket: 100 bytes a stanza; the test says how much the kernel took, or closes it.
        var written = 0
        var handedToKernel = 0
        var linkOpen = true
        func outputMark(on hop: NextHop) -> OutputMark? {
            guard liveHops.contains(hop), linkOpen else { return nil }
            written += 100
            return OutputMark(link: 1, bytes: written)
        }
        func hasLeft(_ mark: OutputMark) -> Bool? { linkOpen ? handedToKernel >= mark.bytes : nil }
        func pendingOutput(on hop: NextHop) -> Int { linkOpen ? written - handedToKernel : 0 }
    }

    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "queue-custody-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private let smith = try! DomainName("smith.example")
    private let jabber = try! DomainName("jabber.org")

    private func stanza(_ id: String) -> Element {
        Element(
            "message", namespace: "jabber:server",
            attributes: [Attribute("from", "a@jabber.org"), Attribute("to", "b@smith.example"), Attribute("id", id)],
            children: [.element(Element("body", namespace: "jabber:server", children: [.text("hi")]))])
    }

    /// A queue on a fresh store in `directory`, its links replaced by a recorder.
    private func makeQueue(homes: Set<DomainName>, components: Set<DomainName>) throws -> (
        Loop, Store, RelayQueue, Recorder
    ) {
        let loop = Loop()
        let store = try Store(path: directory + "/queue.db")
        let queue = RelayQueue(
            store: store, rule: RouteRule(homeDomains: homes, componentDomains: components), policy: QueuePolicy(),
            loop: loop, logger: Logger(level: .error, sink: MemorySink()))
        let recorder = Recorder()
        recorder.store = store
        queue.carrier = recorder
        return (loop, store, queue, recorder)
    }

    /// Runs the loop until `done` or 5 s.
    private func run(_ loop: Loop, until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(5)
        while !done() && Date() < deadline { loop.runOnce(blocking: false) }
    }

    func testCustodyIsConfirmedUpstreamOnlyAfterTheCommit() throws {
        let (loop, store, queue, recorder) = try makeQueue(homes: [smith], components: [])
        recorder.watched = RecordID(store.nextRecordID.rawValue)
        let upstream = Upstream(link: LinkID(7), sequence: 1)

        // The home hop is down (never up): the stanza is stored and the hop dialed; no custody yet.
        queue.accept(stanza("c1"), from: jabber, to: smith, origin: .link(upstream, arrival: .remote))
        let hop = "home:jabber.org->smith.example"
        XCTAssertEqual(recorder.calls, ["connect \(hop)"])
        XCTAssertNil(try store.record(recorder.watched!), "not committed yet")

        run(loop) { !recorder.committedWhenConfirmed.isEmpty }
        XCTAssertEqual(recorder.calls, ["connect \(hop)", "custody link7 1"])
        XCTAssertEqual(recorder.committedWhenConfirmed, [true], "custody confirmed before the commit")
        XCTAssertEqual(store.totals.count, 1)
        queue.stop()
    }

    func testAStanzaThroughALiveAcknowledgingHopNeverReachesTheStore() throws {
        let (_, store, queue, recorder) = try makeQueue(homes: [smith], components: [])
        let hop = NextHop(from: jabber, to: .home(smith))
        recorder.liveHops = [hop]
        queue.post(.up(hop, .streamManagement))

        queue.accept(
            stanza("f1"), from: jabber, to: smith,
            origin: .link(Upstream(link: LinkID(7), sequence: 1), arrival: .remote))
        XCTAssertEqual(recorder.calls, ["send f1 \(hop)", "requestAck \(hop)"])
        queue.post(.acknowledged(hop, count: 1))
        XCTAssertEqual(recorder.calls, ["send f1 \(hop)", "requestAck \(hop)", "custody link7 1"])
        XCTAssertEqual(queue.storeWrites, 0)
        XCTAssertEqual(store.totals.count, 0)
        XCTAssertEqual(queue.count, 0)
        queue.stop()
    }
    /// A hop without acks (a component): written means delivered, but only once the bytes have left
    /// the relay. A stanza still in the relay's own output buffer keeps its row; if the link closes
    /// first it is queued again (a duplicate at worst, never a loss).
    func testAStanzaForAHopWithoutAcksKeepsItsRowUntilItsBytesLeaveTheRelay() throws {
        let component = try DomainName("iot.smith.example")
        let (loop, store, queue, recorder) = try makeQueue(homes: [], components: [component])
        let hop = NextHop(from: jabber, to: .component(component))
        recorder.liveHops = [hop]
        queue.post(.up(hop, NextHopAcks.none))
        func message(_ id: String) -> Element {
            Element(
                "message", namespace: "jabber:server",
                attributes: [
                    Attribute("from", "a@jabber.org"), Attribute("to", "bot@iot.smith.example"), Attribute("id", id),
                ])
        }
        queue.accept(
            message("k1"), from: jabber, to: component,
            origin: .link(Upstream(link: LinkID(7), sequence: 1), arrival: .remote))
        run(loop) { recorder.calls.contains("send k1 \(hop)") }
        XCTAssertTrue(recorder.calls.contains("custody link7 1"), "\(recorder.calls)")
        // Written, but the kernel has not taken it: the row stays.
        for _ in 0..<20 { loop.runOnce(blocking: false) }
        usleep(50_000)
        for _ in 0..<20 { loop.runOnce(blocking: false) }
        XCTAssertEqual(store.totals.count, 1, "deleted while its bytes were still in the relay")

        recorder.handedToKernel = 100
        run(loop) { store.totals.count == 0 }
        XCTAssertEqual(store.totals.count, 0, "the bytes left: the row goes")

        // The next one: the link closes before the kernel takes it. It is queued again (stored anew,
        // the hop dialed), and only then does its old row go.
        queue.accept(
            message("k2"), from: jabber, to: component,
            origin: .link(Upstream(link: LinkID(7), sequence: 2), arrival: .remote))
        run(loop) { recorder.calls.contains("send k2 \(hop)") }
        recorder.linkOpen = false
        recorder.liveHops = []
        queue.post(.down(hop, reason: "component gone"))
        run(loop) { store.totals.count == 1 && (try? store.records(forKey: hop.storeKey, limit: 5).first?.id) != nil }
        let rows = try store.records(forKey: hop.storeKey, limit: 5)
        XCTAssertEqual(rows.count, 1, "k2 stays queued exactly once")
        XCTAssertEqual(rows.first.flatMap { QueuedStanza.parse($0.body) }?[attribute: "id"], "k2")
        queue.stop()
    }

    /// SIGTERM: a stanza sent on a live hop and not yet confirmed is only in memory; stopping
    /// stores it and waits for the commit, so the next start finds it (nothing is bounced).
    func testStopStoresWhatIsOnlyInMemoryAndAwaitsTheCommit() throws {
        let path = directory + "/queue.db"
        let (_, store, queue, recorder) = try makeQueue(homes: [smith], components: [])
        let hop = NextHop(from: jabber, to: .home(smith))
        recorder.liveHops = [hop]
        queue.post(.up(hop, .streamManagement))
        queue.accept(
            stanza("s1"), from: jabber, to: smith,
            origin: .link(Upstream(link: LinkID(7), sequence: 1), arrival: .remote))
        XCTAssertEqual(store.totals.count, 0, "in flight, within hold: memory only")

        queue.stop()
        XCTAssertFalse(recorder.calls.contains { $0.hasPrefix("bounce") }, "\(recorder.calls)")
        XCTAssertTrue(recorder.calls.contains("custody link7 1"), "stored: custody confirmed \(recorder.calls)")
        let reopened = try Store(path: path)
        XCTAssertEqual(reopened.totals.count, 1)
        XCTAssertEqual(try reopened.records(forKey: hop.storeKey, limit: 10).count, 1)
    }
    /// The loop's share of storing: `accept` (which hands records to the writer thread) and the
    /// completion callback (custody confirmations) never wait for the fsync, which runs on the
    /// writer thread. Prints the longest single loop step while 2,000 stanzas are stored.
    func testTheLoopNeverWaitsForTheFsync() throws {
        try skipUnderEmulator("loop step timings")
        let (loop, store, queue, recorder) = try makeQueue(homes: [smith], components: [])
        let clock = ContinuousClock()
        var longestAccept = Duration.zero
        var longestStep = Duration.zero
        for number in 1...2000 {
            let started = clock.now
            queue.accept(
                stanza("t\(number)"), from: jabber, to: smith,
                origin: .link(Upstream(link: LinkID(7), sequence: UInt64(number)), arrival: .remote))
            longestAccept = max(longestAccept, clock.now - started)
            if number % 50 == 0 {
                let step = clock.now
                loop.runOnce(blocking: false)
                longestStep = max(longestStep, clock.now - step)
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while store.totals.count < 2000 || recorder.calls.filter({ $0.hasPrefix("custody") }).isEmpty,
            Date() < deadline
        {
            let step = clock.now
            loop.runOnce(blocking: false)
            longestStep = max(longestStep, clock.now - step)
        }
        while Date() < deadline,
            recorder.calls.filter({ $0.hasPrefix("custody") }).map({ Int($0.split(separator: " ")[2])! }).reduce(0, +)
                < 2000
        {
            let step = clock.now
            loop.runOnce(blocking: false)
            longestStep = max(longestStep, clock.now - step)
        }
        print("loop while storing 2000 stanzas: longest accept \(longestAccept), longest loop step \(longestStep)")
        XCTAssertEqual(
            recorder.calls.filter { $0.hasPrefix("custody") }.map { Int($0.split(separator: " ")[2])! }.reduce(0, +),
            2000)
        XCTAssertLessThan(longestAccept, .milliseconds(50), "accept waited for the disk")
        queue.stop()
    }
}
