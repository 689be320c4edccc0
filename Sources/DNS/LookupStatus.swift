/// The outcome of one lookup as the connection plan sees it: a DNSSEC status, or a failure
/// (SERVFAIL, timeout, refused, malformed) that says nothing about what exists.
public enum LookupStatus: Hashable, Sendable, CustomStringConvertible {
    case secure
    case insecure
    case bogus(reason: String)
    case failed(reason: String)

    init(_ result: Result<DNSAnswer, DNSError>) {
        switch result {
        case .failure(let error):
            self = .failed(reason: error.message)
        case .success(let answer):
            switch answer.security {
            case .bogus(let reason):
                self = .bogus(reason: reason)
            case .secure, .insecure:
                guard answer.responseCode == .noError || answer.responseCode == .nameError else {
                    self = .failed(reason: answer.responseCode.description)
                    return
                }
                self = answer.security == .secure ? .secure : .insecure
            }
        }
    }

    public var isSecure: Bool { self == .secure }

    var isBogus: Bool {
        if case .bogus = self { return true } else { return false }
    }

    public var isFailed: Bool {
        if case .failed = self { return true } else { return false }
    }

    public var description: String {
        switch self {
        case .secure: return "secure"
        case .insecure: return "insecure"
        case .bogus(let reason): return "BOGUS (\(reason))"
        case .failed(let reason): return "failed (\(reason))"
        }
    }
}

/// One query the planner made, kept in the plan for `probe` and for the log.
public struct PlanLookup: Hashable, Sendable {
    public let name: String
    public let type: RecordType
    public let status: LookupStatus
    /// Nil when no answer came back at all.
    public let responseCode: ResponseCode?
    /// Empty for bogus and failed lookups.
    public let records: [RecordData]

    init(name: String, type: RecordType, result: Result<DNSAnswer, DNSError>) {
        self.name = name
        self.type = type
        self.status = LookupStatus(result)
        switch result {
        case .success(let answer):
            responseCode = answer.responseCode
            records = status.isFailed ? [] : answer.records
        case .failure:
            responseCode = nil
            records = []
        }
    }
}
