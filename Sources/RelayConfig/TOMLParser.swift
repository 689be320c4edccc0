/// Parses the TOML subset the relay's configuration needs: `[tables]`, `[[arrays.of.tables]]`,
/// dotted and quoted keys, basic strings with escapes, literal strings, decimal integers, booleans,
/// (multi-line) lists and `#` comments. Everything else (floats, dates, inline tables, multi-line
/// strings) is refused with a message, never misread.
///
/// After a syntax error the parser skips the rest of the statement and goes on, so one run reports
/// every broken line.
public enum TOMLParser {
    public static func parse(_ text: String, file: String) -> Result<TOMLTable, ConfigErrors> {
        parse(bytes: Array(text.utf8), file: file)
    }

    public static func parse(bytes: [UInt8], file: String) -> Result<TOMLTable, ConfigErrors> {
        var parser = TOMLParserState(bytes: bytes, diagnostics: Diagnostics(file: file))
        parser.run()
        let errors = parser.diagnostics.sortedErrors
        return errors.isEmpty ? .success(parser.root.build()) : .failure(ConfigErrors(errors))
    }
}

/// A syntax error inside one statement; caught at statement level, which then skips ahead.
struct TOMLSyntaxError: Error {
    let line: Int
    let message: String
}

/// A table while it is being built (classes, so nested tables can be filled in place).
final class TableBuilder {
    enum Origin {
        /// Created because a longer header or dotted key passes through it.
        case implicit
        /// Opened by its own `[header]` or `[[header]]`.
        case header
        /// Created by a dotted key (`a.b = 1` creates table `a`).
        case dotted
    }

    enum Slot {
        case value(TOMLValue)
        case table(TableBuilder)
        case tableArray([TableBuilder], line: Int)
    }

    let line: Int
    var origin: Origin
    private(set) var keys: [String] = []
    private(set) var slots: [String: Slot] = [:]

    init(line: Int, origin: Origin) {
        self.line = line
        self.origin = origin
    }

    func set(_ key: String, _ slot: Slot) {
        if slots[key] == nil { keys.append(key) }
        slots[key] = slot
    }

    func build() -> TOMLTable {
        let entries = keys.map { key -> TOMLTable.Entry in
            switch slots[key]! {
            case .value(let value):
                return TOMLTable.Entry(key: key, value: value)
            case .table(let table):
                return TOMLTable.Entry(key: key, value: TOMLValue(.table(table.build()), line: table.line))
            case .tableArray(let tables, let line):
                let blocks = tables.map { TOMLValue(.table($0.build()), line: $0.line) }
                return TOMLTable.Entry(key: key, value: TOMLValue(.array(blocks), line: line))
            }
        }
        return TOMLTable(line: line, entries: entries)
    }
}

private enum Byte {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let apostrophe: UInt8 = 0x27
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B
    static let delete: UInt8 = 0x7F

    static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }
    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    static func isBareKey(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) || b == underscore || b == minus }
    /// Control characters TOML forbids in strings and comments (tab is allowed).
    static func isForbiddenControl(_ b: UInt8) -> Bool { (b < 0x20 && b != tab) || b == delete }
}

struct TOMLParserState {
    let bytes: [UInt8]
    let diagnostics: Diagnostics
    let root = TableBuilder(line: 0, origin: .header)
    private var current: TableBuilder
    private var index = 0
    private var line = 1
    /// Where the value of the key/value statement being parsed starts (for recovery after an error).
    private var valueStart: (index: Int, line: Int)?

    init(bytes: [UInt8], diagnostics: Diagnostics) {
        self.bytes = bytes
        self.diagnostics = diagnostics
        self.current = root
    }

    // MARK: statements

