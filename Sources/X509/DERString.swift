/// Decodes the ASN.1 string types found in names and certificate fields.
enum DERString {
    /// Text of a string node; nil for non-string tags or bytes invalid for the type.
    static func decode(_ node: DERNode) -> String? {
        switch node.tag {
        case DERTag.utf8String:
            return String(validating: node.content, as: UTF8.self)
        case DERTag.printableString, DERTag.ia5String, DERTag.teletexString:
            guard node.content.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: node.content, as: UTF8.self)
        case DERTag.bmpString:
            guard node.content.count % 2 == 0 else { return nil }
            var units: [UInt16] = []
            var index = node.content.startIndex
            while index < node.content.endIndex {
                units.append(UInt16(node.content[index]) << 8 | UInt16(node.content[index + 1]))
                index += 2
            }
            return String(validating: units, as: UTF16.self)
        case DERTag.universalString:
            guard node.content.count % 4 == 0 else { return nil }
            var scalars = String.UnicodeScalarView()
            var index = node.content.startIndex
            while index < node.content.endIndex {
                var value: UInt32 = 0
                for offset in 0..<4 { value = value << 8 | UInt32(node.content[index + offset]) }
                guard let scalar = Unicode.Scalar(value) else { return nil }
                scalars.append(scalar)
                index += 4
            }
            return String(scalars)
        default:
            return nil
        }
    }
}
