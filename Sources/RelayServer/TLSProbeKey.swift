import X509

/// "EC P-256", "RSA 2048", "Ed25519": the public key type and size from a SubjectPublicKeyInfo, for
/// `probe`'s certificate section; nil when the structure is not one of these.
public func probeKeyDescription(subjectPublicKeyInfo spki: [UInt8]) -> String? {
    do throws(X509Error) {
        let outer = try DERReader.single(spki[...], "SubjectPublicKeyInfo")
        var fields = outer.children()
        guard let algorithm = try fields.next(), let key = try fields.next() else { return nil }
        var algorithmFields = algorithm.children()
        guard let oidNode = try algorithmFields.next() else { return nil }
        let oid = try OID(content: oidNode.content)
        switch oid.description {
        case "1.2.840.10045.2.1":
            guard let curveNode = try algorithmFields.next(), curveNode.tag == 0x06 else { return "EC" }
            let curves = [
                "1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384", "1.3.132.0.35": "P-521",
            ]
            let curve = try OID(content: curveNode.content).description
            return "EC \(curves[curve] ?? curve)"
        case "1.2.840.113549.1.1.1":
            // BIT STRING: one byte of unused bits, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
            let bitString = key.content.dropFirst()
            let rsaKey = try DERReader.single(bitString, "RSAPublicKey")
            var numbers = rsaKey.children()
            guard let modulus = try numbers.next() else { return "RSA" }
            let digits = modulus.content.drop(while: { $0 == 0 })
            let leading = digits.first.map { 8 - $0.leadingZeroBitCount } ?? 0
            return "RSA \(max(0, digits.count - 1) * 8 + leading)"
        case "1.3.101.112": return "Ed25519"
        case "1.3.101.113": return "Ed448"
        default: return oid.description
        }
    } catch {
        return nil
    }
}