    mutating func run() {
        if let badLine = UTF8Check.firstInvalidLine(bytes) {
            diagnostics.add(
                .syntax, line: badLine, "the file is not valid UTF-8 here; save it as UTF-8 text")
            return
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipBlanks()
            guard let byte = peek() else { return }
            if atNewline() {
                consumeNewline()
                continue
            }
            if byte == Byte.carriageReturn {
                record(TOMLSyntaxError(line: line, message: "stray carriage return; use LF or CRLF line ends"))
                index += 1
                continue
            }
            valueStart = nil
            do throws(TOMLSyntaxError) {
                if byte == Byte.hash {
                    try skipComment()
                } else if byte == Byte.openBracket {
                    try parseHeader()
                    try expectLineEnd(after: "the [table] header")
                } else {
                    try parseKeyValue()
                    try expectLineEnd(after: "the value")
                }
            } catch {
                record(error)
                recover()
            }
        }
    }

    private func record(_ error: TOMLSyntaxError) {
        diagnostics.add(.syntax, line: error.line, error.message)
    }

    /// Skips the rest of a broken statement: to the end of its line, or past a list that spans lines.
    private mutating func recover() {
        if let start = valueStart {
            index = start.index
            line = start.line
            var depth = 0
            while let byte = peek() {
                if byte == Byte.newline {
                    if depth <= 0 { break }
                    line += 1
                    index += 1
                } else if byte == Byte.quote || byte == Byte.apostrophe {
                    index += 1
                    while let inner = peek(), inner != byte, inner != Byte.newline {
                        let escapes = inner == Byte.backslash && byte == Byte.quote && peek(offset: 1) != Byte.newline
                        index += escapes ? 2 : 1
                    }
                    if peek() == byte { index += 1 }
                } else if byte == Byte.hash {
                    while let inner = peek(), inner != Byte.newline { index += 1 }
                } else {
                    if byte == Byte.openBracket { depth += 1 }
                    if byte == Byte.closeBracket { depth -= 1 }
                    index += 1
                }
            }
        }
        while let byte = peek(), byte != Byte.newline { index += 1 }
    }

