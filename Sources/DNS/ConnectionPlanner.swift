import EventLoop

/// Builds a `ConnectionPlan` for a remote domain by issuing the SRV, A/AAAA and TLSA queries on the
/// loop. The random source for SRV weights is injected so tests can seed it; so is the scheduler
/// that bounds each plan by `timeout` (libunbound alone may take minutes to give up on a dead
/// server: about 100 s for a dead forwarder).
public final class ConnectionPlanner {
    private let resolver: any DNSQuerying
    private let scheduler: any Scheduler
    private var random: any RandomNumberGenerator
    /// The deadline for one plan, all its lookups together (`[dns] timeout`); a new value applies
    /// to plans started afterwards.
    public var timeout: Duration
    /// What the operator changes to move the deadline, named in timeout reasons.
    public var timeoutSetting = "[dns] timeout"

    public init(
        resolver: any DNSQuerying, scheduler: any Scheduler, timeout: Duration = ConnectionPlanner.defaultTimeout,
        random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    ) {
        self.resolver = resolver
        self.scheduler = scheduler
        self.timeout = timeout
        self.random = random
    }

    /// Long enough for a cold validating recursion from the root on a slow home link (a few
    /// seconds), short enough that a sender hears "try later" while it still cares.
    public static var defaultTimeout: Duration { .seconds(10) }

    /// The port of the fallback target when a domain publishes no SRV records (RFC 6120 §3.2.2).
    public static var defaultPort: UInt16 { 5269 }

    /// Targets kept from a domain's SRV records, in order: a hostile zone with thousands of
    /// records must not turn one plan into thousands of queries.
    public static var maximumTargets: Int { 16 }

    /// Resolves `domain` and calls `completion` once with the plan (possibly before returning,
    /// when every answer is cached), at the latest `timeout` from now. `onLookup` sees each
    /// lookup as it completes (or as it is given up at the deadline), for `probe`'s live output.
    public func plan(
        _ domain: String, onLookup: ((PlanLookup) -> Void)? = nil, completion: @escaping (ConnectionPlan) -> Void
    ) {
        let name = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
        PlanJob(domain: name, planner: self, onLookup: onLookup, completion: completion).start()
    }

    /// Resolves a configured server name (`[[peer]] server`): its addresses only, no SRV, no TLSA
    /// (pins authenticate such peers), with the same verdicts and deadline as `plan`.
    public func planServer(_ host: String, port: UInt16, completion: @escaping (ConnectionPlan) -> Void) {
        let name = host.hasSuffix(".") ? String(host.dropLast()) : host
        PlanJob(domain: name, planner: self, onLookup: nil, completion: completion).startServer(port: port)
    }

    fileprivate func order(_ records: [ServiceRecord]) -> [ServiceRecord] {
        SRVOrdering.order(records, using: &random)
    }

    fileprivate var dns: any DNSQuerying { resolver }

    fileprivate func startDeadline(_ expire: @escaping () -> Void) -> Cancellable {
        scheduler.schedule(after: timeout, expire)
    }
}

/// Issues a batch of queries and hands back all results, in query order, once the last arrives.
private final class QueryBatch {
    typealias Query = (name: String, type: RecordType)
    let queries: [Query]
    private(set) var results: [Result<DNSAnswer, DNSError>?]
    private var remaining: Int
    private let each: (Int, Result<DNSAnswer, DNSError>) -> Void
    private let done: ([Result<DNSAnswer, DNSError>]) -> Void

    init(
        _ queries: [Query], each: @escaping (Int, Result<DNSAnswer, DNSError>) -> Void,
        done: @escaping ([Result<DNSAnswer, DNSError>]) -> Void
    ) {
        self.queries = queries
        results = Array(repeating: nil, count: queries.count)
        remaining = queries.count
        self.each = each
        self.done = done
    }

    func start(on dns: any DNSQuerying) {
        guard !queries.isEmpty else { return done([]) }
        for (index, query) in queries.enumerated() {
            // Strong: an outstanding query keeps its batch, and through `done` the plan, alive.
            dns.query(query.name, type: query.type) { result in self.receive(result, at: index) }
        }
    }

    /// The queries without an answer yet.
    var outstanding: [Query] { results.indices.filter { results[$0] == nil }.map { queries[$0] } }

    /// The deadline passed: every query still out gets `failure` and the batch completes now;
    /// answers arriving later are dropped (`receive` ignores filled slots).
    func expire(with failure: DNSError) {
        for index in results.indices where results[index] == nil { receive(.failure(failure), at: index) }
    }

    private func receive(_ result: Result<DNSAnswer, DNSError>, at index: Int) {
        guard remaining > 0, results[index] == nil else { return }
        results[index] = result
        remaining -= 1
        each(index, result)
        if remaining == 0 { done(results.map { $0! }) }
    }
}

