/// An RFC 6120 §4.9.3 stream-error condition: a small value with a fixed set of names.
public struct StreamErrorCondition: Hashable, Sendable, CustomStringConvertible {
    private enum Code: UInt8, CaseIterable {
        case badFormat, badNamespacePrefix, conflict, connectionTimeout, hostGone, hostUnknown
        case improperAddressing, internalServerError, invalidFrom, invalidNamespace, invalidXML
        case notAuthorized, notWellFormed, policyViolation, remoteConnectionFailed, reset
        case resourceConstraint, restrictedXML, seeOtherHost, systemShutdown, undefinedCondition
        case unsupportedEncoding, unsupportedFeature, unsupportedStanzaType, unsupportedVersion

        var name: String {
            switch self {
            case .badFormat: "bad-format"
            case .badNamespacePrefix: "bad-namespace-prefix"
            case .conflict: "conflict"
            case .connectionTimeout: "connection-timeout"
            case .hostGone: "host-gone"
            case .hostUnknown: "host-unknown"
            case .improperAddressing: "improper-addressing"
            case .internalServerError: "internal-server-error"
            case .invalidFrom: "invalid-from"
            case .invalidNamespace: "invalid-namespace"
            case .invalidXML: "invalid-xml"
            case .notAuthorized: "not-authorized"
            case .notWellFormed: "not-well-formed"
            case .policyViolation: "policy-violation"
            case .remoteConnectionFailed: "remote-connection-failed"
            case .reset: "reset"
            case .resourceConstraint: "resource-constraint"
            case .restrictedXML: "restricted-xml"
            case .seeOtherHost: "see-other-host"
            case .systemShutdown: "system-shutdown"
            case .undefinedCondition: "undefined-condition"
            case .unsupportedEncoding: "unsupported-encoding"
            case .unsupportedFeature: "unsupported-feature"
            case .unsupportedStanzaType: "unsupported-stanza-type"
            case .unsupportedVersion: "unsupported-version"
            }
        }
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The condition whose element name is `name` (as received in a peer's `<stream:error/>`),
    /// or nil for a name RFC 6120 does not define.
    public init?(name: String) {
        guard let code = Code.allCases.first(where: { $0.name == name }) else { return nil }
        self.code = code
    }

    /// The element name, e.g. `policy-violation`.
    public var name: String { code.name }
    public var description: String { code.name }

    /// The namespace of condition elements inside `<stream:error/>`.
    public static let namespace = "urn:ietf:params:xml:ns:xmpp-streams"

    public static let badFormat = Self(.badFormat)
    public static let badNamespacePrefix = Self(.badNamespacePrefix)
    public static let conflict = Self(.conflict)
    public static let connectionTimeout = Self(.connectionTimeout)
    public static let hostGone = Self(.hostGone)
    public static let hostUnknown = Self(.hostUnknown)
    public static let improperAddressing = Self(.improperAddressing)
    public static let internalServerError = Self(.internalServerError)
    public static let invalidFrom = Self(.invalidFrom)
    public static let invalidNamespace = Self(.invalidNamespace)
    public static let invalidXML = Self(.invalidXML)
    public static let notAuthorized = Self(.notAuthorized)
    public static let notWellFormed = Self(.notWellFormed)
    public static let policyViolation = Self(.policyViolation)
    public static let remoteConnectionFailed = Self(.remoteConnectionFailed)
    public static let reset = Self(.reset)
    public static let resourceConstraint = Self(.resourceConstraint)
    public static let restrictedXML = Self(.restrictedXML)
    public static let seeOtherHost = Self(.seeOtherHost)
    public static let systemShutdown = Self(.systemShutdown)
    public static let undefinedCondition = Self(.undefinedCondition)
    public static let unsupportedEncoding = Self(.unsupportedEncoding)
    public static let unsupportedFeature = Self(.unsupportedFeature)
    public static let unsupportedStanzaType = Self(.unsupportedStanzaType)
    public static let unsupportedVersion = Self(.unsupportedVersion)
}