    private mutating func parseHeader() throws(TOMLSyntaxError) {
        let headerLine = line
        index += 1
        let isArray = peek() == Byte.openBracket
        if isArray { index += 1 }
        skipBlanks()
        if peek() == Byte.closeBracket {
            throw TOMLSyntaxError(line: line, message: "empty table name; write [name] or [[name]]")
        }
        let path = try parseDottedKey()
        skipBlanks()
        let closing = isArray ? "]]" : "]"
        guard peek() == Byte.closeBracket, !isArray || peek(offset: 1) == Byte.closeBracket else {
            throw TOMLSyntaxError(
                line: line,
                message: "table header \(isArray ? "[[" : "[")\(display(path)) is not closed; add \(closing)")
        }
        index += isArray ? 2 : 1
        current = try isArray ? appendTableArray(path, line: headerLine) : defineTable(path, line: headerLine)
    }

    private mutating func parseKeyValue() throws(TOMLSyntaxError) {
        let keyLine = line
        let path = try parseDottedKey()
        skipBlanks()
        guard peek() == Byte.equals else {
            if peek() == nil || atNewline() || peek() == Byte.hash {
                throw TOMLSyntaxError(
                    line: line, message: "key '\(display(path))' has no value; write \(display(path)) = VALUE")
            }
            throw TOMLSyntaxError(
                line: line, message: "expected '=' after key '\(display(path))'; write \(display(path)) = VALUE")
        }
        index += 1
        skipBlanks()
        valueStart = (index, line)
        let value = try parseValue(line: keyLine)
        try assign(path, value)
    }

    private mutating func expectLineEnd(after what: String) throws(TOMLSyntaxError) {
        skipBlanks()
        if peek() == Byte.hash { try skipComment() }
        guard let byte = peek(), !atNewline() else { return }
        if byte == Byte.carriageReturn {
            throw TOMLSyntaxError(line: line, message: "stray carriage return; use LF or CRLF line ends")
        }
        throw TOMLSyntaxError(
            line: line,
            message: "unexpected '\(character(at: index))' after \(what); put one key = value or [table] per line"
                + (byte == Byte.comma ? " (lists are written [a, b])" : ""))
    }

    private mutating func skipComment() throws(TOMLSyntaxError) {
        index += 1
        while let byte = peek(), byte != Byte.newline {
            if byte == Byte.carriageReturn && peek(offset: 1) == Byte.newline { return }
            if Byte.isForbiddenControl(byte) {
                throw TOMLSyntaxError(
                    line: line, message: "control character \(hexCode(byte)) in a comment; remove it")
            }
            index += 1
        }
    }

    // MARK: tables

    /// Walks (and creates) the tables along `path` except the last component.
    private func walk(_ path: [String], from start: TableBuilder, creating origin: TableBuilder.Origin, line: Int)
        throws(TOMLSyntaxError) -> TableBuilder
    {
        var table = start
        for (depth, key) in path.dropLast().enumerated() {
            switch table.slots[key] {
            case nil:
                let created = TableBuilder(line: line, origin: origin)
                table.set(key, .table(created))
                table = created
            case .table(let next):
                if origin == .dotted && next.origin == .header {
                    throw TOMLSyntaxError(
                        line: line,
                        message: "'\(display(Array(path.prefix(depth + 1))))' is a table with its own header "
                            + "at line \(next.line); put the key there instead")
                }
                table = next
            case .tableArray(let blocks, _):
                if origin == .dotted {
                    throw TOMLSyntaxError(
                        line: line,
                        message: "'\(display(Array(path.prefix(depth + 1))))' is a list of [[tables]]; "
                            + "a dotted key cannot extend it")
                }
                table = blocks[blocks.count - 1]
            case .value(let value):
                throw TOMLSyntaxError(
                    line: line,
                    message: "'\(display(Array(path.prefix(depth + 1))))' is already set to a value at line "
                        + "\(value.line), so it cannot hold a table")
            }
        }
        return table
    }

    private func defineTable(_ path: [String], line: Int) throws(TOMLSyntaxError) -> TableBuilder {
        let parent = try walk(path, from: root, creating: .implicit, line: line)
        let key = path[path.count - 1]
        switch parent.slots[key] {
        case nil:
            let table = TableBuilder(line: line, origin: .header)
            parent.set(key, .table(table))
            return table
        case .table(let table):
            guard table.origin == .implicit else {
                throw TOMLSyntaxError(
                    line: line,
                    message: "table [\(display(path))] is already defined at line \(table.line); "
                        + "merge the two into one")
            }
            table.origin = .header
            return table
        case .tableArray(_, let first):
            throw TOMLSyntaxError(
                line: line,
                message: "[\(display(path))] is a list of [[\(display(path))]] blocks (first at line \(first)); "
                    + "write [[\(display(path))]]")
        case .value(let value):
            throw TOMLSyntaxError(
                line: line,
                message: "'\(display(path))' is already set to a value at line \(value.line); "
                    + "it cannot also be a [table]")
        }
    }

    private func appendTableArray(_ path: [String], line: Int) throws(TOMLSyntaxError) -> TableBuilder {
        let parent = try walk(path, from: root, creating: .implicit, line: line)
        let key = path[path.count - 1]
        let block = TableBuilder(line: line, origin: .header)
        switch parent.slots[key] {
        case nil:
            parent.set(key, .tableArray([block], line: line))
        case .tableArray(let blocks, let first):
            parent.set(key, .tableArray(blocks + [block], line: first))
        case .table(let table):
            throw TOMLSyntaxError(
                line: line,
                message: "[\(display(path))] is already a single table (line \(table.line)); "
                    + "it cannot also be a list of [[\(display(path))]] blocks")
        case .value(let value):
            throw TOMLSyntaxError(
                line: line,
                message: "'\(display(path))' is already set to a value at line \(value.line); "
                    + "it cannot also be a list of [[\(display(path))]] blocks")
        }
        return block
    }

    private func assign(_ path: [String], _ value: TOMLValue) throws(TOMLSyntaxError) {
        let table = try walk(path, from: current, creating: .dotted, line: value.line)
        let key = path[path.count - 1]
        if let existing = table.slots[key] {
            let firstLine: Int
            switch existing {
            case .value(let old): firstLine = old.line
            case .table(let old): firstLine = old.line
            case .tableArray(_, let old): firstLine = old
            }
            throw TOMLSyntaxError(
                line: value.line,
                message: "duplicate key '\(display(path))' (first set at line \(firstLine)); keep only one")
        }
        table.set(key, .value(value))
    }

    // MARK: keys

    private mutating func parseDottedKey() throws(TOMLSyntaxError) -> [String] {
        var path: [String] = []
        while true {
            skipBlanks()
            path.append(try parseSimpleKey())
            skipBlanks()
            guard peek() == Byte.dot else { return path }
            index += 1
        }
    }

    private mutating func parseSimpleKey() throws(TOMLSyntaxError) -> String {
        guard let byte = peek() else {
            throw TOMLSyntaxError(line: line, message: "expected a key name at the end of the file")
        }
        if byte == Byte.quote { return try parseBasicString() }
        if byte == Byte.apostrophe { return try parseLiteralString() }
        let start = index
        while let b = peek(), Byte.isBareKey(b) { index += 1 }
        guard index > start else {
            if byte == Byte.equals {
                throw TOMLSyntaxError(line: line, message: "missing key name before '='")
            }
            throw TOMLSyntaxError(
                line: line,
                message: "unexpected '\(character(at: index))' where a key name belongs; "
                    + "bare keys use A-Z a-z 0-9 _ -, other names go in quotes")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    // MARK: values

    private mutating func parseValue(line valueLine: Int) throws(TOMLSyntaxError) -> TOMLValue {
        guard let byte = peek(), !atNewline(), byte != Byte.hash else {
            throw TOMLSyntaxError(line: line, message: "missing value after '='")
        }
        switch byte {
        case Byte.quote:
            if peek(offset: 1) == Byte.quote && peek(offset: 2) == Byte.quote {
                throw TOMLSyntaxError(
                    line: line, message: "multi-line strings (\"\"\") are not supported; write the string on one line")
            }
            return TOMLValue(.string(try parseBasicString()), line: valueLine)
        case Byte.apostrophe:
            if peek(offset: 1) == Byte.apostrophe && peek(offset: 2) == Byte.apostrophe {
                throw TOMLSyntaxError(
                    line: line, message: "multi-line strings (''') are not supported; write the string on one line")
            }
            return TOMLValue(.string(try parseLiteralString()), line: valueLine)
        case Byte.openBracket:
            return try parseArray(line: valueLine)
        case Byte.openBrace:
            throw TOMLSyntaxError(
                line: line, message: "inline tables ({ … }) are not supported; use a [table] section instead")
        default:
            if Byte.isDigit(byte) || byte == Byte.plus || byte == Byte.minus {
                return TOMLValue(.integer(try parseInteger()), line: valueLine)
            }
            let start = index
            while let b = peek(), Byte.isBareKey(b) || b == Byte.dot || b == Byte.colon || b >= 0x80 { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self)
            if word == "true" { return TOMLValue(.boolean(true), line: valueLine) }
            if word == "false" { return TOMLValue(.boolean(false), line: valueLine) }
            if word == "inf" || word == "nan" {
                throw TOMLSyntaxError(line: line, message: "floating-point values are not supported; write an integer")
            }
            if word.isEmpty {
                throw TOMLSyntaxError(
                    line: line,
                    message: "unexpected '\(character(at: index))' where a value belongs; "
                        + "write a \"string\", an integer, true/false or a [list]")
            }
            throw TOMLSyntaxError(
                line: line,
                message: "'\(word)' is not a value: strings go in quotes (\"\(word)\"), "
                    + "yes/no settings take true or false")
        }
    }

    private mutating func parseArray(line valueLine: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let openLine = line
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipListTrivia()
            guard let byte = peek() else {
                throw TOMLSyntaxError(line: line, message: "the list opened at line \(openLine) is not closed; add ]")
            }
            if byte == Byte.closeBracket {
                index += 1
                return TOMLValue(.array(elements), line: valueLine)
            }
            if byte == Byte.comma {
                throw TOMLSyntaxError(
                    line: line, message: "missing value before ',' in the list opened at line \(openLine)")
            }
            elements.append(try parseValue(line: line))
            try skipListTrivia()
            if peek() == Byte.comma {
                index += 1
                continue
            }
            if peek() == Byte.closeBracket {
                index += 1
                return TOMLValue(.array(elements), line: valueLine)
            }
            throw TOMLSyntaxError(
                line: line,
                message: peek() == nil
                    ? "the list opened at line \(openLine) is not closed; add ]"
                    : "expected ',' or ']' in the list opened at line \(openLine)")
        }
    }

    /// Blanks, newlines and comments between list elements.
    private mutating func skipListTrivia() throws(TOMLSyntaxError) {
        while true {
            skipBlanks()
            if atNewline() {
                consumeNewline()
            } else if peek() == Byte.hash {
                try skipComment()
            } else {
                return
            }
        }
    }

    private mutating func parseInteger() throws(TOMLSyntaxError) -> Int64 {
        let start = index
        while let b = peek(), Byte.isBareKey(b) || b == Byte.plus || b == Byte.dot || b == Byte.colon { index += 1 }
        let token = Array(bytes[start..<index])
        let text = String(decoding: token, as: UTF8.self)
        var digits = token[...]
        var negative = false
        if let sign = digits.first, sign == Byte.plus || sign == Byte.minus {
            negative = sign == Byte.minus
            digits = digits.dropFirst()
        }
        let lowered = text.lowercased()
        if lowered.hasPrefix("0x") || lowered.hasPrefix("0o") || lowered.hasPrefix("0b") {
            throw TOMLSyntaxError(
                line: line, message: "'\(text)': only decimal integers are supported; write it in decimal")
        }
        let isExponent: (UInt8) -> Bool = { $0 == 0x65 || $0 == 0x45 }
        if digits.contains(Byte.dot) || lowered.hasSuffix("inf") || lowered.hasSuffix("nan")
            || (digits.contains(where: isExponent)
                && digits.allSatisfy { Byte.isDigit($0) || isExponent($0) || $0 == Byte.minus || $0 == Byte.plus })
        {
            throw TOMLSyntaxError(
                line: line, message: "'\(text)': fractional numbers are not supported; write an integer")
        }
        if token.contains(Byte.colon) || digits.dropFirst().contains(Byte.minus) {
            throw TOMLSyntaxError(line: line, message: "'\(text)': dates and times are not supported")
        }
        guard let first = digits.first, Byte.isDigit(first),
            digits.allSatisfy({ Byte.isDigit($0) || $0 == Byte.underscore })
        else {
            throw TOMLSyntaxError(
                line: line,
                message: "'\(text)' is not a number; durations and sizes are strings (write \"\(text)\")")
        }
        // Element-wise, not String.contains(String): that one links _StringProcessing (about 1 MB).
        let doubled = zip(digits, digits.dropFirst()).contains { $0 == Byte.underscore && $1 == Byte.underscore }
        if digits.last == Byte.underscore || doubled {
            throw TOMLSyntaxError(
                line: line, message: "'\(text)': an underscore in a number must sit between two digits")
        }
        if first == Byte.zero && digits.count > 1 {
            throw TOMLSyntaxError(line: line, message: "'\(text)': leading zeros are not allowed")
        }
        var value: Int64 = 0
        for digit in digits where digit != Byte.underscore {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit - Byte.zero))
                : shifted.addingReportingOverflow(Int64(digit - Byte.zero))
            if overflow1 || overflow2 {
                throw TOMLSyntaxError(line: line, message: "'\(text)' does not fit in a 64-bit integer")
            }
            value = next
        }
        return value
    }

    private mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), byte != Byte.newline else {
                throw TOMLSyntaxError(line: line, message: "unterminated string; close it with \" on the same line")
            }
            index += 1
            if byte == Byte.quote { return String(decoding: out, as: UTF8.self) }
            if byte == Byte.backslash {
                try parseEscape(into: &out)
            } else if Byte.isForbiddenControl(byte) {
                throw TOMLSyntaxError(
                    line: line,
                    message: "control character \(hexCode(byte)) in a string; write it as an escape (\\n, \\t, \\u00XX)"
                )
            } else {
                out.append(byte)
            }
        }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(TOMLSyntaxError) {
        guard let byte = peek(), byte != Byte.newline else {
            throw TOMLSyntaxError(line: line, message: "unterminated string; close it with \" on the same line")
        }
        index += 1
        switch byte {
        case 0x62: out.append(0x08)  // \b
        case 0x74: out.append(Byte.tab)  // \t
        case 0x6E: out.append(Byte.newline)  // \n
        case 0x66: out.append(0x0C)  // \f
        case 0x72: out.append(Byte.carriageReturn)  // \r
        case Byte.quote: out.append(Byte.quote)
        case Byte.backslash: out.append(Byte.backslash)
        case 0x75, 0x55:  // \uXXXX, \UXXXXXXXX
            let count = byte == 0x75 ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let digit = peek().flatMap(hexValue) else {
                    throw TOMLSyntaxError(
                        line: line,
                        message: "\\\(byte == 0x75 ? "u" : "U") needs exactly \(count) hex digits (e.g. \\u00E9)")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw TOMLSyntaxError(
                    line: line, message: "escape for code point \(value) is not a Unicode scalar value")
            }
            UTF8.encode(scalar) { out.append($0) }
        default:
            throw TOMLSyntaxError(
                line: line,
                message: "unknown escape '\\\(character(at: index - 1))'; write \\\\ for a backslash "
                    + "or use a 'literal string'")
        }
    }

