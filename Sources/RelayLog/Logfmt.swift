/// logfmt encoding: `key=value` pairs separated by spaces, one event per line.
/// A value is quoted when it is empty or holds a space, `=`, `"` or any control character;
/// inside quotes `\` and `"` are escaped and control characters are written as escapes,
/// so no value can ever break an event over two lines.
public enum Logfmt {
    public static func encode(value: String) -> String {
        var needsQuotes = value.isEmpty
        for scalar in value.unicodeScalars {
            if scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\" || isControl(scalar) {
                needsQuotes = true
                break
            }
        }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isControl(scalar) {
                    out += "\\u" + hex4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// Keys are fixed identifiers in the code; anything outside `[a-z0-9_.-]` is replaced by `_`.
    public static func encode(key: String) -> String {
        var out = ""
        for scalar in key.unicodeScalars {
            let ok =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "." || scalar == "-"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out.isEmpty ? "_" : out
    }

    public static func line(
        timestamp: String, level: LogLevel, event: String, fields: [(String, String)]
    ) -> String {
        var out = "ts=" + timestamp + " level=" + level.name + " event=" + encode(key: event)
        for (key, value) in fields {
            out += " " + encode(key: key) + "=" + encode(value: value)
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        // C0, DEL, C1, and the Unicode line/paragraph separators some viewers break lines on.
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || scalar.value == 0x2028
            || scalar.value == 0x2029
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(digits[Int((value >> UInt32(shift)) & 0xF)])
        }
        return out
    }
}
