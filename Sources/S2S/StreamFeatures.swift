import XMPPStream

/// `<stream:features/>` the receiving side offers.
enum StreamFeatures {
    static func features(_ children: [Element]) -> Element {
        Element("features", namespace: XMPPNamespace.streams, children: children.map { .element($0) })
    }

    static var startTLSRequired: Element {
        Element(
            "starttls", namespace: XMPPNamespace.tls,
            children: [
                .element(Element("required", namespace: XMPPNamespace.tls))
            ])
    }

    static var saslExternal: Element {
        Element(
            "mechanisms", namespace: XMPPNamespace.sasl,
            children: [
                .element(Element("mechanism", namespace: XMPPNamespace.sasl, children: [.text("EXTERNAL")]))
            ])
    }

    static var streamManagement: Element { Element("sm", namespace: S2SNamespace.streamManagement) }
    static var bidi: Element { Element("bidi", namespace: S2SNamespace.bidiFeature) }

    static func saslFailure(_ condition: String) -> Element {
        Element(
            "failure", namespace: XMPPNamespace.sasl,
            children: [
                .element(Element(condition, namespace: XMPPNamespace.sasl))
            ])
    }
}
