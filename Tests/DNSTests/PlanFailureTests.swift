import EventLoop
import XCTest

@testable import DNS

/// Answers only when the test says so; queries it was never told about stay unanswered (a dead
/// server), so the plan's deadline decides.
final class HeldDNS: DNSQuerying {
    var answers: [String: Result<DNSAnswer, DNSError>] = [:]
    private(set) var waiting: [String: (Result<DNSAnswer, DNSError>) -> Void] = [:]
    private(set) var asked: [String] = []

    func query(_ name: String, type: RecordType, completion: @escaping (Result<DNSAnswer, DNSError>) -> Void) {
        let key = "\(name) \(type)"
        asked.append(key)
        if let answer = answers[key] { return completion(answer) }
        waiting[key] = completion
    }

    /// Delivers an answer to a query still waiting (a late answer, after the deadline).
    func answerLate(_ key: String, _ result: Result<DNSAnswer, DNSError>) {
        waiting.removeValue(forKey: key)?(result)
    }
}

/// Lookups without a real answer (SERVFAIL, timeout, refused, libunbound errors) are `failed`:
/// never "insecure", never "not found"; and a plan ends by its deadline, whatever DNS does.
final class PlanFailureTests: XCTestCase {
    let scheduler = ManualScheduler()
    let dns = HeldDNS()
    let servfail = DNSError.noAnswer("SERVFAIL: no usable answer for it from the name servers")

    func answer(_ name: String, _ type: RecordType, _ security: DNSSECStatus, _ records: [RecordData] = [])
        -> Result<DNSAnswer, DNSError>
    {
        .success(DNSAnswer(name: name, type: type, responseCode: .noError, security: security, records: records))
    }

    func srv(_ port: UInt16, _ host: String) -> RecordData {
        .srv(
            SRVRecord(
                priority: 1, weight: 0, port: port,
                target: DomainName(labels: host.split(separator: ".").map { Array($0.utf8) })))
    }

    func address(_ last: UInt8) -> RecordData { .address(IPAddress(bytes: [192, 0, 2, last])!) }

