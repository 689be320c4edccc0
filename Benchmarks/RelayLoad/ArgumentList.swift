/// The command line left to read, for LoadOptions and CrashOptions: options and their values in turn.
struct ArgumentList {
    private var rest: ArraySlice<String>
    /// Appended to "needs a value" errors.
    private let usage: String

    init(_ arguments: [String], usage: String) {
        rest = arguments[...]
        self.usage = usage
    }

    var first: String? { rest.first }

    mutating func next() -> String? { rest.popFirst() }

    /// The value after option `name`.
    mutating func value(_ name: String) throws(LoadError) -> String {
        guard let next = rest.popFirst() else { throw LoadError("\(name) needs a value\n\(usage)") }
        return next
    }

    /// A positive number after option `name`.
    mutating func number(_ name: String) throws(LoadError) -> Int {
        let text = try value(name)
        guard let parsed = Int(text), parsed > 0 else {
            throw LoadError("\(name) wants a positive number, not \(text)")
        }
        return parsed
    }
}
