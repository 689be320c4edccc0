import RelayLog
import S2S

/// The link events of the log (DESIGN.md §8): `link.up`, `link.refused`, `link.down` and their
/// `component.*` twins, and state changes at debug. Never a stanza body.
final class LinkLog {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func up(_ link: Link, _ info: LinkInfo) {
        if link.direction == .component {
            logger.info(
                "component.up",
                [("domain", info.pair.local.value), ("addr", link.address.description)])
            return
        }
        var fields: [(String, String)] = [
            ("dir", link.direction.rawValue), ("local", info.pair.local.value), ("remote", info.pair.remote.value),
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
        if link.direction == .component {
            logger.warn(
                "component.refused",
                [("domain", link.remoteName), ("addr", link.address.description), ("reason", reason)])
            return
        }
        logger.warn(
            "link.refused",
            [
                ("dir", link.direction.rawValue), ("remote", link.remoteName), ("addr", link.address.description),
                ("reason", reason),
            ])
    }

    func pairRefused(_ link: Link, pair: DomainPair, reason: String) {
        logger.warn(
            "link.refused",
            [
                ("dir", link.direction.rawValue), ("remote", pair.remote.value), ("local", pair.local.value),
                ("addr", link.address.description), ("reason", reason),
            ])
    }

    func down(_ link: Link, reason: String, unacked: Int) {
        if link.direction == .component {
            logger.info("component.down", [("domain", link.remoteName), ("reason", reason)])
            return
        }
        logger.info(
            "link.down",
            [
                ("dir", link.direction.rawValue), ("local", link.info?.pair.local.value ?? "-"),
                ("remote", link.remoteName), ("reason", reason), ("unacked", String(unacked)),
            ])
    }

    func state(_ link: Link, from: String, to: String) {
        guard logger.isEnabled(.debug) else { return }
        logger.debug(
            "link.state",
            [
                ("dir", link.direction.rawValue), ("remote", link.remoteName), ("addr", link.address.description),
                ("state", "\(from) -> \(to)"),
            ])
    }
}
