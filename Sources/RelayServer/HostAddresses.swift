import DNS
import EventLoop

/// The addresses of a host name (AAAA then A, IPv6 first), for a `[[peer]] server` given by name.
/// Answers that fail DNSSEC validation (bogus) are not used.
enum HostAddresses {
    static func lookup(
        _ host: String, port: UInt16, resolver: any DNSQuerying,
        completion: @escaping (Result<[SocketAddress], LookupFailure>) -> Void
    ) {
        var results: [Result<DNSAnswer, DNSError>?] = [nil, nil]
        var remaining = 2
        for (index, type) in [RecordType.aaaa, RecordType.a].enumerated() {
            resolver.query(host, type: type) { result in
                results[index] = result
                remaining -= 1
                guard remaining == 0 else { return }
                completion(combine(host, port: port, results.compactMap { $0 }))
            }
        }
    }

    struct LookupFailure: Error {
        /// The name does not exist (remote-server-not-found) rather than a temporary failure.
        let notFound: Bool
        let reason: String
    }

    private static func combine(_ host: String, port: UInt16, _ results: [Result<DNSAnswer, DNSError>])
        -> Result<[SocketAddress], LookupFailure>
    {
        var addresses: [SocketAddress] = []
        var problems: [String] = []
        var missing = 0
        for result in results {
            switch result {
            case .failure(let error):
                problems.append(error.message)
            case .success(let answer):
                if case .bogus(let why) = answer.security {
                    problems.append("DNSSEC validation failed: \(why)")
                    continue
                }
                if answer.nameDoesNotExist { missing += 1 }
                addresses += answer.addresses.compactMap { SocketAddress(ipBytes: $0.bytes, port: port) }
            }
        }
        if !addresses.isEmpty { return .success(addresses) }
        if missing == results.count || problems.isEmpty {
            return .failure(LookupFailure(notFound: true, reason: "\(host) has no address"))
        }
        return .failure(LookupFailure(notFound: false, reason: "\(host): " + problems.joined(separator: "; ")))
    }
}
