/// A value read from a TOML file, with the line it was written on (for `FILE:LINE` messages).
public struct TOMLValue: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        /// A `[…]` list, or the blocks of an `[[array.of.tables]]`.
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public let kind: Kind
    /// The line of the key (for list elements: of the element; for tables: of the `[header]`).
    public let line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// How the value's type is named in messages ("a string", "a list", …).
    public var typeDescription: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .boolean: "true/false"
        case .array(let elements):
            elements.first.map { if case .table = $0.kind { true } else { false } } == true
                ? "a list of [[tables]]" : "a list"
        case .table: "a [table]"
        }
    }
}

/// A TOML table: keys in file order, each with its value.
public struct TOMLTable: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let value: TOMLValue
    }

    /// The line of the `[header]` that opened it; 0 for the top level.
    public let line: Int
    public let entries: [Entry]

    public init(line: Int, entries: [Entry]) {
        self.line = line
        self.entries = entries
    }

    public subscript(key: String) -> TOMLValue? {
        entries.first { $0.key == key }?.value
    }
}
