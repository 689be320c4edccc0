import XCTest

@testable import DNS

/// Connection plans built from the local signed zone.
final class ConnectionPlanZoneTests: ZoneTestCase {
    func testSecureSRVAndTLSA() {
        let plan = plan("secure.xr.test")
        XCTAssertEqual(plan.verdict, .connect)
        XCTAssertEqual(
            plan.targets.map { "\($0.host):\($0.port)" },
            [
                "xmpp1.secure.xr.test:5270", "xmpp1.secure.xr.test:5269", "xmpp2.secure.xr.test:5269",
            ])
        guard plan.targets.count == 3 else { return }
        let direct = plan.targets[0]
        XCTAssertTrue(direct.directTLS)
        XCTAssertTrue(direct.fromSRV)
        XCTAssertEqual(direct.serviceStatus, .secure)
        XCTAssertEqual(direct.addressStatus, .secure)
        XCTAssertEqual(direct.addresses.map(\.isIPv6), [true, false, true, false], "v6/v4 alternate")
        XCTAssertEqual(direct.tlsaName, "_5270._tcp.xmpp1.secure.xr.test")
        XCTAssertEqual(direct.tlsaStatus, .secure)
        XCTAssertEqual(direct.tlsa.count, 2)
        XCTAssertTrue(direct.daneApplies)
        XCTAssertTrue(plan.targets[1].daneApplies)
        XCTAssertFalse(plan.targets[1].directTLS)
        // Secure, but no TLSA published: PKIX for this one.
        let noTLSA = plan.targets[2]
        XCTAssertEqual(noTLSA.tlsaStatus, .secure)
        XCTAssertTrue(noTLSA.tlsa.isEmpty)
        XCTAssertFalse(noTLSA.daneApplies)
        XCTAssertTrue(noTLSA.isUsable)
    }

    func testInsecureChildZoneGetsNoDANE() {
        let plan = plan("insecure.xr.test")
        XCTAssertEqual(plan.verdict, .connect)
        guard plan.targets.count == 1 else { return XCTFail("\(plan)") }
        let target = plan.targets[0]
        XCTAssertEqual(target.serviceStatus, .insecure)
        XCTAssertEqual(target.addresses.map(\.description), ["192.0.2.70"])
        XCTAssertNil(target.tlsaStatus, "TLSA is not even looked up under an insecure SRV")
        XCTAssertFalse(target.daneApplies)
        XCTAssertFalse(plan.lookups.contains { $0.type == .tlsa })
    }

