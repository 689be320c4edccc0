/// RFC 6120 §4.7.5: a stream header's `version` is "major.minor", each part an integer compared as a
/// number (leading zeros ignored, "1.10" is newer than "1.9"). We speak 1.0: any 1.x peer is answered
/// with 1.0 (the lower of the two) and the stream goes on; a newer major version is
/// `unsupported-version` (§4.9.3.25); no version or 0.x means a pre-1.0 peer that cannot STARTTLS.
enum StreamVersion: Equatable {
    /// 1.x: speak 1.0.
    case supported
    /// Major version above 1.
    case newer(String)
    /// Missing, 0.x or not "digits.digits".
    case older(String?)

    init(_ text: String?) {
        guard let text, let dot = text.firstIndex(of: "."),
            let major = StreamVersion.number(text[..<dot]), StreamVersion.number(text[text.index(after: dot)...]) != nil
        else {
            self = .older(text)
            return
        }
        if major == 1 {
            self = .supported
        } else if major > 1 {
            self = .newer(text)
        } else {
            self = .older(text)
        }
    }

    /// A non-negative decimal without sign; huge numbers count as "large" rather than failing.
    private static func number(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let significant = digits.drop { $0 == "0" }
        return significant.count > 9 ? Int.max : Int(significant.isEmpty ? "0" : significant)
    }
}
