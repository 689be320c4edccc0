import EventLoop
import RelayLog
import S2S

/// The link events of the log (DESIGN.md §8): `link.up`, `link.refused`, `link.down` and their
/// `component.*` twins, and state changes at debug. Never a stanza body. Every line starts with
/// `link=ID`, so `grep -w link=17` tells one link's story.
final class LinkLog {
    let logger: Logger
    /// `link.refused` and `component.refused` lines so far (for `stats`).
    private(set) var refusals = 0

    init(logger: Logger) {
        self.logger = logger
    }

    func up(_ link: Link, _ info: LinkInfo) {
        if link.direction == .component {
            logger.info(
                "component.up",
                [("link", String(link.id)), ("domain", info.pair.local.value), ("addr", link.address.description)])
            return
        }
        var fields: [(String, String)] = [
            ("link", String(link.id)), ("dir", link.direction.rawValue), ("local", info.pair.local.value),
            ("remote", info.pair.remote.value),
            ("addr", link.address.description),
        ]
        if let session = link.session {
            fields += [("tls", session.version), ("cipher", session.cipherSuiteStandardName)]
        }
        // The certificate method when the certificate authenticated the peer, else the stream's (dialback).
        let method = info.peer?.verified == true ? info.peer?.method ?? .none : .none
        fields.append(("auth", method == .none ? info.authentication.rawValue : method.rawValue))
        fields.append(("stream_auth", info.authentication.rawValue))
        if !link.authDetail.isEmpty && method != .none {
            switch method {
            case .daneEE, .daneTA: fields.append(("tlsa", link.authDetail))
            case .pin: fields.append(("pin", link.authDetail))
            case .pkix, .none: fields.append(("name", link.authDetail))
            }
        }
        fields.append(("sm", info.streamManagement ? "yes" : "no"))
        fields.append(("bidi", info.bidirectional ? "yes" : "no"))
        logger.info("link.up", fields)
    }

    func refused(_ link: Link, reason: String) {
        refusals += 1
        if link.direction == .component {
            logger.warn(
                "component.refused",
                [
                    ("link", String(link.id)), ("domain", link.remoteName), ("addr", link.address.description),
                    ("reason", reason),
                ])
            return
        }
        logger.warn(
            "link.refused",
            [
                ("link", String(link.id)), ("dir", link.direction.rawValue), ("remote", link.remoteName),
                ("addr", link.address.description),
                ("reason", reason),
            ])
    }

    /// A connection refused before any link was made for it (the home listener's address check).
    func refusedConnection(address: SocketAddress, reason: String) {
        refusals += 1
        logger.warn(
            "link.refused",
            [("link", "-"), ("dir", "in"), ("remote", "-"), ("addr", address.description), ("reason", reason)])
    }

    func pairRefused(_ link: Link, pair: DomainPair, reason: String) {
        refusals += 1
        logger.warn(
            "link.refused",
            [
                ("link", String(link.id)), ("dir", link.direction.rawValue), ("remote", pair.remote.value),
                ("local", pair.local.value),
                ("addr", link.address.description), ("reason", reason),
            ])
    }

    func down(_ link: Link, reason: String, unacked: Int) {
        if link.direction == .component {
            logger.info(
                "component.down", [("link", String(link.id)), ("domain", link.remoteName), ("reason", reason)])
            return
        }
        logger.info(
            "link.down",
            [
                ("link", String(link.id)), ("dir", link.direction.rawValue),
                ("local", link.info?.pair.local.value ?? "-"),
                ("remote", link.remoteName), ("reason", reason), ("unacked", String(unacked)),
            ])
    }

    func state(_ link: Link, from: String, to: String) {
        guard logger.isEnabled(.debug) else { return }
        logger.debug(
            "link.state",
            [
                ("link", String(link.id)), ("dir", link.direction.rawValue), ("remote", link.remoteName),
                ("addr", link.address.description),
                ("state", "\(from) -> \(to)"),
            ])
    }
}