/// One planning run: SRV → addresses → TLSA → plan.
private final class PlanJob {
    private let domain: String
    private let planner: ConnectionPlanner
    private let onLookup: ((PlanLookup) -> Void)?
    private let completion: (ConnectionPlan) -> Void
    private var lookups: [PlanLookup] = []
    /// The batch in flight (it holds the job through `done`: the cycle ends when it completes).
    private var batch: QueryBatch?
    private var deadline: Cancellable?
    private var finished = false
    /// The lookups the deadline cut short ("TLSA _5269._tcp.host"); non-empty once it passed.
    private var unanswered: [String] = []
    private var expired = false
    /// `[[peer]] server` names: addresses only, no TLSA.
    private var serverOnly = false

    init(
        domain: String, planner: ConnectionPlanner, onLookup: ((PlanLookup) -> Void)?,
        completion: @escaping (ConnectionPlan) -> Void
    ) {
        self.domain = domain
        self.planner = planner
        self.onLookup = onLookup
        self.completion = completion
    }

    private struct Candidate {
        let host: String
        let port: UInt16
        let directTLS: Bool
        let fromSRV: Bool
        let priority: UInt16
        let weight: UInt16
        let serviceStatus: LookupStatus
    }

    private struct HostAddresses {
        let addresses: [IPAddress]
        let status: LookupStatus
        let nameDoesNotExist: Bool
    }

    func start() {
        armDeadline()
        let queries: [QueryBatch.Query] = [
            ("_xmpps-server._tcp.\(domain)", .srv), ("_xmpp-server._tcp.\(domain)", .srv),
        ]
        run(queries) { results in
            self.servicesResolved(xmpps: results[0], xmpp: results[1])
        }
    }

    func startServer(port: UInt16) {
        armDeadline()
        serverOnly = true
        resolveAddresses([
            Candidate(
                host: domain, port: port, directTLS: false, fromSRV: false, priority: 0, weight: 0,
                serviceStatus: .insecure)
        ])
    }

    private func armDeadline() {
        // Weak: the queries in flight keep the job alive, not the timer.
        deadline = planner.startDeadline { [weak self] in self?.expire() }
    }

    /// Runs one batch; records its lookups in query order and continues with `next`. After the
    /// deadline nothing more is asked: the queries fail at once. Late answers are ignored.
    private func run(_ queries: [QueryBatch.Query], next: @escaping ([Result<DNSAnswer, DNSError>]) -> Void) {
        guard !finished else { return }
        let batch = QueryBatch(
            queries,
            each: { [weak self] index, result in
                self?.onLookup?(PlanLookup(name: queries[index].name, type: queries[index].type, result: result))
            },
            done: { results in
                guard !self.finished else { return }
                self.batch = nil
                self.record(queries, results)
                next(results)
            })
        self.batch = batch
        if expired, !queries.isEmpty {
            let waited = ConnectionPlanner.describe(planner.timeout)
            batch.expire(with: .timedOut("not asked: the deadline (\(planner.timeoutSetting)) of \(waited) had passed"))
        } else {
            batch.start(on: planner.dns)
        }
    }

    private func record(_ queries: [QueryBatch.Query], _ results: [Result<DNSAnswer, DNSError>]) {
        for (query, result) in zip(queries, results) {
            lookups.append(PlanLookup(name: query.name, type: query.type, result: result))
        }
    }

    /// The deadline passed: the lookups still out count as failed (a TLSA lookup that failed makes
    /// its target unusable), and the plan completes with what it has, usually "retry later".
    private func expire() {
        guard !finished else { return }
        expired = true
        deadline = nil
        let waited = ConnectionPlanner.describe(planner.timeout)
        guard let batch else {
            return finish(.retryLater(reason: "DNS did not finish within \(waited)"))
        }
        // Set before expiring: the batch completes, and the plan may finish, inside `expire`.
        unanswered = batch.outstanding.map { "\($0.type) \($0.name)" }
        batch.expire(with: .timedOut("no answer within \(waited) (\(planner.timeoutSetting))"))
    }

    private func finish(_ verdict: ConnectionPlan.Verdict, _ targets: [PlanTarget] = []) {
        guard !finished else { return }
        finished = true
        batch = nil
        deadline?.cancel()
        deadline = nil
        var verdict = verdict
        if expired, case .retryLater = verdict, !unanswered.isEmpty {
            // Name what did not answer: the operator's next step is to ask why (dig, the forwarder).
            let waited = ConnectionPlanner.describe(planner.timeout)
            verdict = .retryLater(
                reason:
                    "no DNS answer within \(waited) (\(planner.timeoutSetting)) for \(unanswered.joined(separator: ", "))"
            )
        }
        completion(ConnectionPlan(domain: domain, verdict: verdict, targets: targets, lookups: lookups))
    }

