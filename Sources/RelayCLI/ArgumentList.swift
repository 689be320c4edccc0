/// The small hand-written argument parser every command shares (no ArgumentParser: footprint).
/// Flags are `--name VALUE`, `--name=VALUE` or bare `--name` (switches); the rest are positionals.
/// Anything unknown is an error, so a typo never silently changes behaviour.
public struct ArgumentList {
    public private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var switches: Set<String> = []

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - valueFlags: flags that take a value (`--config`); they may repeat.
    ///   - switchFlags: flags without a value (`--force`).
    public init(_ arguments: [String], valueFlags: Set<String> = [], switchFlags: Set<String> = []) throws {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument
            var inlineValue: String? = nil
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            if valueFlags.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else if index < arguments.count {
                    values[name, default: []].append(arguments[index])
                    index += 1
                } else {
                    throw Failure(description: "option \(name) needs a value")
                }
            } else if switchFlags.contains(name) && inlineValue == nil {
                switches.insert(name)
            } else {
                throw Failure(description: "unknown option \(argument)")
            }
        }
    }

    /// The last value given for `flag`, if any.
    public func value(_ flag: String) -> String? { values[flag]?.last }

    /// Every value given for a repeatable `flag`, in order.
    public func allValues(_ flag: String) -> [String] { values[flag] ?? [] }

    public func isSet(_ flag: String) -> Bool { switches.contains(flag) }
}
