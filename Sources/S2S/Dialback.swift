import XMPPStream

/// XEP-0220 dialback elements (`db:` = jabber:server:dialback).
enum Dialback {
    static func isResult(_ element: Element) -> Bool {
        element.name == "result" && element.namespace == XMPPNamespace.dialback
    }

    static func isVerify(_ element: Element) -> Bool {
        element.name == "verify" && element.namespace == XMPPNamespace.dialback
    }

    /// The stream feature we offer: dialback with error support (XEP-0220 §2.4.2).
    static var feature: Element {
        Element(
            "dialback", namespace: S2SNamespace.dialbackFeature,
            children: [
                .element(Element("errors", namespace: S2SNamespace.dialbackFeature))
            ])
    }

    static func offered(in features: Element, header: StreamHeader?) -> Bool {
        features.firstChild(named: "dialback", namespace: S2SNamespace.dialbackFeature) != nil
            || header?.declaresDialback == true
    }

    private static func element(_ name: String, _ attributes: [(String, String)], text: String = "") -> Element {
        var element = Element(
            name, namespace: XMPPNamespace.dialback, attributes: attributes.map { Attribute($0.0, $0.1) })
        element.append(text: text)
        return element
    }

    /// Originating server → receiving server: `<db:result from to>KEY</db:result>`.
    static func result(pair: DomainPair, key: String) -> Element {
        element("result", [("from", pair.local.value), ("to", pair.remote.value)], text: key)
    }

    /// Receiving server → originating server: the verdict. `pair.local` is the receiving domain.
    static func resultReply(pair: DomainPair, valid: Bool) -> Element {
        element(
            "result", [("from", pair.local.value), ("to", pair.remote.value), ("type", valid ? "valid" : "invalid")])
    }

    /// `<db:result|verify type='error'>` with a stanza error condition (XEP-0220 §2.4).
    static func error(
        _ name: String, from: String, to: String, id: String? = nil, condition: String, type: String = "cancel"
    ) -> Element {
        var attributes = [("from", from), ("to", to)]
        if let id { attributes.append(("id", id)) }
        attributes.append(("type", "error"))
        var reply = element(name, attributes)
        // Unprefixed inside <db:result/>, so in the stream's default namespace (XEP-0220 §2.4 examples).
        reply.append(
            Element(
                "error", namespace: XMPPNamespace.server, attributes: [Attribute("type", type)],
                children: [
                    .element(Element(condition, namespace: XMPPNamespace.stanzaErrors))
                ]))
        return reply
    }

    /// Receiving server → authoritative server: `<db:verify from=receiving to=originating id>KEY</db:verify>`.
    static func verify(_ request: DialbackVerification) -> Element {
        element(
            "verify",
            [("from", request.receiving.value), ("to", request.originating.value), ("id", request.streamID)],
            text: request.key)
    }

    /// Authoritative server → receiving server.
    static func verifyReply(_ request: DialbackVerification, valid: Bool) -> Element {
        element(
            "verify",
            [
                ("from", request.originating.value), ("to", request.receiving.value), ("id", request.streamID),
                ("type", valid ? "valid" : "invalid"),
            ])
    }
}
