/// A domain name as a list of raw labels; printed in presentation format (RFC 1035 §5.1).
public struct DomainName: Hashable, Sendable, CustomStringConvertible {
    public let labels: [[UInt8]]

    public init(labels: [[UInt8]]) {
        self.labels = labels
    }

    /// The root name ".", which as an SRV target means "no service here" (RFC 2782).
    public var isRoot: Bool { labels.isEmpty }

    /// Fully qualified, lowercase-preserving presentation form with a trailing dot; bytes that are
    /// not plain letters, digits, '-' or '_' are escaped as \DDD, dots and backslashes as \. and \\.
    public var description: String {
        if labels.isEmpty { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    text += "\\"
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            text += "."
        }
        return text
    }

    /// The name without its trailing dot, as hosts are usually written ("xmpp.example.org").
    public var hostName: String {
        let text = description
        return text == "." ? text : String(text.dropLast())
    }
}
