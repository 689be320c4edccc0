import XMPPStream

/// Stanza errors the relay sends back to a sender (RFC 6120 §8.3): the original with `to` and
/// `from` swapped, `type='error'` and an `<error/>` naming the condition. Error stanzas are never
/// answered (no loops).
enum StanzaBounce {
    enum Condition: String {
        case remoteServerNotFound = "remote-server-not-found"
        case remoteServerTimeout = "remote-server-timeout"
        case serviceUnavailable = "service-unavailable"
        case notAllowed = "not-allowed"
        /// The queue is full or the store failed (RFC 6120 §8.3.3.18): try later.
        case resourceConstraint = "resource-constraint"

        /// RFC 6120 §8.3.3: the error type each condition comes with.
        var type: String {
            switch self {
            case .remoteServerNotFound, .serviceUnavailable, .notAllowed: "cancel"
            case .remoteServerTimeout, .resourceConstraint: "wait"
            }
        }
    }

    /// The error reply to `stanza`, or nil when it must not be answered (it is an error itself or
    /// lacks the addresses a reply needs).
    static func reply(to stanza: Element, _ condition: Condition, text: String? = nil) -> Element? {
        guard stanza[attribute: "type"] != "error", let from = stanza[attribute: "from"],
            let to = stanza[attribute: "to"]
        else { return nil }
        // An iq result needs no answer either: its sender is not waiting for one.
        if stanza.name == "iq" && stanza[attribute: "type"] == "result" { return nil }
        var attributes: [Attribute] = [Attribute("from", to), Attribute("to", from), Attribute("type", "error")]
        if let id = stanza[attribute: "id"] { attributes.append(Attribute("id", id)) }
        var error = Element(
            "error", namespace: stanza.namespace, attributes: [Attribute("type", condition.type)],
            children: [.element(Element(condition.rawValue, namespace: XMPPNamespace.stanzaErrors))])
        if let text {
            error.append(
                Element(
                    "text", namespace: XMPPNamespace.stanzaErrors, children: [.text(text)]))
        }
        // The original payload goes back too (RFC 6120 §8.3.1 allows it; clients like to see what failed).
        var children = stanza.children.filter {
            if case .element(let child) = $0 { return child.name != "error" }
            return false
        }
        children.append(.element(error))
        return Element(stanza.name, namespace: stanza.namespace, attributes: attributes, children: children)
    }
}
