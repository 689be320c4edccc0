/// One attribute of an element. `namespace` is empty for unprefixed attributes (the usual case).
public struct Attribute: Hashable, Sendable {
    public var name: String
    public var namespace: String
    public var value: String

    public init(_ name: String, _ value: String, namespace: String = "") {
        self.name = name
        self.namespace = namespace
        self.value = value
    }
}

/// A child of an element: another element or a run of character data.
public enum Node: Hashable, Sendable {
    case element(Element)
    case text(String)
}

/// An XML element as XMPP uses it: a qualified name, attributes and ordered children.
/// Prefixes are not kept: two elements are equal when their names, namespaces, attributes
/// (in order) and children are. The parser never produces empty or adjacent text nodes.
public struct Element: Hashable, Sendable {
    public var name: String
    public var namespace: String
    public var attributes: [Attribute]
    public var children: [Node]

    public init(_ name: String, namespace: String, attributes: [Attribute] = [], children: [Node] = []) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

    /// The value of the unprefixed attribute `name`, if present.
    public subscript(attribute name: String) -> String? {
        get {
            for attribute in attributes where attribute.name == name && attribute.namespace.isEmpty {
                return attribute.value
            }
            return nil
        }
        set {
            if let index = attributes.firstIndex(where: { $0.name == name && $0.namespace.isEmpty }) {
                if let newValue { attributes[index].value = newValue } else { attributes.remove(at: index) }
            } else if let newValue {
                attributes.append(Attribute(name, newValue))
            }
        }
    }

    /// The direct character data of this element, concatenated.
    public var text: String {
        var result = ""
        for case .text(let run) in children { result += run }
        return result
    }

    /// The child elements, in order.
    public var elements: [Element] {
        children.compactMap { node in
            if case .element(let element) = node { return element }
            return nil
        }
    }

    /// The first child element named `name` in `namespace` (the parent's namespace if nil).
    public func firstChild(named name: String, namespace: String? = nil) -> Element? {
        let wanted = namespace ?? self.namespace
        for case .element(let child) in children where child.name == name && child.namespace == wanted {
            return child
        }
        return nil
    }

    /// Appends a child element.
    public mutating func append(_ child: Element) { children.append(.element(child)) }

    /// Appends text, merging with a preceding text node so the tree stays as the parser would build it.
    public mutating func append(text: String) {
        guard !text.isEmpty else { return }
        if case .text(let previous)? = children.last {
            children[children.count - 1] = .text(previous + text)
        } else {
            children.append(.text(text))
        }
    }
}