    func testBogusSRVMeansRetryLaterNeverInsecure() {
        let plan = plan("bogus.xr.test")
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("got \(plan.verdict)") }
        XCTAssertTrue(reason.contains("bogus"), reason)
        XCTAssertTrue(plan.targets.isEmpty)
        XCTAssertFalse(
            plan.lookups.contains {
                $0.records.contains(
                    .srv(
                        SRVRecord(
                            priority: 10, weight: 0, port: 5999, target: DomainName(labels: []))))
            })
    }

    func testBogusTLSAMakesOnlyThatTargetUnusable() {
        let plan = plan("bogustlsa.xr.test")
        XCTAssertEqual(plan.verdict, .connect)
        XCTAssertEqual(plan.targets.map(\.host), ["bad.bogustlsa.xr.test", "good.bogustlsa.xr.test"])
        guard plan.targets.count == 2 else { return }
        let bad = plan.targets[0]
        XCTAssertFalse(bad.isUsable)
        XCTAssertFalse(bad.daneApplies)
        XCTAssertTrue(bad.unusableReason?.contains("bogus DNSSEC for TLSA") ?? false, "\(bad)")
        XCTAssertTrue(plan.targets[1].isUsable)
        XCTAssertTrue(plan.targets[1].daneApplies)
        XCTAssertEqual(plan.usableTargets.map(\.host), ["good.bogustlsa.xr.test"])
    }

    func testNXDOMAIN() {
        let plan = plan("nxdomain.xr.test")
        guard case .notFound(let reason) = plan.verdict else { return XCTFail("got \(plan.verdict)") }
        XCTAssertTrue(reason.contains("NXDOMAIN"), reason)
        XCTAssertTrue(plan.targets.isEmpty)
    }

    func testSERVFAILMeansRetryLater() {
        let plan = plan("servfail.test")
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("got \(plan.verdict)") }
        XCTAssertTrue(reason.contains("SERVFAIL"), reason)
    }

    /// A signed child zone (DS in the parent) whose only server is dead holds the TLSA records of a
    /// target whose SRV and addresses are secure. The lookup fails (libunbound gives up after about
    /// 17 s; the plan's 3 s deadline comes first); RFC 7672 §2.2 / RFC 7673 §3: that target is
    /// unusable ("indeterminate"), never PKIX, and the plan says retry later, naming the lookup.
    func testFailedTLSAUnderASignedDelegationMakesTheTargetUnusable() {
        let started = ContinuousClock.now
        let planner = ConnectionPlanner(
            resolver: resolver, scheduler: loop, timeout: .seconds(3), random: SeededGenerator(seed: 1))
        let plan = plan("deadtlsa.xr.test", planner: planner)
        let elapsed = ContinuousClock.now - started
        XCTAssertLessThan(elapsed, .seconds(5), "the deadline bounds the plan")
        guard case .retryLater(let reason) = plan.verdict else { return XCTFail("got \(plan.verdict)") }
        XCTAssertEqual(
            reason, "no DNS answer within 3 s ([dns] timeout) for TLSA _5269._tcp.xmpp.deadtlsa.xr.test")
        let tlsa = plan.lookups.first { $0.type == .tlsa }
        XCTAssertEqual(tlsa?.name, "_5269._tcp.xmpp.deadtlsa.xr.test")
        XCTAssertEqual(tlsa?.status.isFailed, true, "\(String(describing: tlsa))")
        XCTAssertEqual(tlsa?.records, [])
        guard plan.targets.count == 1 else { return XCTFail("\(plan)") }
        let target = plan.targets[0]
        XCTAssertEqual(target.serviceStatus, .secure)
        XCTAssertEqual(target.addressStatus, .secure)
        XCTAssertEqual(target.tlsaStatus?.isFailed, true)
        XCTAssertFalse(target.isUsable)
        XCTAssertFalse(target.daneApplies)
        XCTAssertEqual(
            target.unusableReason,
            "TLSA lookup for _5269._tcp.xmpp.deadtlsa.xr.test failed (no answer within 3 s ([dns] timeout)); "
                + "DANE status unknown")
        XCTAssertTrue(plan.usableTargets.isEmpty)
    }

    /// The resolver itself, without a deadline: libunbound gives up on the dead server with
    /// SERVFAIL and hands back its stale scratch buffer; that is a failure, never an "insecure
    /// NOERROR" answer without records (what the relay made of it before).
    func testResolverReportsNoReplyAsFailure() {
        switch lookup("_5269._tcp.xmpp.deadtlsa.xr.test", .tlsa) {
        case .success(let answer): XCTFail("got an answer: \(answer)")
        case .failure(let error):
            XCTAssertEqual(
                error.message,
                "SERVFAIL: no usable answer for _5269._tcp.xmpp.deadtlsa.xr.test TLSA from the name servers")
        }
    }

    func testDotTargetMeansNoService() {
        let plan = plan("nosvc.xr.test")
        guard case .notFound(let reason) = plan.verdict else { return XCTFail("got \(plan.verdict)") }
        XCTAssertTrue(reason.contains("no XMPP server service"), reason)
        XCTAssertTrue(plan.targets.isEmpty, "no fallback to the domain's A record")
    }

    func testNoSRVFallsBackToTheDomainOn5269() {
        let plan = plan("fallback.xr.test")
        XCTAssertEqual(plan.verdict, .connect)
        guard plan.targets.count == 1 else { return XCTFail("\(plan)") }
        let target = plan.targets[0]
        XCTAssertEqual(target.host, "fallback.xr.test")
        XCTAssertEqual(target.port, 5269)
        XCTAssertFalse(target.fromSRV)
        XCTAssertFalse(target.directTLS)
        XCTAssertEqual(target.serviceStatus, .secure, "the absence of SRV is proven")
        XCTAssertEqual(target.addresses.map(\.description), ["2001:db8::20", "192.0.2.20"])
        XCTAssertEqual(target.tlsaName, "_5269._tcp.fallback.xr.test")
        XCTAssertTrue(target.daneApplies)
    }

    func testWeightsAreHonouredOverManyDraws() {
        let planner = ConnectionPlanner(resolver: resolver, scheduler: loop, random: SeededGenerator(seed: 42))
        var firsts: [String: Int] = [:]
        let draws = 2000
        for _ in 0..<draws {
            let plan = plan("weighted.xr.test", planner: planner)
            guard plan.targets.count == 4 else { return XCTFail("\(plan)") }
            XCTAssertEqual(plan.targets.last?.host, "d.weighted.xr.test", "priority 20 always last")
            firsts[plan.targets[0].host, default: 0] += 1
        }
        // RFC 2782 draws 0...100 inclusive: a wins on 0...60 (61/101), b on 30/101, c on 10/101.
        XCTAssertEqual(Double(firsts["a.weighted.xr.test", default: 0]) / Double(draws), 0.604, accuracy: 0.04)
        XCTAssertEqual(Double(firsts["b.weighted.xr.test", default: 0]) / Double(draws), 0.297, accuracy: 0.04)
        XCTAssertEqual(Double(firsts["c.weighted.xr.test", default: 0]) / Double(draws), 0.099, accuracy: 0.03)
        XCTAssertNil(firsts["d.weighted.xr.test"])
    }
}
