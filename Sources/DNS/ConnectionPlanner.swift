/// Builds a `ConnectionPlan` for a remote domain by issuing the SRV, A/AAAA and TLSA queries on the
/// loop. The random source for SRV weights is injected so tests can seed it.
public final class ConnectionPlanner {
    private let resolver: any DNSQuerying
    private var random: any RandomNumberGenerator

    public init(resolver: any DNSQuerying, random: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.resolver = resolver
        self.random = random
    }

    /// The port of the fallback target when a domain publishes no SRV records (RFC 6120 §3.2.2).
    public static var defaultPort: UInt16 { 5269 }

    /// Targets kept from a domain's SRV records, in order: a hostile zone with thousands of
    /// records must not turn one plan into thousands of queries.
    public static var maximumTargets: Int { 16 }

    /// Resolves `domain` and calls `completion` once with the plan (possibly before returning,
    /// when every answer is cached).
    public func plan(_ domain: String, completion: @escaping (ConnectionPlan) -> Void) {
        let name = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
        PlanJob(domain: name, planner: self, completion: completion).start()
    }

    fileprivate func order(_ records: [ServiceRecord]) -> [ServiceRecord] {
        SRVOrdering.order(records, using: &random)
    }

    fileprivate var dns: any DNSQuerying { resolver }
}

/// Issues a batch of queries and hands back all results, in query order, once the last arrives.
private final class QueryBatch {
    typealias Query = (name: String, type: RecordType)
    private var results: [Result<DNSAnswer, DNSError>?]
    private var remaining: Int
    private let done: ([Result<DNSAnswer, DNSError>]) -> Void

    private init(count: Int, done: @escaping ([Result<DNSAnswer, DNSError>]) -> Void) {
        results = Array(repeating: nil, count: count)
        remaining = count
        self.done = done
    }

    static func run(
        _ queries: [Query], on dns: any DNSQuerying, done: @escaping ([Result<DNSAnswer, DNSError>]) -> Void
    ) {
        guard !queries.isEmpty else { return done([]) }
        let batch = QueryBatch(count: queries.count, done: done)
        for (index, query) in queries.enumerated() {
            dns.query(query.name, type: query.type) { result in batch.receive(result, at: index) }
        }
    }

    private func receive(_ result: Result<DNSAnswer, DNSError>, at index: Int) {
        guard results[index] == nil else { return }
        results[index] = result
        remaining -= 1
        if remaining == 0 { done(results.map { $0! }) }
    }
}

/// One planning run: SRV → addresses → TLSA → plan.
private final class PlanJob {
    private let domain: String
    private let planner: ConnectionPlanner
    private let completion: (ConnectionPlan) -> Void
    private var lookups: [PlanLookup] = []

    init(domain: String, planner: ConnectionPlanner, completion: @escaping (ConnectionPlan) -> Void) {
        self.domain = domain
        self.planner = planner
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
        let queries: [QueryBatch.Query] = [
            ("_xmpps-server._tcp.\(domain)", .srv), ("_xmpp-server._tcp.\(domain)", .srv),
        ]
        QueryBatch.run(queries, on: planner.dns) { results in
            self.record(queries, results)
            self.servicesResolved(xmpps: results[0], xmpp: results[1])
        }
    }

    private func record(_ queries: [QueryBatch.Query], _ results: [Result<DNSAnswer, DNSError>]) {
        for (query, result) in zip(queries, results) {
            lookups.append(PlanLookup(name: query.name, type: query.type, result: result))
        }
    }

    private func finish(_ verdict: ConnectionPlan.Verdict, _ targets: [PlanTarget] = []) {
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
        if let failed = services.first(where: { $0.0.status.isFailed }) {
            return finish(.retryLater(reason: "SRV lookup for \(failed.0.name) failed: \(failed.0.status)"))
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
        QueryBatch.run(queries, on: planner.dns) { results in
            self.record(queries, results)
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
    /// answered; secure only if every answer that came back is secure.
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
                return finish(.notFound(reason: "\(domain) has no SRV records and no addresses"))
            }
        }
        // RFC 7673: TLSA only where the SRV and the address answers are secure.
        var tlsaNames: [String] = []
        for candidate in candidates {
            guard let host = byHost[candidate.host], candidate.serviceStatus.isSecure, host.status.isSecure,
                !host.addresses.isEmpty
            else { continue }
            let name = Self.tlsaName(candidate)
            if !tlsaNames.contains(name) { tlsaNames.append(name) }
        }
        let queries = tlsaNames.map { QueryBatch.Query($0, .tlsa) }
        QueryBatch.run(queries, on: planner.dns) { results in
            self.record(queries, results)
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
