import Trust
import X509

/// Reads a pin as an operator writes it in the configuration, "USAGE SELECTOR MATCHING HEX"
/// (RFC 6698 §2.2 presentation syntax, e.g. `3 1 1 5c2f…`, what `xmpp-relay pin` and `keygen`
/// print), into Trust's `TLSARecord`, with messages that say how to write it right.
/// Only pins the relay can act on pass (usage 2 or 3, a digest of the right length), so a typo
/// fails at start instead of refusing every connection.
enum PinSyntax {
    static func parse(_ text: String) -> Result<TLSARecord, PinProblem> {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 4 else {
            return .failure(
                PinProblem(
                    "a pin has four parts, \"USAGE SELECTOR MATCHING HEX\", e.g. \"3 1 1 5c2f…\" "
                        + "(xmpp-relay pin HOST:PORT prints it)"))
        }
        let limits: [(String, UInt8, String)] = [
            ("usage", 3, "3 = DANE-EE, the usual choice for a pinned key"),
            ("selector", 1, "0 = whole certificate, 1 = public key"),
            ("matching type", 2, "0 = exact, 1 = SHA-256, 2 = SHA-512"),
        ]
        var numbers: [UInt8] = []
        for (index, (name, maximum, meaning)) in limits.enumerated() {
            guard let value = UInt8(fields[index]), value <= maximum else {
                return .failure(PinProblem("pin \(name) '\(fields[index])' must be 0 to \(maximum) (\(meaning))"))
            }
            numbers.append(value)
        }
        guard numbers[0] >= 2 else {
            return .failure(
                PinProblem(
                    "pin usage \(numbers[0]) (PKIX-\(numbers[0] == 0 ? "TA" : "EE")) cannot pin anything here; "
                        + "use 3 (DANE-EE, the peer's own key) or 2 (DANE-TA, the peer's own CA)"))
        }
        let hex = fields[3...].joined()
        guard let data = Hex.decode(hex), !data.isEmpty else {
            return .failure(PinProblem("pin data '\(hex)' is not hexadecimal bytes (an even number of 0-9 a-f)"))
        }
        let expected = numbers[2] == 1 ? 32 : numbers[2] == 2 ? 64 : nil
        if let expected, data.count != expected {
            return .failure(
                PinProblem(
                    "a \(numbers[2] == 1 ? "SHA-256" : "SHA-512") pin has \(expected * 2) hex digits, "
                        + "this one has \(data.count * 2)"))
        }
        return .success(TLSARecord(usage: numbers[0], selector: numbers[1], matchingType: numbers[2], data: data))
    }
}

/// Why a pin does not parse, phrased for the operator.
public struct PinProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ text: String) { self.description = text }
}
