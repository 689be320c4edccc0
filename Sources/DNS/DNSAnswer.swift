/// A validated answer to one query: the response code, the DNSSEC status and the records.
/// A bogus answer carries no records: whatever came with it may be forged.
public struct DNSAnswer: Hashable, Sendable {
    public let name: String
    public let type: RecordType
    public let responseCode: ResponseCode
    public let security: DNSSECStatus
    /// Answer-section records of the queried type (CNAMEs on the way are left out).
    public let records: [RecordData]

    public init(
        name: String, type: RecordType, responseCode: ResponseCode, security: DNSSECStatus, records: [RecordData]
    ) {
        self.name = name
        self.type = type
        self.responseCode = responseCode
        self.security = security
        self.records = security == .secure || security == .insecure ? records : []
    }

    /// Builds an answer from libunbound's wire-format packet and security verdict.
    static func from(
        packet: [UInt8], name: String, type: RecordType, security: DNSSECStatus
    ) -> Result<DNSAnswer, DNSError> {
        guard let message = DNSMessage.parse(packet) else {
            return .failure(.malformedAnswer("malformed DNS answer for \(name) \(type)"))
        }
        let records = message.answers.filter { $0.type == type }.map(\.data)
        return .success(
            DNSAnswer(
                name: name, type: type, responseCode: message.responseCode, security: security, records: records))
    }

    /// The name does not exist (NXDOMAIN).
    public var nameDoesNotExist: Bool { responseCode == .nameError }

    public var srvRecords: [SRVRecord] {
        records.compactMap { if case .srv(let record) = $0 { return record } else { return nil } }
    }

    public var tlsaRecords: [TLSARecord] {
        records.compactMap { if case .tlsa(let record) = $0 { return record } else { return nil } }
    }

    public var addresses: [IPAddress] {
        records.compactMap { if case .address(let address) = $0 { return address } else { return nil } }
    }
}
