import XMPPStream

/// Components speak `jabber:component:accept`, s2s speaks `jabber:server`: stanzas crossing between
/// them get every element in the one namespace moved to the other, so the relay only handles `jabber:server`.
enum NamespaceRebasing {
    static func rebase(_ element: Element, from old: String, to new: String) -> Element {
        var result = element
        if result.namespace == old { result.namespace = new }
        result.children = element.children.map { node in
            if case .element(let child) = node { return .element(rebase(child, from: old, to: new)) }
            return node
        }
        return result
    }
}
