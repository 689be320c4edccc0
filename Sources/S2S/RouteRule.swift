import XMPPStream

/// DESIGN.md §2's routing rule, the only place it is written: a remote domain may reach only home
/// and component domains; a home server or a component may reach anything, but only as one of its
/// own domains; a remote domain claiming a home or component domain is refused; remote → remote is
/// refused (no open relay). Pure: the relay's configuration comes in as two sets.
public struct RouteRule: Sendable {
    /// Where a stanza came from: the kind of link it arrived on and the domains that link may send as.
    public enum Arrival: Hashable, Sendable {
        /// A public s2s link (inbound, or an outbound one made bidirectional), authenticated for the
        /// stanza's `from` by the engine.
        case remote
        /// A home server's connection on the home listener, for these home domains.
        case home(Set<DomainName>)
        /// An XEP-0114 component for this domain.
        case component(DomainName)
    }

    /// Where an accepted stanza goes.
    public enum Destination: Hashable, Sendable {
        /// Over the s2s link to the home server of this domain.
        case home(DomainName)
        /// Over this component's connection.
        case component(DomainName)
        /// Out to the public network (DNS plan, DANE, pins, PKIX).
        case remote(DomainName)
    }

    /// The stanza error a refusal bounces with (RFC 6120 §8.3.3).
    public enum Refusal: String, Hashable, Sendable {
        case invalidFrom = "invalid-from"
        case notAllowed = "not-allowed"
    }

    public enum Verdict: Hashable, Sendable {
        case deliver(Destination)
        /// Refused with this condition; `reason` is for the log and the bounce text.
        case refuse(Refusal, reason: String)
    }

    public var homeDomains: Set<DomainName>
    public var componentDomains: Set<DomainName>

    public init(homeDomains: Set<DomainName>, componentDomains: Set<DomainName>) {
        self.homeDomains = homeDomains
        self.componentDomains = componentDomains
    }

    public func isLocal(_ domain: DomainName) -> Bool {
        homeDomains.contains(domain) || componentDomains.contains(domain)
    }

    public func decide(arrival: Arrival, from: DomainName, to: DomainName) -> Verdict {
        switch arrival {
        case .remote:
            // Only the relay's home servers and components send as its domains (no impersonation).
            guard !isLocal(from) else {
                return .refuse(.invalidFrom, reason: "\(from) is served by this relay and cannot arrive from outside")
            }
        case .home(let domains):
            guard domains.contains(from) else {
                return .refuse(.invalidFrom, reason: "\(from) is not a domain of this home server")
            }
        case .component(let domain):
            guard from == domain else {
                return .refuse(.invalidFrom, reason: "\(from) is not the component's domain \(domain)")
            }
        }
        if componentDomains.contains(to) { return .deliver(.component(to)) }
        if homeDomains.contains(to) { return .deliver(.home(to)) }
        guard arrival != .remote else {
            return .refuse(.notAllowed, reason: "this relay does not relay between two remote domains")
        }
        return .deliver(.remote(to))
    }
}
