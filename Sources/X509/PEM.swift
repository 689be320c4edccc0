/// PEM (RFC 7468) blocks such as `-----BEGIN CERTIFICATE-----`, decoded in pure Swift.
public struct PEMBlock: Equatable {
    /// The label between BEGIN and the dashes, e.g. "CERTIFICATE".
    public let label: String
    public let der: [UInt8]

    public init(label: String, der: [UInt8]) {
        self.label = label
        self.der = der
    }

    /// The block as PEM text with 64-character lines.
    public var pem: String {
        let body = Array(Base64.encode(der).utf8)
        var lines: [String] = ["-----BEGIN \(label)-----"]
        var index = 0
        while index < body.count {
            lines.append(String(decoding: body[index..<min(index + 64, body.count)], as: UTF8.self))
            index += 64
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every block in `text`, in order; text outside blocks is ignored (as openssl does).
    public static func parseAll(_ text: String) throws(X509Error) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var label: String? = nil
        var body: [UInt8] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if let open = label {
                if line.hasPrefix("-----END ") {
                    guard line == "-----END \(open)-----" else {
                        throw X509Error(.invalidPEM, "PEM block BEGIN \(open) ends with \(line)")
                    }
                    guard let der = Base64.decode(body) else {
                        throw X509Error(.invalidBase64, "PEM block \(open) holds invalid base64")
                    }
                    blocks.append(PEMBlock(label: open, der: der))
                    label = nil
                    body = []
                } else if line.hasPrefix("-----BEGIN ") {
                    throw X509Error(.invalidPEM, "PEM block \(open) has no END line")
                } else {
                    body.append(contentsOf: line.utf8)
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        if let open = label { throw X509Error(.invalidPEM, "PEM block \(open) has no END line") }
        return blocks
    }

    /// Every CERTIFICATE block parsed; fails when there is none.
    public static func certificates(_ text: String) throws(X509Error) -> [Certificate] {
        var certificates: [Certificate] = []
        for block in try parseAll(text) where block.label == "CERTIFICATE" {
            certificates.append(try Certificate(der: block.der))
        }
        guard !certificates.isEmpty else { throw X509Error(.invalidPEM, "no CERTIFICATE block in the PEM text") }
        return certificates
    }
}
