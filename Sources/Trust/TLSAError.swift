/// Why a TLSA record or pin could not be used. A struct wrapping a private code; the message names
/// the record and says how to write it correctly.
public struct TLSAError: Error, Equatable, CustomStringConvertible {
    enum Code: Equatable {
        case syntax
        case outOfRange
        case badHex
        case badLength
        case unusable
    }

    let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
