#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Parsers for the scalar notations the configuration uses: domains, durations, sizes, paths.
/// Each returns the value or a sentence saying what is wrong and how to write it.
struct ScalarProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

enum DomainName {
    /// Lower-cases and checks an ASCII domain name (internationalized names in their xn-- form).
    static func normalize(_ text: String) -> Result<String, ScalarProblem> {
        if text.isEmpty { return .failure(ScalarProblem("the domain is empty")) }
        if text.hasSuffix(".") {
            return .failure(ScalarProblem("remove the trailing dot from '\(text)'"))
        }
        if text.contains("@") || text.contains("/") {
            return .failure(ScalarProblem("'\(text)' is a JID, not a domain; write only the domain part"))
        }
        if !text.unicodeScalars.allSatisfy(\.isASCII) {
            return .failure(ScalarProblem("write the internationalized domain '\(text)' in its ASCII xn-- form"))
        }
        let lowered = text.lowercased()
        if lowered.utf8.count > 253 { return .failure(ScalarProblem("'\(text)' is longer than 253 characters")) }
        for label in lowered.split(separator: ".", omittingEmptySubsequences: false) {
            let valid =
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            if !valid {
                return .failure(
                    ScalarProblem(
                        "'\(text)' is not a valid domain name (labels of 1-63 letters, digits and inner hyphens, "
                            + "separated by dots)"))
            }
        }
        return .success(lowered)
    }
}

enum DurationNotation {
    /// `"500ms"`, `"30s"`, `"15m"`, `"2h"`, `"3d"`.
    static func parse(_ text: String) -> Result<Duration, ScalarProblem> {
        let problem = ScalarProblem(
            "'\(text)' is not a duration; write a whole number and a unit: ms, s, m, h or d (e.g. \"30s\", \"3d\")")
        if text.hasSuffix("ms") {
            let digits = text.dropLast(2)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(digits),
                value <= Int64.max / 1_000_000
            else { return .failure(problem) }
            return .success(.milliseconds(value))
        }
        guard let unit = text.last, let seconds = multiplier(unit) else { return .failure(problem) }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int64(digits), value <= Int64.max / seconds
        else { return .failure(problem) }
        return .success(.seconds(value * seconds))
    }

    private static func multiplier(_ unit: Character) -> Int64? {
        switch unit {
        case "s": 1
        case "m": 60
        case "h": 3600
        case "d": 86400
        default: nil
        }
    }

    /// The shortest exact notation, e.g. `3d`, `90s`.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds != 0 { return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms" }
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60)] where seconds != 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}

enum SizeNotation {
    /// A byte count: an integer, or a string with k, M or G (powers of 1024): `"256k"`, `"64M"`.
    static func parse(_ text: String) -> Result<Int, ScalarProblem> {
        let problem = ScalarProblem(
            "'\(text)' is not a size; write bytes as an integer, or a whole number with k, M or G "
                + "(e.g. \"256k\", \"64M\")")
        guard let last = text.last else { return .failure(problem) }
        var digits = Substring(text)
        var multiplier = 1
        switch last {
        case "k", "K": multiplier = 1024
        case "M": multiplier = 1024 * 1024
        case "G": multiplier = 1024 * 1024 * 1024
        default: break
        }
        if multiplier > 1 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(digits),
            value <= Int.max / multiplier
        else { return .failure(problem) }
        return .success(value * multiplier)
    }

    /// The shortest exact notation, e.g. `64M`.
    static func format(_ bytes: Int) -> String {
        for (unit, size) in [("G", 1 << 30), ("M", 1 << 20), ("k", 1 << 10)] where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)"
    }
}

public enum PathNotation {
    /// Resolves a path from the configuration: absolute paths stay, relative ones are taken from the
    /// directory of the configuration file (so a config and its keys can move together).
    static func resolve(_ path: String, relativeTo configFile: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = configFile.lastIndex(of: "/") else { return path }
        let directory = configFile[..<slash]
        return directory.isEmpty ? "/" + path : directory + "/" + path
    }

    /// The directory part of `path` ("." when it has none, "/" for a file in the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` made absolute against the working directory ("./" and "." dropped), so paths read
    /// from a configuration named relatively (`check-config relay.toml`) stay right whatever the
    /// process does later, and keygen can print paths that work from any directory.
    public static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory = workingDirectory() else { return path }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        if relative == "." || relative.isEmpty { return directory }
        return (directory == "/" ? "" : directory) + "/" + relative
    }

    private static func workingDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(truncatingIfNeeded: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