    private func servicesResolved(xmpps: Result<DNSAnswer, DNSError>, xmpp: Result<DNSAnswer, DNSError>) {
        let services = [(lookups[0], xmpps, true), (lookups[1], xmpp, false)]
        // Bogus SRV: someone may be steering us; nothing from this domain is safe to try now.
        for (lookup, _, _) in services {
            if case .bogus(let reason) = lookup.status {
                return finish(.retryLater(reason: "bogus DNSSEC for \(lookup.name) SRV: \(reason)"))
            }
        }
        var records: [ServiceRecord] = []
        var saidNoService = false
        for (lookup, result, directTLS) in services where !lookup.status.isFailed {
            guard case .success(let answer) = result else { continue }
            let srv = answer.srvRecords
            if srv.count == 1 && srv[0].target.isRoot {
                saidNoService = true  // RFC 2782: a lone "." target means decidedly no service
                continue
            }
            for record in srv where !record.target.isRoot {
                records.append(ServiceRecord(record: record, directTLS: directTLS, status: lookup.status))
            }
        }
        if !records.isEmpty {
            let candidates = planner.order(records).prefix(ConnectionPlanner.maximumTargets).map {
                Candidate(
                    host: $0.record.target.hostName, port: $0.record.port, directTLS: $0.directTLS, fromSRV: true,
                    priority: $0.record.priority, weight: $0.record.weight, serviceStatus: $0.status)
            }
            return resolveAddresses(candidates)
        }
        if saidNoService {
            return finish(.notFound(reason: "\(domain) publishes no XMPP server service (SRV target \".\")"))
        }
        if let failed = services.first(where: { $0.0.status.isFailed }), case .failed(let why) = failed.0.status {
            // Whether the domain has SRV records is unknown: a fallback to its A record could skip
            // the real servers (and their DANE).
            return finish(.retryLater(reason: "SRV lookup for \(failed.0.name) failed: \(why)"))
        }
        // No SRV at all: the domain itself on 5269. DANE needs the absence of SRV proven securely.
        let proofStatus: LookupStatus = services.allSatisfy({ $0.0.status.isSecure }) ? .secure : .insecure
        let fallback = Candidate(
            host: domain, port: ConnectionPlanner.defaultPort, directTLS: false, fromSRV: false, priority: 0,
            weight: 0, serviceStatus: proofStatus)
        resolveAddresses([fallback])
    }

    private func resolveAddresses(_ candidates: [Candidate]) {
        var hosts: [String] = []
        for candidate in candidates where !hosts.contains(candidate.host) { hosts.append(candidate.host) }
        let queries = hosts.flatMap { host -> [QueryBatch.Query] in [(host, .aaaa), (host, .a)] }
        run(queries) { results in
            var byHost: [String: HostAddresses] = [:]
            for (index, host) in hosts.enumerated() {
                byHost[host] = Self.combine(
                    v6: results[2 * index], v6Lookup: self.lookups[self.lookups.count - queries.count + 2 * index],
                    v4: results[2 * index + 1],
                    v4Lookup: self.lookups[self.lookups.count - queries.count + 2 * index + 1])
            }
            self.addressesResolved(candidates, byHost)
        }
    }

    /// One status for a host's A and AAAA: bogus wins; one failed family is tolerated if the other
    /// gave addresses (without any, the failed one might have had them: failed, not "none");
    /// secure only if every answer that came back is secure.
    private static func combine(
        v6: Result<DNSAnswer, DNSError>, v6Lookup: PlanLookup, v4: Result<DNSAnswer, DNSError>, v4Lookup: PlanLookup
    ) -> HostAddresses {
        let statuses = [v6Lookup.status, v4Lookup.status]
        if let bogus = statuses.first(where: \.isBogus) {
            return HostAddresses(addresses: [], status: bogus, nameDoesNotExist: false)
        }
        let answered = [v6, v4].compactMap { result -> DNSAnswer? in
            guard case .success(let answer) = result, !LookupStatus(result).isFailed else { return nil }
            return answer
        }
        if answered.isEmpty {
            return HostAddresses(addresses: [], status: v6Lookup.status, nameDoesNotExist: false)
        }
        if answered.allSatisfy(\.addresses.isEmpty), let failed = statuses.first(where: \.isFailed) {
            return HostAddresses(addresses: [], status: failed, nameDoesNotExist: false)
        }
        let secure = statuses.filter { !$0.isFailed }.allSatisfy(\.isSecure)
        let v6Addresses = answered.flatMap(\.addresses).filter(\.isIPv6)
        let v4Addresses = answered.flatMap(\.addresses).filter { !$0.isIPv6 }
        var alternating: [IPAddress] = []
        for index in 0..<max(v6Addresses.count, v4Addresses.count) {
            if index < v6Addresses.count { alternating.append(v6Addresses[index]) }
            if index < v4Addresses.count { alternating.append(v4Addresses[index]) }
        }
        return HostAddresses(
            addresses: alternating, status: secure ? .secure : .insecure,
            nameDoesNotExist: answered.count == 2 && answered.allSatisfy(\.nameDoesNotExist))
    }