    func tlsa() -> RecordData {
        .tlsa(TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 0xAB, count: 32)))
    }

    /// Secure SRV (one target per host given) and secure A records; no AAAA.
    func secureService(_ domain: String, hosts: [String]) {
        dns.answers["_xmpps-server._tcp.\(domain) SRV"] = .success(
            DNSAnswer(
                name: "_xmpps-server._tcp.\(domain)", type: .srv, responseCode: .nameError, security: .secure,
                records: []))
        dns.answers["_xmpp-server._tcp.\(domain) SRV"] = answer(
            "_xmpp-server._tcp.\(domain)", .srv, .secure, hosts.map { srv(5269, $0) })
        for (index, host) in hosts.enumerated() {
            dns.answers["\(host) A"] = answer(host, .a, .secure, [address(UInt8(index + 1))])
            dns.answers["\(host) AAAA"] = answer(host, .aaaa, .secure)
        }
    }

    /// Starts a plan; returns every completion it made (there must be one, exactly once) and the
    /// lookups reported as they completed.
    func start(_ domain: String, timeout: Duration = .seconds(10)) -> (
        plans: Box<[ConnectionPlan]>, seen: Box<[String]>
    ) {
        let plans = Box<[ConnectionPlan]>([])
        let seen = Box<[String]>([])
        ConnectionPlanner(resolver: dns, scheduler: scheduler, timeout: timeout, random: SeededGenerator(seed: 1))
            .plan(domain, onLookup: { seen.value.append("\($0.type) \($0.name): \($0.status)") }) {
                plans.value.append($0)
            }
        return (plans, seen)
    }

    final class Box<T> {
        var value: T
        init(_ value: T) { self.value = value }
    }

    // MARK: Failed lookups

    func testFailedSRVLookupIsRetryLaterAndNoFallback() throws {
        dns.answers["_xmpps-server._tcp.a.example SRV"] = .failure(servfail)
        dns.answers["_xmpp-server._tcp.a.example SRV"] = .failure(servfail)
        let (plans, _) = start("a.example")
        let plan = try XCTUnwrap(plans.value.first)
        XCTAssertEqual(
            plan.verdict,
            .retryLater(
                reason: "SRV lookup for _xmpps-server._tcp.a.example failed: "
                    + "SERVFAIL: no usable answer for it from the name servers"))
        XCTAssertEqual(dns.asked.count, 2, "no A/AAAA fallback when SRV is unknown: \(dns.asked)")
        XCTAssertEqual(plan.lookups.map(\.status.isFailed), [true, true])
        XCTAssertEqual(scheduler.pendingCount, 0, "the deadline timer is gone with the plan")
    }

    /// A SERVFAIL that arrives as a packet (a forwarder's answer) is just as failed.
    func testServfailAnswerForOneSRVIsRetryLater() throws {
        dns.answers["_xmpps-server._tcp.b.example SRV"] = .success(
            DNSAnswer(
                name: "_xmpps-server._tcp.b.example", type: .srv, responseCode: .nameError, security: .insecure,
                records: []))
        dns.answers["_xmpp-server._tcp.b.example SRV"] = .success(
            DNSAnswer(
                name: "_xmpp-server._tcp.b.example", type: .srv, responseCode: ResponseCode(rawValue: 5),
                security: .insecure, records: []))
        let plan = try XCTUnwrap(start("b.example").plans.value.first)
        XCTAssertEqual(plan.verdict, .retryLater(reason: "SRV lookup for _xmpp-server._tcp.b.example failed: REFUSED"))
    }

    func testFailedAddressLookupsAreRetryLaterNotNotFound() throws {
        secureService("c.example", hosts: ["x.c.example"])
        dns.answers["x.c.example A"] = .failure(servfail)
        dns.answers["x.c.example AAAA"] = .failure(servfail)
        let plan = try XCTUnwrap(start("c.example").plans.value.first)
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("\(plan.verdict)") }
        XCTAssertTrue(reason.hasPrefix("address lookup for x.c.example failed: SERVFAIL"), reason)
        XCTAssertFalse(plan.targets.first?.isUsable ?? true)
        XCTAssertFalse(dns.asked.contains { $0.hasSuffix("TLSA") })
    }

    func testFailedAddressLookupsOfTheFallbackAreRetryLater() throws {
        for service in ["_xmpps-server", "_xmpp-server"] {
            dns.answers["\(service)._tcp.d.example SRV"] = .success(
                DNSAnswer(
                    name: "\(service)._tcp.d.example", type: .srv, responseCode: .nameError, security: .secure,
                    records: []))
        }
        dns.answers["d.example A"] = .failure(servfail)
        dns.answers["d.example AAAA"] = .failure(servfail)
        let plan = try XCTUnwrap(start("d.example").plans.value.first)
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("\(plan.verdict)") }
        XCTAssertTrue(reason.hasPrefix("address lookup for d.example failed"), reason)
    }

    /// AAAA failed and A has no records: the host may well have IPv6 addresses; not "none".
    func testOneFamilyFailedAndTheOtherEmptyIsRetryLater() throws {
        for service in ["_xmpps-server", "_xmpp-server"] {
            dns.answers["\(service)._tcp.i.example SRV"] = .success(
                DNSAnswer(
                    name: "\(service)._tcp.i.example", type: .srv, responseCode: .nameError, security: .insecure,
                    records: []))
        }
        dns.answers["i.example A"] = answer("i.example", .a, .insecure)
        dns.answers["i.example AAAA"] = .failure(servfail)
        let plan = try XCTUnwrap(start("i.example").plans.value.first)
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("\(plan.verdict)") }
        XCTAssertTrue(reason.hasPrefix("address lookup for i.example failed: SERVFAIL"), reason)
    }

    /// RFC 7672 §2.2 / RFC 7673 §3: secure SRV and addresses, TLSA lookup failed: the target is
    /// unusable ("indeterminate"), not PKIX.
    func testFailedTLSAUnderSecureDNSMakesTheTargetUnusable() throws {
        secureService("e.example", hosts: ["x.e.example"])
        dns.answers["_5269._tcp.x.e.example TLSA"] = .failure(servfail)
        let plan = try XCTUnwrap(start("e.example").plans.value.first)
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("\(plan.verdict)") }
        XCTAssertEqual(
            reason,
            "TLSA lookup for _5269._tcp.x.e.example failed (SERVFAIL: no usable answer for it from the name servers); "
                + "DANE status unknown")
        let target = try XCTUnwrap(plan.targets.first)
        XCTAssertFalse(target.isUsable)
        XCTAssertFalse(target.daneApplies)
        XCTAssertEqual(target.tlsaStatus?.isFailed, true)
    }

    // MARK: The deadline

    func testDeadlineFailsWhatIsOutstandingNamesItAndIgnoresLateAnswers() throws {
        dns.answers["_xmpps-server._tcp.f.example SRV"] = .failure(servfail)
        // _xmpp-server never answers (a dead forwarder).
        let (plans, seen) = start("f.example", timeout: .seconds(2))
        XCTAssertTrue(plans.value.isEmpty)
        scheduler.advance(by: .milliseconds(1999))
        XCTAssertTrue(plans.value.isEmpty, "not before the deadline")
        scheduler.advance(by: .milliseconds(1))
        XCTAssertEqual(plans.value.count, 1)
        let plan = try XCTUnwrap(plans.value.first)
        XCTAssertEqual(
            plan.verdict,
            .retryLater(reason: "no DNS answer within 2 s ([dns] timeout) for SRV _xmpp-server._tcp.f.example"))
        XCTAssertEqual(
            seen.value,
            [
                "SRV _xmpps-server._tcp.f.example: failed (SERVFAIL: no usable answer for it from the name servers)",
                "SRV _xmpp-server._tcp.f.example: failed (no answer within 2 s ([dns] timeout))",
            ])
        XCTAssertEqual(plan.lookups.count, 2)
        dns.answerLate(
            "_xmpp-server._tcp.f.example SRV",
            answer("_xmpp-server._tcp.f.example", .srv, .secure, [srv(5269, "x.f.example")]))
        XCTAssertEqual(plans.value.count, 1, "a late answer is ignored")
        XCTAssertEqual(dns.asked.count, 2, "and starts nothing")
        XCTAssertEqual(seen.value.count, 2)
        XCTAssertEqual(scheduler.pendingCount, 0)
    }

    /// One target's TLSA never answers; another's did: the deadline makes the silent one unusable
    /// and the plan still connects to the other (DANE intact).
    func testDeadlineDuringTLSAKeepsTheTargetsThatAnswered() throws {
        secureService("g.example", hosts: ["one.g.example", "two.g.example"])
        dns.answers["_5269._tcp.two.g.example TLSA"] = answer("_5269._tcp.two.g.example", .tlsa, .secure, [tlsa()])
        let (plans, seen) = start("g.example")
        XCTAssertTrue(plans.value.isEmpty)
        scheduler.advance(by: .seconds(10))
        let plan = try XCTUnwrap(plans.value.first)
        XCTAssertEqual(plan.verdict, .connect)
        XCTAssertEqual(plan.usableTargets.map(\.host), ["two.g.example"])
        XCTAssertTrue(plan.usableTargets.first?.daneApplies ?? false)
        XCTAssertEqual(
            plan.targets.first?.unusableReason,
            "TLSA lookup for _5269._tcp.one.g.example failed (no answer within 10 s ([dns] timeout)); "
                + "DANE status unknown")
        XCTAssertEqual(seen.value.last, "TLSA _5269._tcp.one.g.example: failed (no answer within 10 s ([dns] timeout))")
    }

    func testPlanDoneInTimeLeavesNoTimer() throws {
        secureService("h.example", hosts: ["x.h.example"])
        dns.answers["_5269._tcp.x.h.example TLSA"] = answer("_5269._tcp.x.h.example", .tlsa, .secure, [tlsa()])
        let (plans, seen) = start("h.example")
        XCTAssertEqual(plans.value.first?.verdict, .connect)
        XCTAssertEqual(seen.value.count, 5)
        XCTAssertEqual(scheduler.pendingCount, 0)
        scheduler.advance(by: .seconds(60))
        XCTAssertEqual(plans.value.count, 1)
    }

    // MARK: `[[peer]] server` names

    func testServerNames() throws {
        let planner = ConnectionPlanner(resolver: dns, scheduler: scheduler, timeout: .seconds(5))
        var plans: [ConnectionPlan] = []
        dns.answers["ok.example A"] = answer("ok.example", .a, .secure, [address(9)])
        dns.answers["ok.example AAAA"] = answer("ok.example", .aaaa, .secure)
        planner.planServer("ok.example", port: 5299) { plans.append($0) }
        XCTAssertEqual(plans.last?.verdict, .connect)
        XCTAssertEqual(plans.last?.usableTargets.first?.port, 5299)
        XCTAssertEqual(plans.last?.usableTargets.first?.addresses.map(\.description), ["192.0.2.9"])
        XCTAssertFalse(dns.asked.contains { $0.hasSuffix("TLSA") || $0.hasSuffix("SRV") }, "\(dns.asked)")

        for type in [RecordType.a, .aaaa] {
            dns.answers["gone.example \(type)"] = .success(
                DNSAnswer(name: "gone.example", type: type, responseCode: .nameError, security: .insecure, records: []))
        }
        planner.planServer("gone.example", port: 5299) { plans.append($0) }
        guard case .notFound = plans.last?.verdict else { return XCTFail("\(String(describing: plans.last))") }

        dns.answers["sick.example A"] = .failure(servfail)
        dns.answers["sick.example AAAA"] = .failure(servfail)
        planner.planServer("sick.example", port: 5299) { plans.append($0) }
        guard case .retryLater = plans.last?.verdict else { return XCTFail("\(String(describing: plans.last))") }

        planner.planServer("silent.example", port: 5299) { plans.append($0) }
        XCTAssertEqual(plans.count, 3)
        scheduler.advance(by: .seconds(5))
        XCTAssertEqual(
            plans.last?.verdict,
            .retryLater(reason: "no DNS answer within 5 s ([dns] timeout) for AAAA silent.example, A silent.example"))
    }

    func testDurationsReadWell() {
        XCTAssertEqual(ConnectionPlanner.describe(.seconds(10)), "10 s")
        XCTAssertEqual(ConnectionPlanner.describe(.milliseconds(2500)), "2.5 s")
        XCTAssertEqual(ConnectionPlanner.describe(.milliseconds(1050)), "1.05 s")
    }
}
