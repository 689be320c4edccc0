/// The extensions the relay decides on, decoded; everything else is kept only as raw entries.
public struct CertificateExtensions {
    public struct Entry {
        public let id: OID
        public let critical: Bool
        /// The extnValue octets (the DER of the extension's own type).
        public let value: [UInt8]
    }

    public let entries: [Entry]
    /// subjectAltName entries, empty when the extension is absent.
    public let subjectAltNames: [GeneralName]
    /// extendedKeyUsage purposes, nil when the extension is absent (then any purpose is allowed).
    public let extendedKeyUsage: [OID]?
    /// basicConstraints cA, false when absent.
    public let isCA: Bool
    /// basicConstraints pathLenConstraint, when present and small.
    public let pathLength: Int?
    /// keyUsage bits (bit 0 = digitalSignature … bit 8 = decipherOnly), nil when absent.
    public let keyUsage: KeyUsage?

    static var none: CertificateExtensions { CertificateExtensions() }

    private init() {
        entries = []
        subjectAltNames = []
        extendedKeyUsage = nil
        isCA = false
        pathLength = nil
        keyUsage = nil
    }

    init(_ node: DERNode) throws(X509Error) {
        try node.expect(DERTag.sequence, "extensions")
        var list: [Entry] = []
        var names: [GeneralName] = []
        var eku: [OID]? = nil
        var ca = false
        var pathLength: Int? = nil
        var usage: KeyUsage? = nil
        var reader = node.children()
        while let extensionNode = try reader.next() {
            try extensionNode.expect(DERTag.sequence, "extension")
            var fields = extensionNode.children()
            let id = try OID(content: fields.read(DERTag.objectIdentifier, "extension id").content)
            var critical = false
            if let flag = try fields.readIfPresent(DERTag.boolean) {
                guard flag.content.count == 1 else { throw .invalid("extension critical flag") }
                critical = flag.content.first == 0xFF
            }
            let value = try fields.read(DERTag.octetString, "extension value")
            try fields.expectEnd("extension")
            guard !list.contains(where: { $0.id == id }) else { throw .invalid("extension \(id) appears twice") }
            list.append(Entry(id: id, critical: critical, value: Array(value.content)))
            let inner = try DERReader.single(value.content, "extension \(id)")
            switch id {
            case .subjectAltName:
                try inner.expect(DERTag.sequence, "subjectAltName")
                var generalNames = inner.children()
                while let name = try generalNames.next() { names.append(try GeneralName(name)) }
            case .extendedKeyUsage:
                try inner.expect(DERTag.sequence, "extendedKeyUsage")
                var purposes = inner.children()
                var found: [OID] = []
                while let purpose = try purposes.next() {
                    found.append(try OID(content: purpose.expect(DERTag.objectIdentifier, "key purpose").content))
                }
                eku = found
            case .basicConstraints:
                try inner.expect(DERTag.sequence, "basicConstraints")
                var parts = inner.children()
                if let flag = try parts.readIfPresent(DERTag.boolean) {
                    guard flag.content.count == 1 else { throw .invalid("basicConstraints cA") }
                    ca = flag.content.first == 0xFF
                }
                if let length = try parts.readIfPresent(DERTag.integer) {
                    guard length.content.count <= 2 else { throw .invalid("basicConstraints pathLen") }
                    pathLength = length.content.reduce(0) { $0 << 8 | Int($1) }
                }
                try parts.expectEnd("basicConstraints")
            case .keyUsage:
                usage = try KeyUsage(inner)
            default:
                break
            }
        }
        entries = list
        subjectAltNames = names
        extendedKeyUsage = eku
        isCA = ca
        self.pathLength = pathLength
        keyUsage = usage
    }
}
