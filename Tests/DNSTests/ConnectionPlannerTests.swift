import EventLoop
import XCTest

@testable import DNS

/// Answers from a table, synchronously (as libunbound does on cache hits).
final class TableDNS: DNSQuerying {
    var table: [String: Result<DNSAnswer, DNSError>] = [:]
    var asked: [String] = []

    func set(
        _ name: String, _ type: RecordType, _ security: DNSSECStatus, _ records: [RecordData] = [],
        rcode: ResponseCode = .noError
    ) {
        table["\(name) \(type)"] = .success(
            DNSAnswer(name: name, type: type, responseCode: rcode, security: security, records: records))
    }

    func query(_ name: String, type: RecordType, completion: @escaping (Result<DNSAnswer, DNSError>) -> Void) {
        asked.append("\(name) \(type)")
        completion(
            table["\(name) \(type)"]
                ?? .success(
                    DNSAnswer(name: name, type: type, responseCode: .nameError, security: .secure, records: [])))
    }
}

final class ConnectionPlannerTests: XCTestCase {
    let dns = TableDNS()

    func srv(_ priority: UInt16, _ port: UInt16, _ host: String) -> RecordData {
        .srv(
            SRVRecord(
                priority: priority, weight: 0, port: port,
                target: DomainName(labels: host.split(separator: ".").map { Array($0.utf8) })))
    }

    func address(_ bytes: [UInt8]) -> RecordData { .address(IPAddress(bytes: bytes)!) }

    func plan(_ domain: String) -> ConnectionPlan {
        var result: ConnectionPlan? = nil
        ConnectionPlanner(resolver: dns, scheduler: ManualScheduler(), random: SeededGenerator(seed: 1)).plan(domain) {
            result = $0
        }
        return result!
    }

    func testOneFailedServiceDoesNotHideTheOther() {
        dns.table["_xmpps-server._tcp.a.example SRV"] = .failure(.resolver("timeout"))
        dns.set("_xmpp-server._tcp.a.example", .srv, .secure, [srv(1, 5269, "x.a.example")])
        dns.set("x.a.example", .a, .secure, [address([192, 0, 2, 1])])
        dns.set("x.a.example", .aaaa, .secure)
        let plan = plan("a.example.")
        XCTAssertEqual(plan.verdict, .connect)
        XCTAssertEqual(plan.targets.map(\.host), ["x.a.example"])
        XCTAssertEqual(plan.targets.first?.tlsaStatus, .secure, "NXDOMAIN TLSA under DNSSEC: no DANE, PKIX")
        XCTAssertEqual(plan.targets.first?.daneApplies, false)
    }

    func testDotAmongRealRecordsIsIgnored() {
        dns.set("_xmpps-server._tcp.b.example", .srv, .secure, [srv(0, 0, ".")])
        dns.set("_xmpp-server._tcp.b.example", .srv, .insecure, [srv(1, 5269, "x.b.example")])
        dns.set("x.b.example", .a, .insecure, [address([192, 0, 2, 2])])
        dns.set("x.b.example", .aaaa, .insecure)
        let plan = plan("b.example")
        XCTAssertEqual(plan.verdict, .connect)
        XCTAssertEqual(plan.targets.map(\.directTLS), [false])
        XCTAssertFalse(dns.asked.contains { $0.hasSuffix("TLSA") }, "insecure SRV: no TLSA lookup")
    }

    func testBogusAddressOrFailedTLSAMakeTargetsUnusable() {
        dns.set(
            "_xmpp-server._tcp.c.example", .srv, .secure, [srv(1, 5269, "bad.c.example"), srv(2, 5269, "tf.c.example")])
        dns.set("_xmpps-server._tcp.c.example", .srv, .secure, rcode: .nameError)
        dns.set("bad.c.example", .a, .bogus(reason: "signature expired"), [address([192, 0, 2, 3])])
        dns.set("bad.c.example", .aaaa, .secure)
        dns.set("tf.c.example", .a, .secure, [address([192, 0, 2, 4])])
        dns.set("tf.c.example", .aaaa, .secure)
        dns.set("_5269._tcp.tf.c.example", .tlsa, .secure, rcode: .serverFailure)
        let plan = plan("c.example")
        XCTAssertEqual(plan.targets.count, 2)
        XCTAssertTrue(plan.targets[0].unusableReason?.contains("signature expired") ?? false)
        XCTAssertTrue(plan.targets[0].addresses.isEmpty, "bogus addresses are not kept")
        XCTAssertTrue(plan.targets[1].unusableReason?.contains("DANE status unknown") ?? false)
        guard case .retryLater = plan.verdict else { return XCTFail("\(plan.verdict)") }
    }

    func testInsecureAddressesMeanNoDANEEvenUnderSecureSRV() {
        dns.set("_xmpp-server._tcp.d.example", .srv, .secure, [srv(1, 5269, "x.other.example")])
        dns.set("x.other.example", .a, .insecure, [address([192, 0, 2, 5])])
        dns.set("x.other.example", .aaaa, .insecure)
        let plan = plan("d.example")
        XCTAssertEqual(plan.verdict, .connect)
        XCTAssertNil(plan.targets.first?.tlsaStatus)
        XCTAssertEqual(plan.targets.first?.daneApplies, false)
    }

    func testFallbackWithoutAddressesIsNotFound() {
        dns.set("_xmpp-server._tcp.e.example", .srv, .insecure)
        dns.set("_xmpps-server._tcp.e.example", .srv, .insecure)
        dns.set("e.example", .a, .insecure)
        dns.set("e.example", .aaaa, .insecure)
        guard case .notFound(let reason) = plan("e.example").verdict else { return XCTFail() }
        XCTAssertTrue(reason.contains("no addresses"), reason)
    }
}

extension ConnectionPlannerTests {
    func testHugeSRVSetsAreCapped() {
        let records = (0..<500).map { srv(UInt16($0), 5269, "h\($0).f.example") }
        dns.set("_xmpp-server._tcp.f.example", .srv, .insecure, records)
        let plan = plan("f.example")
        XCTAssertEqual(plan.targets.count, ConnectionPlanner.maximumTargets)
        XCTAssertEqual(plan.targets.first?.host, "h0.f.example")
        XCTAssertLessThanOrEqual(dns.asked.count, 2 + 2 * ConnectionPlanner.maximumTargets)
    }
}
