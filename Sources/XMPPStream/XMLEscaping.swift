/// Byte-level writers for the serializer: escaping, name checks, literal appends.
enum XMLEscaping {
    /// Appends `string` escaped for character data (`inAttribute == false`) or a quoted attribute value.
    /// Escapes `& < > " '` everywhere, CR always (the parser would turn it into LF) and TAB/LF in
    /// attributes (the parser would normalize them to spaces). Returns false, leaving `output` with a
    /// partial write, when `string` holds a character XML 1.0 cannot carry at all.
    @inline(__always)
    static func appendEscaped(_ string: String, inAttribute: Bool, to output: inout [UInt8]) -> Bool {
        if let result = string.utf8.withContiguousStorageIfAvailable({
            appendEscaped($0, inAttribute: inAttribute, to: &output)
        }) {
            return result
        }
        let bytes = Array(string.utf8)
        return bytes.withUnsafeBufferPointer { appendEscaped($0, inAttribute: inAttribute, to: &output) }
    }

    static func appendEscaped(
        _ bytes: UnsafeBufferPointer<UInt8>, inAttribute: Bool, to output: inout [UInt8]
    ) -> Bool {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            // Fast path: nothing above '>' needs escaping except the lead byte of U+FFFE/U+FFFF.
            if byte > 0x3E && byte != 0xEF {
                index += 1
                continue
            }
            let replacement: StaticString
            switch byte {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&apos;"
            case 0x0D: replacement = "&#13;"
            case 0x0A:
                guard inAttribute else {
                    index += 1
                    continue
                }
                replacement = "&#10;"
            case 0x09:
                guard inAttribute else {
                    index += 1
                    continue
                }
                replacement = "&#9;"
            case 0xEF:
                // U+FFFE and U+FFFF are not XML characters.
                if index + 2 < count && bytes[index + 1] == 0xBF && bytes[index + 2] >= 0xBE { return false }
                index += 1
                continue
            default:
                if byte < 0x20 { return false }
                index += 1
                continue
            }
            if runStart < index {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            append(replacement, to: &output)
            index += 1
            runStart = index
        }
        if runStart < count {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
        return true
    }

    @inline(__always)
    static func append(_ literal: StaticString, to output: inout [UInt8]) {
        literal.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// Appends a name checked as an ASCII NCName (no colon). Non-ASCII names are refused: Expat
    /// accepts only the XML 1.0 4th-edition name characters, so a conservative writer stays safe.
    @inline(__always)
    static func appendName(_ name: String, to output: inout [UInt8]) -> Bool {
        if let result = name.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            guard isNCName(bytes) else { return false }
            output.append(contentsOf: bytes)
            return true
        }) {
            return result
        }
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            guard isNCName(buffer) else { return false }
            output.append(contentsOf: buffer)
            return true
        }
    }

    static func isNCName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, isNameStart(first) else { return false }
        for byte in bytes.dropFirst() where !isNameStart(byte) {
            let isOther =
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".")
            if !isOther { return false }
        }
        return true
    }

    @inline(__always)
    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }
}
