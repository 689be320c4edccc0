import CMbedTLS
import Routing
import XCTest

/// Issue 11's memory requirement: 100,000 stanzas queued for a hop that is down add at most 2 MB of
/// private memory. The engine is measured alone (RelayServer keeps no bytes of a committed stanza),
/// with malloc's count of bytes in use (mallinfo2, through the CMbedTLS shim TLSTests use), before and after.
final class PagingMemoryTests: XCTestCase {
    func testOneHundredThousandStoredStanzasForADownHopAddAtMostTwoMegabytes() throws {
        guard shim_heap_bytes_in_use() >= 0 else { throw XCTSkip("needs glibc >= 2.33 for mallinfo2") }
        do {
            var engine = RoutingEngine(rule: Net.rule, policy: QueuePolicy(), random: SeededRandom(seed: 1))
            var now = Net.start
            let total = 100_000
            let batch = 100
            var pending: [StanzaID] = []
            var paged = 0
            func accept(_ number: Int) {
                let id = StanzaID(UInt64(number))
                let stanza = IncomingStanza(
                    id: id, kind: .message, from: Net.smith, to: Net.jabber, bytes: 100,
                    origin: .link(Upstream(link: Net.homeLink, sequence: UInt64(number)), arrival: .home([Net.smith])))
                for action in engine.received(stanza, now: now) {
                    if case .store(let records) = action { pending += records.map(\.id) }
                }
                // Group commit: the store reports every `batch` stanzas.
                if pending.count == batch {
                    paged += engine.stored(pending, now: now).count
                    pending.removeAll(keepingCapacity: true)
                }
                now = now + .milliseconds(1)
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
                "paging: \(total) stanzas stored for a down hop grew the engine by \(growth) bytes "
                    + "(\(growth / (total - batch)) bytes per stanza) in \(elapsed)")
            XCTAssertEqual(engine.heldCount, total)
            XCTAssertEqual(engine.heldBytes, total * 100)
            XCTAssertGreaterThan(paged, 0)
            XCTAssertLessThanOrEqual(growth, 2 * 1024 * 1024, "100,000 queued stanzas must add at most 2 MB")
        }
    }
}
