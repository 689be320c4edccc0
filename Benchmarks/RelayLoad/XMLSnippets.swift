/// The little XML reading the sinks do during stream setup, on text rather than a parser: they
/// only wait for known answers from the relay.
enum XMLSnippets {
    /// The opening tag `<stream:stream …>` once it has arrived whole.
    static func streamHeader(in text: String) -> Substring? {
        openingTag("<stream:stream", in: text)
    }

    /// The first opening (or empty) tag starting with `prefix` (e.g. "<db:verify"), once whole.
    static func openingTag(_ prefix: String, in text: String) -> Substring? {
        guard let start = text.firstRange(of: prefix), let end = text[start.upperBound...].firstIndex(of: ">")
        else { return nil }
        return text[start.lowerBound...end]
    }

    /// An attribute's value in a tag, quoted either way.
    static func attribute(_ name: String, in tag: Substring) -> String? {
        for quote in ["'", "\""] {
            if let start = tag.firstRange(of: " \(name)=\(quote)") {
                let value = tag[start.upperBound...]
                if let close = value.firstIndex(of: Character(quote)) { return String(value[..<close]) }
            }
        }
        return nil
    }
}
