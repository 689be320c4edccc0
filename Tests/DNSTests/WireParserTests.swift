import Foundation
import XCTest

@testable import DNS

final class WireParserTests: XCTestCase {
    /// Real answers captured from the signed test zone (knot/unbound compress owner names).
    static func fixture(_ name: String) throws -> [UInt8] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/packets/\(name).hex").path
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static var fixtureNames: [String] { ["srv-secure", "tlsa-secure", "aaaa-secure", "a-secure", "a-nxdomain"] }

    func testRealSRVAnswer() throws {
        let message = try XCTUnwrap(DNSMessage.parse(Self.fixture("srv-secure")))
        XCTAssertEqual(message.responseCode, .noError)
        XCTAssertEqual(message.questionName?.description, "_xmpp-server._tcp.secure.xr.test.")
        XCTAssertEqual(message.questionType, .srv)
        let srv = message.answers.compactMap { if case .srv(let r) = $0.data { return r } else { return nil } }
        XCTAssertEqual(srv.map(\.description), ["10 5 5269 xmpp1.secure.xr.test.", "20 0 5269 xmpp2.secure.xr.test."])
        XCTAssertTrue(message.answers.contains { $0.type == RecordType(rawValue: 46) }, "RRSIG kept raw")
        XCTAssertEqual(message.answers.first?.name.description, "_xmpp-server._tcp.secure.xr.test.")
    }

    func testRealTLSAAndAddressAnswers() throws {
        let tlsa = try XCTUnwrap(DNSMessage.parse(Self.fixture("tlsa-secure")))
        let records = tlsa.answers.compactMap { if case .tlsa(let r) = $0.data { return r } else { return nil } }
        XCTAssertEqual(
            Set(records.map { "\($0.usage) \($0.selector) \($0.matchingType) \($0.data.count)" }),
            ["3 1 1 32", "2 0 1 32"])
        let v6 = try XCTUnwrap(DNSMessage.parse(Self.fixture("aaaa-secure")))
        let addresses = v6.answers.compactMap {
            if case .address(let a) = $0.data { return a.description } else { return nil }
        }
        XCTAssertEqual(Set(addresses), ["2001:db8::10", "2001:db8::11"])
    }

    func testNXDOMAINRcodeComesFromTheHeader() throws {
        let message = try XCTUnwrap(DNSMessage.parse(Self.fixture("a-nxdomain")))
        XCTAssertEqual(message.responseCode, .nameError)
        XCTAssertTrue(message.answers.isEmpty)
    }

    /// Header, question "a.example." SRV, then `answers` given as raw bytes.
    func packet(answerCount: UInt8, _ answers: [UInt8]) -> [UInt8] {
        [0x12, 0x34, 0x81, 0x80, 0, 1, 0, answerCount, 0, 0, 0, 0]
            + [1, 0x61, 7] + Array("example".utf8) + [0, 0, 33, 0, 1] + answers
    }

    func testCompressedSRVTargetIsFollowed() throws {
        // Owner: pointer to the question name (offset 12); target "xmpp" + pointer to "example." (14).
        let rdata: [UInt8] = [0, 10, 0, 5, 0x14, 0x95, 4] + Array("xmpp".utf8) + [0xC0, 14]
        let answer: [UInt8] = [0xC0, 12, 0, 33, 0, 1, 0, 0, 0x0E, 0x10, 0, UInt8(rdata.count)] + rdata
        let message = try XCTUnwrap(DNSMessage.parse(packet(answerCount: 1, answer)))
        guard case .srv(let srv) = message.answers.first?.data else { return XCTFail("no SRV") }
        XCTAssertEqual(srv.description, "10 5 5269 xmpp.example.")
        XCTAssertEqual(message.answers.first?.name.description, "a.example.")
        XCTAssertEqual(message.answers.first?.ttl, 3600)
    }

    func testPointerLoopsAreRejected() {
        // Owner name points at itself; and two names pointing at each other.
        let selfLoop: [UInt8] = [0xC0, 27, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]
        XCTAssertEqual(packet(answerCount: 1, []).count, 27)
        XCTAssertNil(DNSMessage.parse(packet(answerCount: 1, selfLoop)))
        let pingPong: [UInt8] = [1, 0x62, 0xC0, 31, 1, 0x63, 0xC0, 27]
        var reader = WireReader(packet(answerCount: 0, pingPong), offset: 27)
        XCTAssertNil(reader.readName())
    }

    func testLabelTypesAndLengthsAreChecked() {
        XCTAssertNil(DNSMessage.parse(packet(answerCount: 1, [0x40, 0, 1, 0, 1])), "extended label type")
        var longName: [UInt8] = []
        for _ in 0..<5 { longName += [63] + Array(repeating: 0x61, count: 63) }
        var reader = WireReader(longName + [0])
        XCTAssertNil(reader.readName(), "over 255 octets")
        let shortAddress: [UInt8] = [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3]
        XCTAssertNil(DNSMessage.parse(packet(answerCount: 1, shortAddress)), "A with 3 bytes")
        XCTAssertNil(DNSMessage.parse(packet(answerCount: 2, [])), "answer count beyond the data")
    }

    func testEscapedPresentation() {
        let name = DomainName(labels: [Array("a.b".utf8), [0x00, 0x5C, 0x41]])
        XCTAssertEqual(name.description, "a\\.b.\\000\\\\A.")
        XCTAssertEqual(DomainName(labels: []).description, ".")
        XCTAssertTrue(DomainName(labels: []).isRoot)
    }

    /// Every prefix of every real packet, and many random mutations: never a trap.
    func testFuzzPrefixesAndMutations() throws {
        var random = SeededGenerator(seed: 7)
        var parsedMutations = 0
        for name in Self.fixtureNames {
            let packet = try Self.fixture(name)
            let whole = try XCTUnwrap(DNSMessage.parse(packet))
            // Cutting into the header, question or answers fails; cutting only the authority or
            // additional sections (not read) gives the same answers, never a partial set.
            var parsedFrom: Int? = nil
            for length in 0..<packet.count {
                let partial = DNSMessage.parse(Array(packet[0..<length]))
                if let partial {
                    XCTAssertTrue(partial == whole, "\(name) prefix \(length) parsed differently")
                    if parsedFrom == nil { parsedFrom = length }
                } else {
                    XCTAssertNil(parsedFrom, "\(name) prefix \(length) failed after a shorter one parsed")
                }
            }
            XCTAssertGreaterThan(parsedFrom ?? packet.count, 12 + 4 + (whole.answers.count * 10))
            for _ in 0..<4000 {
                var mutated = packet
                for _ in 0...Int.random(in: 0...4, using: &random) {
                    let index = Int.random(in: 0..<mutated.count, using: &random)
                    switch Int.random(in: 0...3, using: &random) {
                    case 0: mutated[index] = UInt8.random(in: 0...255, using: &random)
                    case 1: mutated[index] = 0xC0 | (mutated[index] & 0x3F)
                    case 2: mutated.remove(at: index)
                    default: mutated.insert(UInt8.random(in: 0...255, using: &random), at: index)
                    }
                    if mutated.isEmpty { break }
                }
                if let message = DNSMessage.parse(mutated) {
                    parsedMutations += 1
                    for record in message.answers { _ = record.name.description }
                }
            }
        }
        for _ in 0..<4000 {
            let noise = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            _ = DNSMessage.parse(noise)
        }
        XCTAssertGreaterThan(parsedMutations, 0, "some mutations (TTL, data bytes) still parse")
    }
}
