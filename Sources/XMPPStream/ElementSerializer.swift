/// Writes elements as XML for a stream whose header put `defaultNamespace` and `prefixes` in scope,
/// so a stanza is written without repeating declarations (`<message>` rather than
/// `<message xmlns='jabber:server'>`), `stream:`-prefixed where the streams namespace is bound,
/// and with fresh declarations for foreign payload namespaces.
public struct ElementSerializer: Hashable, Sendable {
    public var defaultNamespace: String
    public var prefixes: [NamespaceDeclaration]

    public init(defaultNamespace: String, prefixes: [NamespaceDeclaration] = []) {
        self.defaultNamespace = defaultNamespace
        self.prefixes = prefixes
    }

    /// For stanzas inside a stream opened with `header`.
    public init(for header: StreamHeader) {
        self.init(
            defaultNamespace: header.contentNamespace,
            prefixes: header.namespaceDeclarations.filter { !$0.prefix.isEmpty }
        )
    }

    /// Server-to-server content: `jabber:server` by default, `stream:` bound.
    public static var server: ElementSerializer {
        ElementSerializer(
            defaultNamespace: XMPPNamespace.server,
            prefixes: [NamespaceDeclaration(prefix: "stream", namespace: XMPPNamespace.streams)]
        )
    }

    /// XEP-0114 component content: `jabber:component:accept` by default, `stream:` bound.
    public static var component: ElementSerializer {
        ElementSerializer(
            defaultNamespace: XMPPNamespace.component,
            prefixes: [NamespaceDeclaration(prefix: "stream", namespace: XMPPNamespace.streams)]
        )
    }

    /// Standalone XML: no namespace in scope, every namespace declared where it is used.
    public static var standalone: ElementSerializer { ElementSerializer(defaultNamespace: "") }

    /// Appends `element` to `output`. On error `output` is left as it was.
    public func serialize(_ element: Element, into output: inout [UInt8]) throws(SerializationError) {
        let start = output.count
        do throws(SerializationError) {
            try write(element, inScope: defaultNamespace, to: &output)
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    public func serialize(_ element: Element) throws(SerializationError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try serialize(element, into: &output)
        return output
    }

    private func prefix(for namespace: String) -> String? {
        for declaration in prefixes where declaration.namespace == namespace { return declaration.prefix }
        return nil
    }

    private func write(_ element: Element, inScope: String, to output: inout [UInt8]) throws(SerializationError) {
        let namespace = element.namespace
        if namespace == XMPPNamespace.xml || namespace == XMPPNamespace.xmlns {
            throw .reservedNamespace(namespace)
        }
        var childScope = inScope
        var elementPrefix: String? = nil
        if namespace != inScope, !namespace.isEmpty, let bound = prefix(for: namespace) { elementPrefix = bound }

        output.append(UInt8(ascii: "<"))
        let qualifiedNameStart = output.count
        if let elementPrefix {
            output.append(contentsOf: elementPrefix.utf8)
            output.append(UInt8(ascii: ":"))
        }
        guard XMLEscaping.appendName(element.name, to: &output) else { throw .invalidName(element.name) }
        let qualifiedNameEnd = output.count
        if elementPrefix == nil && namespace != inScope {
            XMLEscaping.append(" xmlns='", to: &output)
            guard XMLEscaping.appendEscaped(namespace, inAttribute: true, to: &output) else {
                throw .invalidCharacter(in: "namespace name")
            }
            output.append(UInt8(ascii: "'"))
            childScope = namespace
        }
        try writeAttributes(of: element, to: &output)

        if element.children.isEmpty {
            XMLEscaping.append("/>", to: &output)
            return
        }
        output.append(UInt8(ascii: ">"))
        for child in element.children {
            switch child {
            case .text(let text):
                guard XMLEscaping.appendEscaped(text, inAttribute: false, to: &output) else {
                    throw .invalidCharacter(in: "text of <\(element.name)>")
                }
            case .element(let grandchild):
                try write(grandchild, inScope: childScope, to: &output)
            }
        }
        XMLEscaping.append("</", to: &output)
        // Copy the start tag's qualified name (the array may reallocate, so go by index).
        for index in qualifiedNameStart..<qualifiedNameEnd { output.append(output[index]) }
        output.append(UInt8(ascii: ">"))
    }

    private func writeAttributes(of element: Element, to output: inout [UInt8]) throws(SerializationError) {
        let attributes = element.attributes
        if attributes.isEmpty { return }
        var generated: [NamespaceDeclaration] = []
        for (index, attribute) in attributes.enumerated() {
            for earlier in attributes[..<index]
            where earlier.name == attribute.name && earlier.namespace == attribute.namespace {
                throw .duplicateAttribute(attribute.name)
            }
            output.append(UInt8(ascii: " "))
            let namespace = attribute.namespace
            if namespace.isEmpty {
                if attribute.name == "xmlns" { throw .invalidName(attribute.name) }
            } else if namespace == XMPPNamespace.xml {
                XMLEscaping.append("xml:", to: &output)
            } else if namespace == XMPPNamespace.xmlns {
                throw .reservedNamespace(namespace)
            } else if let bound = prefix(for: namespace)
                ?? generated.first(where: { $0.namespace == namespace })?.prefix
            {
                output.append(contentsOf: bound.utf8)
                output.append(UInt8(ascii: ":"))
            } else {
                let fresh = freshPrefix(avoiding: generated)
                generated.append(NamespaceDeclaration(prefix: fresh, namespace: namespace))
                XMLEscaping.append("xmlns:", to: &output)
                output.append(contentsOf: fresh.utf8)
                XMLEscaping.append("='", to: &output)
                guard XMLEscaping.appendEscaped(namespace, inAttribute: true, to: &output) else {
                    throw .invalidCharacter(in: "namespace name")
                }
                XMLEscaping.append("' ", to: &output)
                output.append(contentsOf: fresh.utf8)
                output.append(UInt8(ascii: ":"))
            }
            guard XMLEscaping.appendName(attribute.name, to: &output) else { throw .invalidName(attribute.name) }
            XMLEscaping.append("='", to: &output)
            guard XMLEscaping.appendEscaped(attribute.value, inAttribute: true, to: &output) else {
                throw .invalidCharacter(in: "attribute '\(attribute.name)'")
            }
            output.append(UInt8(ascii: "'"))
        }
    }

    /// A prefix for an attribute namespace that shadows none of the stream-level prefixes.
    private func freshPrefix(avoiding generated: [NamespaceDeclaration]) -> String {
        var number = generated.count
        while true {
            let candidate = "ns\(number)"
            if !prefixes.contains(where: { $0.prefix == candidate })
                && !generated.contains(where: { $0.prefix == candidate })
            {
                return candidate
            }
            number += 1
        }
    }
}
