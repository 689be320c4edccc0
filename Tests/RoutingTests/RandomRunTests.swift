import Routing
import S2S
import XCTest

/// Thousands of events in a seeded random order, checked against what must hold whatever happens:
/// order per hop, custody confirmed once and only for settled stanzas, every stored row deleted
/// once, every stanza finished exactly once, and nothing left once every hop is up and has confirmed.
/// The relay also restarts now and then: what was only in memory is lost (never confirmed upstream),
/// the rest resumes from the store's summaries.
final class RandomRunTests: XCTestCase {
    private struct Model {
        var engine = RoutingEngine(rule: Net.rule, policy: QueuePolicy(sendWindow: 4), random: SeededRandom(seed: 1))
        var now = Net.start
        var nextID: UInt64 = 1
        var sequence: UInt64 = 0
        var hopOf: [StanzaID: NextHop] = [:]
        var up: [NextHop: NextHopAcks] = [:]
        var dialling: Set<NextHop> = []
        var inFlight: [NextHop: [StanzaID]] = [:]
        /// Ids sent on the hop's current link.
        var sentThisLink: [NextHop: Set<StanzaID>] = [:]
        var storing: [[StanzaID]] = []
        var storedRows: Set<StanzaID> = []
        /// Every record a `store` action carried (the simulated store's rows are `storedRows`).
        var records: [StanzaID: StanzaRecord] = [:]
        /// Pages asked for and not answered yet.
        var loads: [NextHop: (from: StanzaID, through: StanzaID, limit: Int)] = [:]
        var pagesLoaded = 0
        var unreachable = 0
        var restarts = 0
        /// The upstream link; a restart makes a new one (its sequence starts again).
        var link = Net.homeLink
        var finished: Set<StanzaID> = []
        var confirmedUpstream = 0
        var failures: [String] = []

        mutating func apply(_ actions: [RoutingAction]) {
            // Stanzas this step finishes (bounced, dropped) are not overtaken by a later one it sends.
            var finishing: Set<StanzaID> = []
            for case .forget(let ids) in actions { finishing.formUnion(ids) }
            for action in actions {
                switch action {
                case .send(let id, let hop):
                    check(up[hop] != nil, "\(id) sent on \(hop), which is not up")
                    check(!finished.contains(id), "\(id) sent after it was finished")
                    let skipped = hopOf.filter {
                        $0.value == hop && $0.key < id && !finished.contains($0.key) && !finishing.contains($0.key)
                    }
                    .map(\.key).filter { !(sentThisLink[hop] ?? []).contains($0) }
                    check(skipped.isEmpty, "\(id) sent on \(hop) before earlier \(skipped)")
                    sentThisLink[hop, default: []].insert(id)
                    if up[hop] != NextHopAcks.none { inFlight[hop, default: []].append(id) }
                case .store(let records):
                    storing.append(records.map(\.id))
                    for record in records { self.records[record.id] = record }
                case .load(let hop, let from, let through, let limit):
                    check(loads[hop] == nil, "a second load for \(hop) before the first was answered")
                    check(limit > 0 && from <= through, "odd load \(from)...\(through) \(limit)")
                    loads[hop] = (from, through, limit)
                case .delete(let ids):
                    for id in ids {
                        check(storedRows.remove(id) != nil, "\(id) deleted but not stored (or twice)")
                    }
                case .forget(let ids):
                    for id in ids { check(finished.insert(id).inserted, "\(id) finished twice") }
                case .ackUpstream(let link, let count):
                    check(link == self.link && count > 0, "odd ackUpstream \(link) \(count)")
                    confirmedUpstream += count
                    check(confirmedUpstream <= sequence, "confirmed \(confirmedUpstream) of \(sequence) received")
                case .connect(let hop):
                    check(up[hop] == nil && !dialling.contains(hop), "connect \(hop) while up or dialling")
                    dialling.insert(hop)
                case .requestAck, .bounce, .refuse, .schedule, .log:
                    break
                }
            }
        }

        mutating func check(_ condition: Bool, _ message: String) {
            if !condition && failures.count < 10 { failures.append(message) }
        }

        mutating func receive(_ kind: StanzaKind, to hop: NextHop) {
            let id = StanzaID(nextID)
            nextID += 1
            sequence += 1
            hopOf[id] = hop
            let stanza = IncomingStanza(
                id: id, kind: kind, from: Net.smith, to: hop.domain, bytes: 200,
                origin: .link(Upstream(link: link, sequence: sequence), arrival: .home([Net.smith])))
            apply(engine.received(stanza, now: now))
        }

        mutating func bringUp(_ hop: NextHop, _ acks: NextHopAcks) {
            dialling.remove(hop)
            up[hop] = acks
            sentThisLink[hop] = []
            apply(engine.nextHopUp(hop, acks: acks, now: now))
        }

        mutating func findUnreachable(_ hop: NextHop) {
            dialling.remove(hop)
            unreachable += 1
            apply(engine.nextHopUnreachable(hop, reason: "random", now: now))
        }

        mutating func takeDown(_ hop: NextHop) {
            up[hop] = nil
            dialling.remove(hop)
            inFlight[hop] = []
            apply(engine.nextHopDown(hop, reason: "random", now: now))
        }

