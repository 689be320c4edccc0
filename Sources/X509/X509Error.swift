/// Why bytes could not be read as DER, PEM or a certificate. A struct wrapping a private code, so new
/// cases never break callers; `message` says what was wrong and where.
public struct X509Error: Error, Equatable, CustomStringConvertible {
    enum Code: Equatable {
        case truncated
        case indefiniteLength
        case overlongLength
        case unexpectedTag
        case invalidValue
        case invalidTime
        case invalidBase64
        case invalidPEM
    }

    let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func truncated(_ what: String) -> X509Error {
        X509Error(.truncated, "DER is truncated in \(what)")
    }

    static func unexpectedTag(_ found: UInt8, expected: UInt8, in what: String) -> X509Error {
        X509Error(
            .unexpectedTag,
            "unexpected DER tag 0x\(Hex.byte(found)) in \(what) (expected 0x\(Hex.byte(expected)))")
    }

    static func invalid(_ what: String) -> X509Error {
        X509Error(.invalidValue, "invalid DER value: \(what)")
    }
}