    private mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = peek(), byte != Byte.newline else {
                throw TOMLSyntaxError(line: line, message: "unterminated string; close it with ' on the same line")
            }
            if byte == Byte.apostrophe { break }
            if Byte.isForbiddenControl(byte) {
                throw TOMLSyntaxError(
                    line: line, message: "control character \(hexCode(byte)) in a string; remove it")
            }
            index += 1
        }
        defer { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    // MARK: bytes

    private func peek(offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func atNewline() -> Bool {
        peek() == Byte.newline || (peek() == Byte.carriageReturn && peek(offset: 1) == Byte.newline)
    }

    private mutating func consumeNewline() {
        index += peek() == Byte.carriageReturn ? 2 : 1
        line += 1
    }

    private mutating func skipBlanks() {
        while let byte = peek(), byte == Byte.space || byte == Byte.tab { index += 1 }
    }

    private func character(at position: Int) -> String {
        guard position < bytes.count else { return "end of file" }
        let byte = bytes[position]
        if byte < 0x20 || byte == Byte.delete { return hexCode(byte) }
        var end = position + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private func hexCode(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "U+00" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    private func display(_ path: [String]) -> String {
        path.map { key in
            !key.isEmpty && key.utf8.allSatisfy(Byte.isBareKey) ? key : "\"\(key)\""
        }.joined(separator: ".")
    }
}

/// Finds the first line holding bytes that are not well-formed UTF-8.
enum UTF8Check {
    static func firstInvalidLine(_ bytes: [UInt8]) -> Int? {
        var line = 1
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead == 0x0A { line += 1 }
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            let minimum: UInt32
            switch lead {
            case 0xC2...0xDF: (length, minimum) = (2, 0x80)
            case 0xE0...0xEF: (length, minimum) = (3, 0x800)
            case 0xF0...0xF4: (length, minimum) = (4, 0x10000)
            default: return line
            }
            guard index + length <= bytes.count else { return line }
            var scalar = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return line }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return line }
            index += length
        }
        return nil
    }
}