    private func addressesResolved(_ candidates: [Candidate], _ byHost: [String: HostAddresses]) {
        if candidates.count == 1, !candidates[0].fromSRV, let host = byHost[candidates[0].host] {
            if host.nameDoesNotExist {
                return finish(.notFound(reason: "\(domain) does not exist (NXDOMAIN)"))
            }
            if host.addresses.isEmpty && !host.status.isBogus && !host.status.isFailed {
                let what = serverOnly ? "has no addresses" : "has no SRV records and no addresses"
                return finish(.notFound(reason: "\(domain) \(what)"))
            }
        }
        // RFC 7673: TLSA only where the SRV and the address answers are secure.
        var tlsaNames: [String] = []
        for candidate in candidates where !serverOnly {
            guard let host = byHost[candidate.host], candidate.serviceStatus.isSecure, host.status.isSecure,
                !host.addresses.isEmpty
            else { continue }
            let name = Self.tlsaName(candidate)
            if !tlsaNames.contains(name) { tlsaNames.append(name) }
        }
        let queries = tlsaNames.map { QueryBatch.Query($0, .tlsa) }
        run(queries) { results in
            var tlsaByName: [String: (PlanLookup, [TLSARecord])] = [:]
            for (index, name) in tlsaNames.enumerated() {
                let lookup = self.lookups[self.lookups.count - queries.count + index]
                let records: [TLSARecord]
                if case .success(let answer) = results[index], lookup.status.isSecure {
                    records = answer.tlsaRecords
                } else {
                    records = []
                }
                tlsaByName[name] = (lookup, records)
            }
            self.assemble(candidates, byHost, tlsaByName)
        }
    }

    private static func tlsaName(_ candidate: Candidate) -> String { "_\(candidate.port)._tcp.\(candidate.host)" }

    private func assemble(
        _ candidates: [Candidate], _ byHost: [String: HostAddresses], _ tlsaByName: [String: (PlanLookup, [TLSARecord])]
    ) {
        let targets = candidates.map { candidate -> PlanTarget in
            let host = byHost[candidate.host]!
            let name = Self.tlsaName(candidate)
            let tlsa = tlsaByName[name]
            var unusable: String? = nil
            switch host.status {
            case .bogus(let reason):
                unusable = "bogus DNSSEC for the addresses of \(candidate.host): \(reason)"
            case .failed(let reason):
                unusable = "address lookup for \(candidate.host) failed: \(reason)"
            case .secure, .insecure:
                if host.addresses.isEmpty { unusable = "\(candidate.host) has no addresses" }
            }
            if unusable == nil, let (lookup, _) = tlsa {
                switch lookup.status {
                case .bogus(let reason):
                    unusable = "bogus DNSSEC for TLSA \(name): \(reason)"
                case .failed(let reason):
                    // RFC 7672 §2.2: a TLSA lookup that fails other than by nonexistence: do not connect.
                    unusable = "TLSA lookup for \(name) failed (\(reason)); DANE status unknown"
                case .secure, .insecure:
                    break
                }
            }
            return PlanTarget(
                host: candidate.host, port: candidate.port, directTLS: candidate.directTLS,
                fromSRV: candidate.fromSRV, priority: candidate.priority, weight: candidate.weight,
                serviceStatus: candidate.serviceStatus, addresses: host.addresses, addressStatus: host.status,
                tlsaName: name, tlsaStatus: tlsa?.0.status, tlsa: tlsa?.1 ?? [], unusableReason: unusable)
        }
        if targets.contains(where: \.isUsable) {
            return finish(.connect, targets)
        }
        if targets.allSatisfy({ $0.addressStatus == .secure || $0.addressStatus == .insecure })
            && targets.allSatisfy({ $0.addresses.isEmpty })
        {
            return finish(.notFound(reason: "no SRV target of \(domain) has an address"), targets)
        }
        finish(.retryLater(reason: targets.first?.unusableReason ?? "no usable target"), targets)
    }
}

extension ConnectionPlanner {
    /// "10 s", "2.5 s": for reasons an operator reads.
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        guard milliseconds != 0 else { return "\(seconds) s" }
        let fraction = String(milliseconds + 1000).dropFirst()
        var text = "\(seconds).\(fraction)"
        while text.hasSuffix("0") { text.removeLast() }
        return text + " s"
    }
}
