/// Why an element cannot be written as XML the stream parser would accept.
public struct SerializationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidName, invalidCharacter, reservedNamespace, duplicateAttribute
    }

    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func invalidName(_ name: String) -> Self {
        Self(.invalidName, "'\(name)' is not an ASCII XML name: use letters, digits, '_', '-', '.' and no colon")
    }
    static func invalidCharacter(in what: String) -> Self {
        Self(.invalidCharacter, "\(what) holds a control character or U+FFFE/U+FFFF, which XML 1.0 cannot carry")
    }
    static func reservedNamespace(_ namespace: String) -> Self {
        Self(.reservedNamespace, "namespace '\(namespace)' is reserved by XML and cannot be used here")
    }
    static func duplicateAttribute(_ name: String) -> Self {
        Self(.duplicateAttribute, "attribute '\(name)' appears twice in one element; keep one")
    }

    public var description: String { message }
}
