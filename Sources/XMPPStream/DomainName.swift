#if canImport(Glibc)
    import Glibc
#endif

/// The domainpart of a JID: a DNS name (LDH labels, or non-ASCII U-labels taken as they are) or an
/// IP literal. Stored normalized, so `==` is the RFC 7622 comparison: ASCII letters lowercased and
/// one trailing dot removed. Non-ASCII labels are not case-folded (that needs IDNA2008 tables).
public struct DomainName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String
    public let isIPLiteral: Bool

    /// RFC 7622 §3.2 caps a domainpart at 1023 bytes; DNS caps a name at 253 (without the root dot).
    public static let maxLength = 253
    public static let maxLabelLength = 63

    public init(_ text: String) throws(JIDError) {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw .empty("domainpart") }
        guard bytes.count <= Self.maxLength else { throw .tooLong("domainpart", Self.maxLength) }

        if bytes.first == UInt8(ascii: "[") {
            guard bytes.last == UInt8(ascii: "]"), bytes.count > 2 else { throw .badIPLiteral() }
            let inner = String(decoding: bytes[1..<(bytes.count - 1)], as: UTF8.self)
            guard Self.parses(inner, family: AF_INET6) else { throw .badIPLiteral() }
            value = "[" + inner.lowercasedASCII() + "]"
            isIPLiteral = true
            return
        }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        var allDigitsLast = false
        for label in labels {
            guard !label.isEmpty else { throw .badLabel("has an empty label (two dots in a row, or a leading dot)") }
            guard label.count <= Self.maxLabelLength else {
                throw .badLabel("has a label longer than \(Self.maxLabelLength) bytes")
            }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                throw .badLabel("has a label that starts or ends with '-'")
            }
            for byte in label where byte < 0x80 {
                let isLDH =
                    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                guard isLDH else { throw .badCharacter("domainpart") }
            }
            allDigitsLast = label.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        let normalized = String(decoding: bytes, as: UTF8.self)
        if allDigitsLast {
            // A numeric top label is only valid as a dotted IPv4 address.
            guard labels.count == 4, Self.parses(normalized, family: AF_INET) else { throw .badIPLiteral() }
            value = normalized
            isIPLiteral = true
            return
        }
        value = normalized.lowercasedASCII()
        isIPLiteral = false
    }

    public var description: String { value }

    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.value < rhs.value }

    private static func parses(_ text: String, family: Int32) -> Bool {
        var buffer = (UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { raw in inet_pton(family, text, raw.baseAddress) == 1 }
    }
}

extension String {
    /// ASCII A–Z to a–z; every other byte unchanged (no locale, no Unicode tables).
    func lowercasedASCII() -> String {
        guard utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return self }
        return String(
            decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 },
            as: UTF8.self
        )
    }
}
