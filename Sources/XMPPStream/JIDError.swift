/// Why a string is not a valid JID or domain name (RFC 7622).
public struct JIDError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable { case empty, tooLong, badCharacter, badLabel, badIPLiteral }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func empty(_ part: String) -> Self { Self(.empty, "the \(part) is empty; omit its separator or fill it in") }
    static func tooLong(_ part: String, _ limit: Int) -> Self {
        Self(.tooLong, "the \(part) is longer than \(limit) bytes")
    }
    static func badCharacter(_ part: String) -> Self {
        Self(.badCharacter, "the \(part) holds a character RFC 7622 does not allow there")
    }
    static func badLabel(_ why: String) -> Self { Self(.badLabel, "the domain \(why)") }
    static func badIPLiteral() -> Self {
        Self(.badIPLiteral, "the domain's IP literal is not a valid IPv4 address or bracketed IPv6 address")
    }

    public var description: String { message }
}
