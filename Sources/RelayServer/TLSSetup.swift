import RelayConfig
import RelayLog
import TLS

/// Builds the relay's TLS contexts from `[tls]`: the server side presents `certificate`/`key`, or
/// the `[[tls.domain]]` certificate the peer's SNI names. A context is immutable; a reload builds
/// a new one, so links already up keep the certificate they started with and new links get the
/// new one.
enum TLSSetup {
    /// Certificates closer than this to expiry are warned about at start, on reload and daily.
    static let expiryWarningDays = 14

    static func serverConfiguration(_ config: RelayConfiguration) -> TLSConfiguration? {
        var byDomain: [String: TLSIdentity] = [:]
        for entry in config.tls.domainCertificates {
            byDomain[entry.domain] = TLSIdentity(certificateFile: entry.certificate, keyFile: entry.key)
        }
        var identity: TLSIdentity? = nil
        if let certificate = config.tls.certificate, let key = config.tls.key {
            identity = TLSIdentity(certificateFile: certificate, keyFile: key)
        }
        guard identity != nil || !byDomain.isEmpty else { return nil }
        return TLSConfiguration(role: .server, identity: identity, identitiesByDomain: byDomain)
    }

    /// The server context, or nil when no certificate is configured (nothing to serve yet).
    static func serverContext(_ config: RelayConfiguration, now: Int64) throws(TLSError) -> TLSContext? {
        guard let configuration = serverConfiguration(config) else { return nil }
        return try TLSContext(configuration: configuration, now: now)
    }

    /// Days left on the certificate that expires first (for `stats`); nil without certificates.
    static func daysLeftOnNearest(of context: TLSContext, now: Int64) -> Int? {
        context.certificateExpiries(now: now).map(\.daysLeft).min()
    }

    static let renewHint = "renew it (or run xmpp-relay keygen and publish the new TLSA/pin), then kill -HUP the relay"

    static func logExpiries(of context: TLSContext, now: Int64, logger: Logger) {
        for expiry in context.certificateExpiries(now: now) where expiry.isExpiring(withinDays: expiryWarningDays) {
            logger.warn(
                "tls.cert_expiring",
                [
                    ("domain", expiry.domain ?? "*"), ("certificate", expiry.source),
                    ("days_left", String(expiry.daysLeft)),
                    ("hint", renewHint),
                ])
        }
    }
}