        mutating func acknowledge(_ hop: NextHop, _ count: Int) {
            inFlight[hop]?.removeFirst(count)
            apply(engine.acknowledged(hop, count: count, now: now))
        }

        mutating func commit(_ batch: [StanzaID], failing: Bool) {
            if failing {
                apply(engine.storeFailed(batch, .io("random"), now: now))
            } else {
                storedRows.formUnion(batch)
                apply(engine.stored(batch, now: now))
            }
        }

        mutating func answerLoad(_ hop: NextHop) {
            guard let request = loads.removeValue(forKey: hop) else { return }
            let page = storedRows.filter { records[$0]?.hop == hop && $0 >= request.from && $0 <= request.through }
                .sorted().prefix(request.limit).map { records[$0]! }
            pagesLoaded += 1
            apply(engine.loaded(hop, page, now: now))
        }

        /// A crash and a start: uncommitted writes are gone, the engine starts from the stored rows.
        mutating func restart() {
            restarts += 1
            storing = []
            loads = [:]
            for number in 1..<nextID where !storedRows.contains(StanzaID(number)) {
                finished.insert(StanzaID(number))  // lost with the process, never confirmed upstream
            }
            up = [:]
            dialling = []
            inFlight = [:]
            sentThisLink = [:]
            link = LinkID(link.value + 100)
            sequence = 0
            confirmedUpstream = 0
            engine = RoutingEngine(
                rule: Net.rule, policy: QueuePolicy(sendWindow: 4), random: SeededRandom(seed: UInt64(restarts)))
            var backlogs: [NextHop: StoredBacklog] = [:]
            for id in storedRows.sorted() {
                let record = records[id]!
                if backlogs[record.hop] == nil {
                    backlogs[record.hop] = StoredBacklog(
                        hop: record.hop, count: 0, bytes: 0, oldestID: id, oldestAcceptedAt: record.acceptedAt)
                }
                backlogs[record.hop]!.count += 1
                backlogs[record.hop]!.bytes += record.bytes
            }
            let summaries = backlogs.values.sorted { $0.hop.storeKey < $1.hop.storeKey }
            apply(engine.restarted(summaries, newestStoredID: StanzaID(nextID - 1), now: now))
        }

        mutating func tick(_ duration: Duration) {
            now = now + duration
            apply(engine.timer(now: now))
        }
    }

    func testInvariantsHoldOverARandomRun() {
        var random = SeededRandom(seed: 2026)
        var model = Model()
        let hops = [Net.toJabber, Net.toIoT]
        let kinds: [StanzaKind] = [
            .message, .message, .iqRequest, .error, .subscription,
            .availability(PresenceAddresses(from: "a@smith.example", to: "b@jabber.org")),
        ]
        for _ in 0..<4000 {
            let hop = hops[Int.random(in: 0..<2, using: &random)]
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<40:
                model.receive(kinds[Int.random(in: 0..<kinds.count, using: &random)], to: hop)
            case 40..<50 where model.up[hop] == nil:
                let modes: [NextHopAcks] = [.streamManagement, .ping, .none]
                model.bringUp(hop, modes[Int.random(in: 0..<3, using: &random)])
            case 50..<52 where model.dialling.contains(hop):
                model.findUnreachable(hop)
            case 50..<55 where model.up[hop] != nil || model.dialling.contains(hop):
                model.takeDown(hop)
            case 55..<70 where !(model.inFlight[hop] ?? []).isEmpty:
                model.acknowledge(hop, Int.random(in: 1...model.inFlight[hop]!.count, using: &random))
            case 70..<75 where model.loads[hop] != nil:
                model.answerLoad(hop)
            case 75..<76:
                model.restart()
            case 76..<90 where !model.storing.isEmpty:
                model.commit(model.storing.removeFirst(), failing: Int.random(in: 0..<50, using: &random) == 0)
            default:
                model.tick(.milliseconds(Int64.random(in: 0...3000, using: &random)))
            }
        }
        // Drain: every store commits, every hop comes up with XEP-0198 and confirms everything.
        for _ in 0..<2000 where model.engine.heldCount > 0 {
            while !model.storing.isEmpty { model.commit(model.storing.removeFirst(), failing: false) }
            for hop in hops {
                model.answerLoad(hop)
                if model.up[hop] != nil && model.up[hop] != .streamManagement { model.takeDown(hop) }
                if model.up[hop] == nil { model.bringUp(hop, .streamManagement) }
                let count = model.inFlight[hop]?.count ?? 0
                if count > 0 { model.acknowledge(hop, count) }
            }
            model.tick(.seconds(1))
        }
        XCTAssertEqual(model.failures, [])
        XCTAssertEqual(model.engine.heldCount, 0)
        XCTAssertEqual(model.engine.heldBytes, 0)
        XCTAssertEqual(model.storedRows, [], "rows never deleted")
        XCTAssertEqual(model.finished.count, Int(model.nextID - 1), "every stanza finished once")
        XCTAssertEqual(model.confirmedUpstream, Int(model.sequence), "every stanza confirmed upstream")
        XCTAssertGreaterThan(model.nextID, 1000)
        XCTAssertGreaterThan(model.pagesLoaded, 10, "stored runs were paged back in")
        XCTAssertGreaterThan(model.unreachable, 3, "hops were found unreachable")
        XCTAssertGreaterThan(model.restarts, 10, "the relay restarted")
    }
}
