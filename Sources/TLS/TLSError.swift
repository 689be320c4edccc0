/// An error from the TLS module: a stable `code` to match on and a `message` in operator words that
/// says what happened and, where possible, what to do.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a small closed set of stable codes (compare with the static members).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Backing: String, Hashable, Sendable {
            case fileMissing = "file-missing"
            case fileUnreadable = "file-unreadable"
            case notACertificate = "not-a-certificate"
            case notAPrivateKey = "not-a-private-key"
            case keyDoesNotMatchCertificate = "key-does-not-match-certificate"
            case certificateNotYetValid = "certificate-not-yet-valid"
            case certificateExpired = "certificate-expired"
            case invalidConfiguration = "invalid-configuration"
            case unsupportedProtocolVersion = "unsupported-protocol-version"
            case noSharedCipherSuite = "no-shared-cipher-suite"
            case noSharedApplicationProtocol = "no-shared-application-protocol"
            case peerSentAlert = "peer-sent-alert"
            case badPeerCertificate = "bad-peer-certificate"
            case peerCertificateMissing = "peer-certificate-missing"
            case noCertificateForName = "no-certificate-for-name"
            case malformedInput = "malformed-input"
            case truncatedStream = "truncated-stream"
            case notEstablished = "not-established"
            case connectionClosed = "connection-closed"
            case libraryFailure = "library-failure"
        }
        fileprivate let backing: Backing

        public static let fileMissing = Code(backing: .fileMissing)
        public static let fileUnreadable = Code(backing: .fileUnreadable)
        public static let notACertificate = Code(backing: .notACertificate)
        public static let notAPrivateKey = Code(backing: .notAPrivateKey)
        public static let keyDoesNotMatchCertificate = Code(backing: .keyDoesNotMatchCertificate)
        public static let certificateNotYetValid = Code(backing: .certificateNotYetValid)
        public static let certificateExpired = Code(backing: .certificateExpired)
        public static let invalidConfiguration = Code(backing: .invalidConfiguration)
        /// The peer offered or chose only protocol versions below our minimum (TLS 1.2).
        public static let unsupportedProtocolVersion = Code(backing: .unsupportedProtocolVersion)
        public static let noSharedCipherSuite = Code(backing: .noSharedCipherSuite)
        public static let noSharedApplicationProtocol = Code(backing: .noSharedApplicationProtocol)
        public static let peerSentAlert = Code(backing: .peerSentAlert)
        public static let badPeerCertificate = Code(backing: .badPeerCertificate)
        public static let peerCertificateMissing = Code(backing: .peerCertificateMissing)
        /// Server side: the client asked (SNI) for a name we hold no certificate for, and there is no default.
        public static let noCertificateForName = Code(backing: .noCertificateForName)
        /// Bytes that are not TLS (or corrupt records) arrived.
        public static let malformedInput = Code(backing: .malformedInput)
        /// The transport ended in the middle of the handshake.
        public static let truncatedStream = Code(backing: .truncatedStream)
        /// Application data written before the handshake finished.
        public static let notEstablished = Code(backing: .notEstablished)
        public static let connectionClosed = Code(backing: .connectionClosed)
        public static let libraryFailure = Code(backing: .libraryFailure)

        public var description: String { backing.rawValue }
    }

    public let code: Code
    /// What happened, in words an operator can act on.
    public let message: String
    /// The mbedTLS error code behind this error (negative), or 0 when there is none.
    public let libraryCode: Int32

    init(_ code: Code, _ message: String, libraryCode: Int32 = 0) {
        self.code = code
        self.message = message
        self.libraryCode = libraryCode
    }

    public var description: String { message }
}
