/// The keyUsage BIT STRING (RFC 5280 §4.2.1.3).
public struct KeyUsage: Equatable {
    /// Bit n of the named bit list is (rawValue >> n) & 1.
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public var digitalSignature: Bool { rawValue & 1 != 0 }
    public var keyEncipherment: Bool { rawValue & (1 << 2) != 0 }
    public var keyAgreement: Bool { rawValue & (1 << 4) != 0 }
    public var keyCertSign: Bool { rawValue & (1 << 5) != 0 }

    init(_ node: DERNode) throws(X509Error) {
        try node.expect(DERTag.bitString, "keyUsage")
        guard let unused = node.content.first, unused < 8, node.content.count <= 3 else {
            throw .invalid("keyUsage bit string")
        }
        var value: UInt16 = 0
        // Named bits run from the most significant bit of the first octet.
        for (octetIndex, octet) in node.content.dropFirst().enumerated() {
            for bit in 0..<8 where octet & (0x80 >> bit) != 0 {
                value |= 1 << UInt16(octetIndex * 8 + bit)
            }
        }
        rawValue = value
    }
}
