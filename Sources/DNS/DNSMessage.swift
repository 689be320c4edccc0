/// One resource record of a message's answer section.
public struct ResourceRecord: Hashable, Sendable {
    public let name: DomainName
    public let type: RecordType
    public let recordClass: UInt16
    public let ttl: UInt32
    public let data: RecordData
}

/// The parts of a DNS response the relay reads: header, question, answer section. Authority and
/// additional sections are not needed (libunbound has already validated them).
public struct DNSMessage: Hashable, Sendable {
    public let id: UInt16
    public let flags: UInt16
    public let questionName: DomainName?
    public let questionType: RecordType?
    public let answers: [ResourceRecord]

    /// The real response code, from the header.
    public var responseCode: ResponseCode { ResponseCode(rawValue: UInt8(flags & 0x000F)) }

    /// Parses a wire-format message; nil for anything malformed. Never traps, whatever the input.
    public static func parse(_ bytes: [UInt8]) -> DNSMessage? {
        var reader = WireReader(bytes)
        guard let id = reader.readUInt16(), let flags = reader.readUInt16(),
            let questionCount = reader.readUInt16(), let answerCount = reader.readUInt16(),
            reader.readUInt16() != nil, reader.readUInt16() != nil
        else { return nil }
        // A response to one query carries one question; more would be a different protocol.
        guard questionCount <= 1 else { return nil }
        var questionName: DomainName? = nil
        var questionType: RecordType? = nil
        if questionCount == 1 {
            guard let name = reader.readName(), let type = reader.readUInt16(), reader.readUInt16() != nil else {
                return nil
            }
            questionName = name
            questionType = RecordType(rawValue: type)
        }
        var answers: [ResourceRecord] = []
        for _ in 0..<answerCount {
            guard let name = reader.readName(), let type = reader.readUInt16(), let recordClass = reader.readUInt16(),
                let ttl = reader.readUInt32(), let length = reader.readUInt16(), Int(length) <= reader.remaining
            else { return nil }
            let start = reader.offset
            let end = start + Int(length)
            let recordType = RecordType(rawValue: type)
            guard let data = RecordData.parse(type: recordType, message: bytes, start: start, end: end) else {
                return nil
            }
            reader.offset = end
            answers.append(
                ResourceRecord(name: name, type: recordType, recordClass: recordClass, ttl: ttl, data: data))
        }
        return DNSMessage(
            id: id, flags: flags, questionName: questionName, questionType: questionType, answers: answers)
    }
}
