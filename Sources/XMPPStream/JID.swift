/// An XMPP address, `[localpart@]domainpart[/resourcepart]` (RFC 7622).
/// Equality follows RFC 7622 comparison as far as possible without PRECIS tables: the domain is
/// normalized (see `DomainName`), the localpart has ASCII letters lowercased, the resource is exact.
public struct JID: Hashable, Sendable, CustomStringConvertible {
    public let localpart: String?
    public let domain: DomainName
    public let resourcepart: String?

    /// RFC 7622 §3.3 and §3.4: local and resource parts are 1…1023 bytes.
    public static let maxPartLength = 1023

    public init(_ text: String) throws(JIDError) {
        let bytes = Array(text.utf8)
        var rest = bytes[...]
        var resource: String? = nil
        if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
            let part = rest[(slash + 1)...]
            try Self.checkResource(part)
            resource = String(decoding: part, as: UTF8.self)
            rest = rest[..<slash]
        }
        var local: String? = nil
        if let at = rest.firstIndex(of: UInt8(ascii: "@")) {
            let part = rest[..<at]
            try Self.checkLocal(part)
            local = String(decoding: part, as: UTF8.self).lowercasedASCII()
            rest = rest[(at + 1)...]
        }
        domain = try DomainName(String(decoding: rest, as: UTF8.self))
        localpart = local
        resourcepart = resource
    }

    public init(localpart: String? = nil, domain: DomainName, resourcepart: String? = nil) throws(JIDError) {
        if let localpart { try Self.checkLocal(Array(localpart.utf8)[...]) }
        if let resourcepart { try Self.checkResource(Array(resourcepart.utf8)[...]) }
        self.localpart = localpart?.lowercasedASCII()
        self.domain = domain
        self.resourcepart = resourcepart
    }

    /// The address without its resource.
    public var bare: JID {
        (try? JID(localpart: localpart, domain: domain)) ?? self
    }

    public var isDomainOnly: Bool { localpart == nil && resourcepart == nil }

    public var description: String {
        var text = ""
        if let localpart { text += localpart + "@" }
        text += domain.value
        if let resourcepart { text += "/" + resourcepart }
        return text
    }

    /// A stanza's or stream header's `to`: missing or malformed is `improper-addressing`.
    public static func recipient(_ attribute: String?) throws(StreamError) -> JID {
        guard let attribute else { throw StreamError(.improperAddressing, "the 'to' address is missing") }
        do throws(JIDError) {
            return try JID(attribute)
        } catch {
            throw StreamError(.improperAddressing, "the 'to' address is not a valid JID: \(error.message)")
        }
    }

    /// A stanza's or stream header's `from`: missing is `improper-addressing`, malformed is `invalid-from`.
    public static func sender(_ attribute: String?) throws(StreamError) -> JID {
        guard let attribute else { throw StreamError(.improperAddressing, "the 'from' address is missing") }
        do throws(JIDError) {
            return try JID(attribute)
        } catch {
            throw StreamError(.invalidFrom, "the 'from' address is not a valid JID: \(error.message)")
        }
    }

    private static func checkLocal(_ part: ArraySlice<UInt8>) throws(JIDError) {
        guard !part.isEmpty else { throw .empty("localpart") }
        guard part.count <= maxPartLength else { throw .tooLong("localpart", maxPartLength) }
        for byte in part {
            switch byte {
            case 0..<0x21, 0x7F, UInt8(ascii: "\""), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "/"),
                UInt8(ascii: ":"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"):
                throw .badCharacter("localpart")
            default: continue
            }
        }
    }

    private static func checkResource(_ part: ArraySlice<UInt8>) throws(JIDError) {
        guard !part.isEmpty else { throw .empty("resourcepart") }
        guard part.count <= maxPartLength else { throw .tooLong("resourcepart", maxPartLength) }
        for byte in part where byte < 0x20 || byte == 0x7F { throw .badCharacter("resourcepart") }
    }
}
