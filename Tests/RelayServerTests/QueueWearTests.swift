import Foundation
import RelayTestSupport
import XCTest

/// SD-card wear, from `/proc/PID/io` `write_bytes` of relay A (issue 11): nothing is written for a
/// stanza that goes through a live link whose peer acknowledges within `[queue] hold`; a stanza
/// stored because its hop is down costs at most 3× its size under a steady stream. Prints the
/// figures (single stanza too) for the notes.
final class QueueWearTests: XCTestCase {
    typealias Side = RelayBed.Side

    private var bed: RelayBed!

    override func setUpWithError() throws {
        try skipUnderEmulator("write_bytes per stanza")
        bed = try RelayBed(name: "wear")
    }

    override func tearDownWithError() throws {
        bed?.tearDown()
    }

    private func configText(_ side: Side, peer: Side) -> String {
        bed.commonSections(domain: side.domain, certificate: side.certificate, key: side.key) + """
            [listen]
            s2s = ["127.0.0.1:\(side.s2sPort)"]
            s2s_direct_tls = []
            home = []
            component = ["127.0.0.1:\(side.componentPort)"]

            """ + RelayBed.componentSection(domain: side.domain, secret: side.secret)
            + RelayBed.peerSection(domain: peer.domain, port: peer.s2sPort, pin: peer.pin, dialback: false)
    }

    private func writeBytes(_ relay: RelayProcess) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(relay.processIdentifier)/io", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("write_bytes:") }),
            let value = Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces))
        else { throw XCTSkip("no write_bytes in /proc/PID/io here") }
        return value
    }

    private func message(_ id: String) -> String {
        "<message from='alice@a.example' to='bob@b.example' id='\(id)'><body>\(String(repeating: "w", count: 400))"
            + "</body></message>"
    }

    /// The bytes of one such stanza as the relay stores it (serialized, `jabber:server`).
    private var stanzaSize: Int { message("s100").utf8.count }

    func testWriteBytesPerStanzaThroughALiveLinkAndWhenStored() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayA = try bed.startRelay(domain: a.domain, configText(a, peer: b))
        let relayB = try bed.startRelay(domain: b.domain, configText(b, peer: a))
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)

        // Warm-up: the first stanza finds the hop idle (stored while the link comes up).
        try componentA.send(message("w0"))
        _ = try componentB.waitFor("id='w0'")
        Thread.sleep(forTimeInterval: 1)

        let count = 200
        let before = try writeBytes(relayA)
        for number in 1...count { try componentA.send(message("h\(number)")) }
        _ = try componentB.waitFor("id='h\(count)'", timeout: 30)
        Thread.sleep(forTimeInterval: 1.5)  // past `hold`: a stanza not confirmed by now was stored
        let live = try writeBytes(relayA) - before
        print("write_bytes through a live XEP-0198 link: \(live) bytes for \(count) stanzas of \(stanzaSize) bytes")
        XCTAssertTrue(relayA.lines("queue.deferred").filter { $0.contains("hold-expired") }.isEmpty, relayA.log)
        XCTAssertLessThanOrEqual(live, 8192, "a stanza through a live acknowledging link must not touch the disk")

        // B goes away: what A accepts now is stored.
        XCTAssertEqual(relayB.stop(), 0, relayB.log)
        XCTAssertNotNil(relayA.waitFor("link.down", ["remote=b.example"]), relayA.log)
        Thread.sleep(forTimeInterval: 0.5)
        let single = try writeBytes(relayA)
        try componentA.send(message("s0"))
        XCTAssertNotNil(relayA.waitFor("queue.deferred", ["reason=next-hop-down"]), relayA.log)
        Thread.sleep(forTimeInterval: 1)
        let one = try writeBytes(relayA) - single
        print("write_bytes for one stored stanza of \(stanzaSize) bytes: \(one)")

        let steady = try writeBytes(relayA)
        for number in 1...count { try componentA.send(message("s\(number)")) }
        XCTAssertTrue(
            eventually(timeout: 15) {
                relayA.send(signal: SIGUSR1)
                return relayA.lines("stats").last?.contains(" queued=\(count + 1) ") == true
            }, relayA.log)
        Thread.sleep(forTimeInterval: 1)
        let stored = try writeBytes(relayA) - steady
        let perStanza = Double(stored) / Double(count)
        print(
            "write_bytes per stored stanza, steady stream of \(count): \(Int(perStanza)) "
                + "(\(String(format: "%.2f", perStanza / Double(stanzaSize)))× the stanza's \(stanzaSize) bytes)")
        XCTAssertLessThanOrEqual(perStanza, 3.0 * Double(stanzaSize), "stored: at most 3× the stanza's size")
    }
}
