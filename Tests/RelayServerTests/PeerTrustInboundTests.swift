import DNS
import EventLoop
import Foundation
import X509
import XCTest
import XMPPStream

@testable import RelayServer

/// An inbound peer's DANE status comes from its own connection plan. A failed lookup there must
/// not let PKIX decide: the TLSA records that did not come could have said "DANE".
final class PeerTrustInboundTests: XCTestCase {
    /// Answers from a table at once; names not in it are NXDOMAIN under DNSSEC.
    private final class StubDNS: DNSQuerying {
        var answers: [String: DNSAnswer] = [:]

        func set(_ name: String, _ type: RecordType, rcode: ResponseCode = .noError, _ records: [RecordData] = []) {
            answers["\(name) \(type)"] = DNSAnswer(
                name: name, type: type, responseCode: rcode, security: .secure, records: records)
        }

        func query(_ name: String, type: RecordType, completion: @escaping (Result<DNSAnswer, DNSError>) -> Void) {
            completion(
                .success(
                    answers["\(name) \(type)"]
                        ?? DNSAnswer(name: name, type: type, responseCode: .nameError, security: .secure, records: [])))
        }
    }

    private let now: Int64 = 1_798_761_600
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrustTests/Fixtures").path
    private let dns = StubDNS()

    /// xmpp.example (the PKIX-valid fixture certificate's name) with a secure SRV and address.
    override func setUp() {
        let target = DNS.DomainName(labels: ["x", "xmpp", "example"].map { Array($0.utf8) })
        dns.set(
            "_xmpp-server._tcp.xmpp.example", .srv,
            [.srv(SRVRecord(priority: 1, weight: 0, port: 5269, target: target))])
        dns.set("x.xmpp.example", .a, [.address(IPAddress(bytes: [192, 0, 2, 1])!)])
    }

    private func decide() throws -> PeerTrust.Verdict {
        let pem = try String(contentsOfFile: fixtures + "/leaf-xmpp.pem", encoding: .utf8)
        let chain = try PEMBlock.certificates(pem).map(\.der)
        let trust = PeerTrust(
            caFile: fixtures + "/ca.pem",
            planner: ConnectionPlanner(resolver: dns, scheduler: ManualScheduler()), pinsFor: { _ in [] })
        var verdict: PeerTrust.Verdict?
        trust.decideInbound(chain: chain, domain: try XMPPStream.DomainName("xmpp.example"), now: { self.now }) {
            verdict = $0
        }
        return try XCTUnwrap(verdict)
    }

    func testNoTLSAPublishedLeavesItToPKIX() throws {
        let verdict = try decide()
        XCTAssertTrue(verdict.authentication.verified, verdict.authentication.reason)
        XCTAssertEqual(verdict.authentication.method, .pkix)
    }

    func testFailedTLSALookupIsNoReasonForPKIX() throws {
        dns.set("_5269._tcp.x.xmpp.example", .tlsa, rcode: .serverFailure)
        let verdict = try decide()
        XCTAssertFalse(verdict.authentication.verified)
        XCTAssertEqual(
            verdict.authentication.reason,
            "cannot tell whether DANE applies to xmpp.example: TLSA lookup for _5269._tcp.x.xmpp.example failed"
                + " (SERVFAIL); DANE status unknown; try again later")
    }

    /// The other SRV answered, but the failed one could hide targets with TLSA records.
    func testFailedSRVLookupIsNoReasonForPKIX() throws {
        dns.set("_xmpps-server._tcp.xmpp.example", .srv, rcode: .serverFailure)
        let verdict = try decide()
        XCTAssertFalse(verdict.authentication.verified)
        XCTAssertEqual(
            verdict.authentication.reason,
            "cannot tell whether DANE applies to xmpp.example: SRV lookup for _xmpps-server._tcp.xmpp.example"
                + " failed (SERVFAIL); try again later")
    }
}
