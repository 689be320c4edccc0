/// An SRV record together with the service it came from.
public struct ServiceRecord: Hashable, Sendable {
    public let record: SRVRecord
    public let directTLS: Bool
    public let status: LookupStatus

    public init(record: SRVRecord, directTLS: Bool, status: LookupStatus) {
        self.record = record
        self.directTLS = directTLS
        self.status = status
    }
}

/// RFC 2782 ordering: ascending priority; within a priority, weighted random selection.
/// XEP-0368 treats `_xmpps-server` and `_xmpp-server` records as one set, so they are merged first.
enum SRVOrdering {
    static func order<Random: RandomNumberGenerator>(
        _ records: [ServiceRecord], using random: inout Random
    ) -> [ServiceRecord] {
        let priorities = Set(records.map(\.record.priority)).sorted()
        var ordered: [ServiceRecord] = []
        ordered.reserveCapacity(records.count)
        for priority in priorities {
            let group = records.filter { $0.record.priority == priority }
            // Zero-weight records go first so they get a small chance when others weigh more.
            var remaining = group.filter { $0.record.weight == 0 } + group.filter { $0.record.weight != 0 }
            while !remaining.isEmpty {
                let total = remaining.reduce(UInt64(0)) { $0 + UInt64($1.record.weight) }
                let pick = UInt64.random(in: 0...total, using: &random)
                var runningSum: UInt64 = 0
                var chosen = remaining.count - 1
                for (index, candidate) in remaining.enumerated() {
                    runningSum += UInt64(candidate.record.weight)
                    if runningSum >= pick {
                        chosen = index
                        break
                    }
                }
                ordered.append(remaining.remove(at: chosen))
            }
        }
        return ordered
    }
}
