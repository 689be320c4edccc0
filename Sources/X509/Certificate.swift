/// An X.509 v1/v3 certificate parsed from DER (RFC 5280 §4.1). Signatures are not checked here: that
/// is the TLS module's job (through Trust's ChainVerifier). The raw DER, TBS and SPKI are kept
/// byte-exact because TLSA matching and signature checks hash them.
public struct Certificate: Equatable {
    /// The whole certificate DER (TLSA selector 0).
    public let der: [UInt8]
    /// The tbsCertificate TLV (what the issuer signed).
    public let tbs: [UInt8]
    /// Certificate version as encoded (0 = v1, 2 = v3).
    public let version: Int
    /// serialNumber content octets (big-endian, two's complement).
    public let serialNumber: [UInt8]
    public let issuer: DistinguishedName
    public let subject: DistinguishedName
    /// Validity start, Unix seconds.
    public let notBefore: Int64
    /// Validity end (inclusive), Unix seconds.
    public let notAfter: Int64
    /// The SubjectPublicKeyInfo TLV (TLSA selector 1).
    public let subjectPublicKeyInfo: [UInt8]
    public let extensions: CertificateExtensions
    /// signatureAlgorithm OID of the outer certificate.
    public let signatureAlgorithm: OID

    /// Parses one certificate; the input must hold exactly that certificate.
    public init(der bytes: [UInt8]) throws(X509Error) {
        let outer = try DERReader.single(bytes[...], "certificate")
        try outer.expect(DERTag.sequence, "certificate")
        var parts = outer.children()
        let tbsNode = try parts.read(DERTag.sequence, "tbsCertificate")
        let algorithm = try parts.read(DERTag.sequence, "signatureAlgorithm")
        _ = try parts.read(DERTag.bitString, "signatureValue")
        try parts.expectEnd("certificate")
        var algorithmFields = algorithm.children()
        signatureAlgorithm = try OID(
            content: algorithmFields.read(DERTag.objectIdentifier, "signature algorithm").content)

        der = bytes
        tbs = Array(tbsNode.encoded)
        var fields = tbsNode.children()
        if let versionNode = try fields.readIfPresent(DERTag.contextConstructed(0)) {
            let value = try DERReader.single(versionNode.content, "version").expect(DERTag.integer, "version")
            guard value.content.count == 1, let number = value.content.first, number <= 2 else {
                throw .invalid("certificate version")
            }
            version = Int(number)
        } else {
            version = 0
        }
        let serial = try fields.read(DERTag.integer, "serialNumber")
        guard !serial.content.isEmpty else { throw .invalid("empty serialNumber") }
        serialNumber = Array(serial.content)
        _ = try fields.read(DERTag.sequence, "signature")
        issuer = try DistinguishedName(fields.read(DERTag.sequence, "issuer"))
        let validity = try fields.read(DERTag.sequence, "validity")
        var times = validity.children()
        guard let start = try times.next(), let end = try times.next() else { throw .truncated("validity") }
        try times.expectEnd("validity")
        notBefore = try DERTime.unixSeconds(start)
        notAfter = try DERTime.unixSeconds(end)
        subject = try DistinguishedName(fields.read(DERTag.sequence, "subject"))
        subjectPublicKeyInfo = Array(try fields.read(DERTag.sequence, "subjectPublicKeyInfo").encoded)
        _ = try fields.readIfPresent(DERTag.contextPrimitive(1))
        _ = try fields.readIfPresent(DERTag.contextConstructed(1))
        _ = try fields.readIfPresent(DERTag.contextPrimitive(2))
        _ = try fields.readIfPresent(DERTag.contextConstructed(2))
        if let wrapper = try fields.readIfPresent(DERTag.contextConstructed(3)) {
            guard version == 2 else { throw .invalid("extensions in a certificate that is not v3") }
            extensions = try CertificateExtensions(DERReader.single(wrapper.content, "extensions"))
        } else {
            extensions = .none
        }
        try fields.expectEnd("tbsCertificate")
    }

    /// Two certificates are the same when their DER is.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }

    /// Issuer and subject names are identical (a self-issued certificate; self-signed ones are).
    public var isSelfIssued: Bool { issuer.der == subject.der }

    /// Whether `unixTime` falls within notBefore…notAfter (both inclusive, RFC 5280).
    public func isValid(at unixTime: Int64) -> Bool { unixTime >= notBefore && unixTime <= notAfter }

    /// The subjectAltName entries, e.g. for an operator-facing list of names.
    public var subjectAltNames: [GeneralName] { extensions.subjectAltNames }

    /// "DNS:a, SRV:_xmpp-server.a, XmppAddr:a" or, without SAN, "no subjectAltName (CN=…)".
    public var namesSummary: String {
        if subjectAltNames.isEmpty {
            return "no subjectAltName (subject \(subject.summary))"
        }
        return subjectAltNames.map(\.summary).joined(separator: ", ")
    }
}
