import CMbedTLS
import Routing
import XCTest

/// Issue 11's memory requirement: 100,000 stanzas queued for a hop that is down add at most 2 MB of
/// private memory. The engine is measured alone (RelayServer keeps no bytes of a committed stanza),
/// with malloc's count of bytes in use (mallinfo2, through the CMbedTLS shim TLSTests use), before
/// and after. Before stored runs the same 100,000 messages grew the engine by 9,383,072 bytes.
final class PagingMemoryTests: XCTestCase {
    private let total = 100_000
    private let batch = 100

    /// Message `number` as the store would give it back.
    private func record(_ number: UInt64) -> StanzaRecord {
        StanzaRecord(
            id: StanzaID(number), kind: .message, from: Net.smith, to: Net.jabber, destination: .remote(Net.jabber),
            bytes: 100, acceptedAt: Net.start + .milliseconds(Int64(number)))
    }

    func testOneHundredThousandStoredStanzasForADownHopAddAtMostTwoMegabytes() throws {
        guard shim_heap_bytes_in_use() >= 0 else { throw XCTSkip("needs glibc >= 2.33 for mallinfo2") }
        var engine = RoutingEngine(rule: Net.rule, policy: QueuePolicy(), random: SeededRandom(seed: 1))
        var pending: [StanzaID] = []
        var largestResident = 0
        func accept(_ number: Int) {
            let now = Net.start + .milliseconds(Int64(number))
            let stanza = IncomingStanza(
                id: StanzaID(UInt64(number)), kind: .message, from: Net.smith, to: Net.jabber, bytes: 100,
                origin: .link(Upstream(link: Net.homeLink, sequence: UInt64(number)), arrival: .home([Net.smith])))
            for action in engine.received(stanza, now: now) {
                if case .store(let records) = action { pending += records.map(\.id) }
            }
            // Group commit: the store reports every `batch` stanzas.
            if pending.count == batch {
                _ = engine.stored(pending, now: now)
                pending.removeAll(keepingCapacity: true)
            }
            largestResident = max(largestResident, engine.residentCount)
        }
        // Warm up (the hop's queue, the upstream ledger, the first pages of every table).
        for number in 1...batch { accept(number) }
        let before = shim_heap_bytes_in_use()
        let started = ContinuousClock.now
        for number in (batch + 1)...total { accept(number) }
        let after = shim_heap_bytes_in_use()
        let elapsed = ContinuousClock.now - started
        let growth = Int(after) - Int(before)
        print(
            "paging: \(total - batch) stanzas stored for a down hop grew the engine by \(growth) bytes "
                + "(\(growth / (total - batch)) bytes per stanza; at most \(largestResident) in memory) in \(elapsed)")
        XCTAssertEqual(engine.heldCount, total)
        XCTAssertEqual(engine.heldBytes, total * 100)
        XCTAssertLessThanOrEqual(largestResident, batch, "only what waits for its commit is in memory")
        XCTAssertLessThanOrEqual(growth, 2 * 1024 * 1024, "100,000 queued stanzas must add at most 2 MB")

        // The hop comes up: the backlog drains a page at a time, never more than a window in memory.
        var now = Net.start + .seconds(3600)
        var actions = engine.nextHopUp(Net.toJabber, acks: .streamManagement, now: now)
        var sent: [UInt64] = []
        var pages = 0
        var largestPage = 0
        while !actions.isEmpty {
            var next: [RoutingAction] = []
            var inFlight = 0
            for action in actions {
                switch action {
                case .send(let id, _):
                    sent.append(id.value)
                    inFlight += 1
                case .load(let hop, let from, let through, let limit):
                    pages += 1
                    largestPage = max(largestPage, limit)
                    let page = (from.value...min(through.value, from.value + UInt64(limit) - 1)).map(record)
                    next += engine.loaded(hop, page, now: now)
                default: break
                }
            }
            largestResident = max(largestResident, engine.residentCount)
            now = now + .milliseconds(10)
            if inFlight > 0 { next += engine.acknowledged(Net.toJabber, count: inFlight, now: now) }
            actions = next
        }
        print(
            "paging: the backlog drained in \(pages) pages of at most \(largestPage), at most \(largestResident) in memory"
        )
        XCTAssertEqual(sent, (1...UInt64(total)).map { $0 }, "everything, once, in acceptance order")
        XCTAssertEqual(engine.heldCount, 0)
        XCTAssertEqual(engine.heldBytes, 0)
        XCTAssertLessThanOrEqual(largestPage, QueuePolicy().sendWindow)
        XCTAssertLessThanOrEqual(largestResident, QueuePolicy().sendWindow)
    }
}
