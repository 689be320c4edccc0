/// A DNS failure that is not an answer: resolver set-up, libunbound errors, no reply, a deadline,
/// malformed packets.
/// The message says what happened and, where an operator can act, what to do.
public struct DNSError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case trustAnchor
        case configuration
        case resolver
        case malformedAnswer
        case noAnswer
        case timedOut
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The trust anchor is missing or unreadable: DNSSEC cannot be validated.
    public var isTrustAnchorProblem: Bool { code == .trustAnchor }

    static func trustAnchor(_ message: String) -> DNSError { DNSError(.trustAnchor, message) }
    static func configuration(_ message: String) -> DNSError { DNSError(.configuration, message) }
    static func resolver(_ message: String) -> DNSError { DNSError(.resolver, message) }
    static func malformedAnswer(_ message: String) -> DNSError { DNSError(.malformedAnswer, message) }
    /// The resolver gave up (SERVFAIL, REFUSED…) without a reply.
    static func noAnswer(_ message: String) -> DNSError { DNSError(.noAnswer, message) }
    /// The relay's own deadline passed first (`[dns] timeout`).
    static func timedOut(_ message: String) -> DNSError { DNSError(.timedOut, message) }
}
