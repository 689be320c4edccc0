import X509

/// One TLSA record (RFC 6698 §2) or a pin written in the same syntax: certificate usage, selector,
/// matching type and association data.
public struct TLSARecord: Hashable, Sendable, CustomStringConvertible {
    /// 2 = DANE-TA, 3 = DANE-EE; 0 (PKIX-TA) and 1 (PKIX-EE) are unusable here, as in Postfix.
    public let usage: UInt8
    /// 0 = whole certificate, 1 = SubjectPublicKeyInfo.
    public let selector: UInt8
    /// 0 = exact bytes, 1 = SHA-256, 2 = SHA-512.
    public let matchingType: UInt8
    public let data: [UInt8]

    public static let daneTA: UInt8 = 2
    public static let daneEE: UInt8 = 3

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// Parses presentation syntax "3 1 1 ab12…" (the hex may be split by whitespace, as in zone
    /// files). Any usage/selector/matching value 0–255 is accepted; `isUsable` says whether it counts.
    public init(_ text: String) throws(TLSAError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 4 else {
            throw TLSAError(
                .syntax,
                "TLSA record '\(text)' needs four fields: usage selector matching-type hex-data (e.g. 3 1 1 ab12…)")
        }
        var numbers: [UInt8] = []
        for (index, name) in ["usage", "selector", "matching type"].enumerated() {
            guard let value = UInt8(fields[index]) else {
                throw TLSAError(
                    .outOfRange, "TLSA \(name) '\(fields[index])' in '\(text)' is not a number from 0 to 255")
            }
            numbers.append(value)
        }
        let hex = fields.dropFirst(3).joined()
        guard let bytes = Hex.decode(hex), !bytes.isEmpty else {
            throw TLSAError(.badHex, "TLSA data in '\(text)' is not an even number of hex digits")
        }
        self.init(usage: numbers[0], selector: numbers[1], matchingType: numbers[2], data: bytes)
    }

    /// From wire-format RDATA (RFC 6698 §2.1), as the DNS module hands it over.
    public init(rdata: [UInt8]) throws(TLSAError) {
        guard rdata.count >= 4 else { throw TLSAError(.syntax, "TLSA RDATA of \(rdata.count) bytes is too short") }
        self.init(usage: rdata[0], selector: rdata[1], matchingType: rdata[2], data: Array(rdata[3...]))
    }

    /// Parses a pin from the configuration: TLSA syntax that must also be usable, so that a typo
    /// fails at start-up instead of refusing every connection.
    public init(pin text: String) throws(TLSAError) {
        try self.init(text)
        if let problem = unusableReason {
            throw TLSAError(
                .unusable, "pin '\(text)' \(problem); write it as 3 1 1 <SHA-256 of the key>, as xmpp-relay pin prints")
        }
    }

    /// "3 1 1": the parameters alone, as logs show them.
    public var parameters: String { "\(usage) \(selector) \(matchingType)" }

    /// "3 1 1 ab12…": presentation syntax.
    public var description: String { "\(parameters) \(Hex.encode(data))" }

    /// Whether this relay acts on the record (RFC 7671 §4.1: records with unsupported parameters
    /// are unusable and ignored; a digest of the wrong size can never match).
    public var isUsable: Bool { unusableReason == nil }

    var unusableReason: String? {
        switch usage {
        case 0, 1:
            return "uses usage \(usage) (PKIX-\(usage == 0 ? "TA" : "EE")), which is not supported (only 2 and 3)"
        case 2, 3: break
        default: return "uses unknown usage \(usage)"
        }
        guard selector <= 1 else { return "uses unknown selector \(selector)" }
        switch matchingType {
        case 0: return nil
        case 1: return data.count == SHA256.digestCount ? nil : "has \(data.count) bytes where SHA-256 needs 32"
        case 2: return data.count == SHA512.digestCount ? nil : "has \(data.count) bytes where SHA-512 needs 64"
        default: return "uses unknown matching type \(matchingType)"
        }
    }

    /// Whether `certificate` matches this record's selector, matching type and data (usage aside).
    public func matches(_ certificate: Certificate) -> Bool {
        guard let computed = Self.associationData(of: certificate, selector: selector, matchingType: matchingType)
        else { return false }
        return computed == data
    }

    /// The association data a certificate has for a selector and matching type, nil for unknown ones.
    public static func associationData(of certificate: Certificate, selector: UInt8, matchingType: UInt8) -> [UInt8]? {
        let selected: [UInt8]
        switch selector {
        case 0: selected = certificate.der
        case 1: selected = certificate.subjectPublicKeyInfo
        default: return nil
        }
        switch matchingType {
        case 0: return selected
        case 1: return SHA256.hash(selected)
        case 2: return SHA512.hash(selected)
        default: return nil
        }
    }

    /// The `3 1 1` record (DANE-EE, SPKI, SHA-256) for a certificate: the pin keygen prints.
    public static func pin(for certificate: Certificate) -> TLSARecord {
        TLSARecord(usage: daneEE, selector: 1, matchingType: 1, data: SHA256.hash(certificate.subjectPublicKeyInfo))
    }
}
