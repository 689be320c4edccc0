import XMPPStream

/// Recognising stanzas and checking their addresses (RFC 6120 §4.9.3 and §8.1).
enum StanzaRules {
    static func isStanza(_ element: Element, contentNamespace: String) -> Bool {
        element.namespace == contentNamespace
            && (element.name == "message" || element.name == "presence" || element.name == "iq")
    }

    static func isStreamError(_ element: Element) -> Bool {
        element.name == "error" && element.namespace == XMPPNamespace.streams
    }

    /// `improper-addressing` when `to` or `from` is missing or `to` malformed; `invalid-from` when
    /// `from` is malformed.
    static func addresses(of stanza: Element) throws(StreamError) -> (from: JID, to: JID) {
        let to = try JID.recipient(stanza[attribute: "to"])
        let from = try JID.sender(stanza[attribute: "from"])
        return (from, to)
    }

    /// The condition and text of a `<stream:error/>` the peer sent, for the log.
    static func describePeerError(_ element: Element) -> String {
        let condition =
            element.elements.first { $0.namespace == XMPPNamespace.streamErrors && $0.name != "text" }?.name
            ?? "unknown condition"
        let text = element.firstChild(named: "text", namespace: XMPPNamespace.streamErrors)?.text ?? ""
        return text.isEmpty ? condition : "\(condition): \(text)"
    }

    /// The close that follows a stream error we raise.
    static func failing(_ error: StreamError) -> [Action] {
        [.sendStreamError(error), .sendClose, .close(reason: error.description)]
    }
}
