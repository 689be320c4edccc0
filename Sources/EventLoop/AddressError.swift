/// An address setting that cannot be used, with the text that was given and how to write it.
public struct AddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case empty
            case missingPort = "missing-port"
            case invalidPort = "invalid-port"
            case invalidHost = "invalid-host"
            case unbracketedIPv6 = "unbracketed-ipv6"
            case hostNameNotAllowed = "host-name-not-allowed"
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public static let empty = Code(.empty)
        public static let missingPort = Code(.missingPort)
        public static let invalidPort = Code(.invalidPort)
        public static let invalidHost = Code(.invalidHost)
        public static let unbracketedIPv6 = Code(.unbracketedIPv6)
        public static let hostNameNotAllowed = Code(.hostNameNotAllowed)

        public var description: String { backing.rawValue }
    }

    public let code: Code
    public let message: String

    public var description: String { message }

    init(_ code: Code, _ text: String, _ problem: String) {
        self.code = code
        self.message = "\"\(text)\": " + problem
    }
}
