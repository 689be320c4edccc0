/// The attributes and namespace declarations of a `<stream:stream>` open tag.
public struct StreamHeader: Hashable, Sendable {
    public var to: String?
    public var from: String?
    public var id: String?
    public var version: String?
    /// `xml:lang`.
    public var language: String?
    /// The default namespace of the stream's content: `jabber:server` (s2s) or `jabber:component:accept`.
    public var contentNamespace: String
    /// Every declaration on the open tag, in order, the default namespace included (prefix "").
    public var namespaceDeclarations: [NamespaceDeclaration]

    public init(
        contentNamespace: String, to: String? = nil, from: String? = nil, id: String? = nil,
        version: String? = nil, language: String? = nil, namespaceDeclarations: [NamespaceDeclaration]? = nil
    ) {
        self.contentNamespace = contentNamespace
        self.to = to
        self.from = from
        self.id = id
        self.version = version
        self.language = language
        self.namespaceDeclarations =
            namespaceDeclarations ?? [
                NamespaceDeclaration(prefix: "", namespace: contentNamespace),
                NamespaceDeclaration(prefix: "stream", namespace: XMPPNamespace.streams),
            ]
    }

    /// A server-to-server header (`jabber:server`, version 1.0), declaring `db:` when dialback is offered.
    public static func server(
        to: String?, from: String?, id: String? = nil, language: String? = "en", dialback: Bool = false
    ) -> StreamHeader {
        var declarations = [
            NamespaceDeclaration(prefix: "", namespace: XMPPNamespace.server),
            NamespaceDeclaration(prefix: "stream", namespace: XMPPNamespace.streams),
        ]
        if dialback { declarations.append(NamespaceDeclaration(prefix: "db", namespace: XMPPNamespace.dialback)) }
        return StreamHeader(
            contentNamespace: XMPPNamespace.server, to: to, from: from, id: id, version: "1.0", language: language,
            namespaceDeclarations: declarations
        )
    }

    /// A XEP-0114 component header (`jabber:component:accept`, no version).
    public static func component(to: String?, from: String? = nil, id: String? = nil) -> StreamHeader {
        StreamHeader(contentNamespace: XMPPNamespace.component, to: to, from: from, id: id)
    }

    /// Whether the header binds `db:` to the dialback namespace (XEP-0220 §2.4).
    public var declaresDialback: Bool {
        namespaceDeclarations.contains { $0.prefix == "db" && $0.namespace == XMPPNamespace.dialback }
    }

    /// The serializer for stanzas in this stream.
    public var serializer: ElementSerializer { ElementSerializer(for: self) }

    /// Appends `<?xml version='1.0'?><stream:stream …>`. Fails only on unwritable values
    /// (control characters) or reserved namespaces.
    public func serializeOpening(into output: inout [UInt8], xmlDeclaration: Bool = true)
        throws(SerializationError)
    {
        let start = output.count
        do throws(SerializationError) {
            try writeOpening(to: &output, xmlDeclaration: xmlDeclaration)
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    public func serializedOpening(xmlDeclaration: Bool = true) throws(SerializationError) -> [UInt8] {
        var output: [UInt8] = []
        try serializeOpening(into: &output, xmlDeclaration: xmlDeclaration)
        return output
    }

    private func writeOpening(to output: inout [UInt8], xmlDeclaration: Bool) throws(SerializationError) {
        if xmlDeclaration { XMLEscaping.append("<?xml version='1.0'?>", to: &output) }
        XMLEscaping.append("<stream:stream", to: &output)
        var declarations = namespaceDeclarations
        if !declarations.contains(where: { $0.prefix.isEmpty }) {
            declarations.insert(NamespaceDeclaration(prefix: "", namespace: contentNamespace), at: 0)
        }
        if !declarations.contains(where: { $0.prefix == "stream" }) {
            declarations.append(NamespaceDeclaration(prefix: "stream", namespace: XMPPNamespace.streams))
        }
        for declaration in declarations {
            if declaration.namespace == XMPPNamespace.xml || declaration.namespace == XMPPNamespace.xmlns {
                throw .reservedNamespace(declaration.namespace)
            }
            if declaration.prefix.isEmpty {
                XMLEscaping.append(" xmlns='", to: &output)
            } else {
                XMLEscaping.append(" xmlns:", to: &output)
                guard XMLEscaping.appendName(declaration.prefix, to: &output) else {
                    throw .invalidName(declaration.prefix)
                }
                XMLEscaping.append("='", to: &output)
            }
            try appendValue(declaration.namespace, named: "xmlns", to: &output)
        }
        for (name, value) in [("to", to), ("from", from), ("id", id), ("version", version)] {
            guard let value else { continue }
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: name.utf8)
            XMLEscaping.append("='", to: &output)
            try appendValue(value, named: name, to: &output)
        }
        if let language {
            XMLEscaping.append(" xml:lang='", to: &output)
            try appendValue(language, named: "xml:lang", to: &output)
        }
        output.append(UInt8(ascii: ">"))
    }

    private func appendValue(_ value: String, named name: String, to output: inout [UInt8])
        throws(SerializationError)
    {
        guard XMLEscaping.appendEscaped(value, inAttribute: true, to: &output) else {
            throw .invalidCharacter(in: "stream header attribute '\(name)'")
        }
        output.append(UInt8(ascii: "'"))
    }

    /// `</stream:stream>`.
    public static var closing: [UInt8] { Array("</stream:stream>".utf8) }

    /// `<stream:error><condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text …>…</text></stream:error>`,
    /// for a stream whose header bound `stream:` (every header this module writes does).
    public static func serializedError(_ error: StreamError) -> [UInt8] {
        var output: [UInt8] = []
        XMLEscaping.append("<stream:error><", to: &output)
        output.append(contentsOf: error.condition.name.utf8)
        XMLEscaping.append(" xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", to: &output)
        if !error.text.isEmpty {
            XMLEscaping.append("<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>", to: &output)
            let start = output.count
            if !XMLEscaping.appendEscaped(error.text, inAttribute: false, to: &output) {
                // Our own texts never hold control characters; drop an unwritable one rather than the error.
                output.removeSubrange(start...)
                XMLEscaping.append("(text omitted)", to: &output)
            }
            XMLEscaping.append("</text>", to: &output)
        }
        XMLEscaping.append("</stream:error>", to: &output)
        return output
    }
}
