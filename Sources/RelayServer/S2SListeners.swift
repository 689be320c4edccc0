import EventLoop
import RelayConfig

/// The public s2s listeners: `[listen] s2s` (STARTTLS, 5269) and `s2s_direct_tls` (XEP-0368, 5270).
/// Without a certificate there is nothing to listen with: s2s is never plaintext.
enum S2SListeners {
    static func open(_ config: RelayConfiguration, loop: Loop, router: Router) throws(StartFailure) -> [TCPListener] {
        var listeners: [TCPListener] = []
        for address in config.listen.s2s {
            listeners.append(try ListenerSocket.open(address, loop: loop) { router.accept($0, kind: .s2s) })
        }
        for address in config.listen.s2sDirectTLS {
            listeners.append(try ListenerSocket.open(address, loop: loop) { router.accept($0, kind: .s2sDirectTLS) })
        }
        return listeners
    }

    /// `[listen] home`: where the `[[home]]` servers connect for everything they send out. Opened only
    /// when a home domain is configured; plaintext connections only from a `plaintext_loopback`
    /// server's own address, others need TLS (so a certificate) and the home server's pin.
    static func openHome(_ config: RelayConfiguration, loop: Loop, router: Router) throws(StartFailure)
        -> [TCPListener]
    {
        guard !config.homes.isEmpty else { return [] }
        var listeners: [TCPListener] = []
        for address in config.listen.home {
            listeners.append(try ListenerSocket.open(address, loop: loop) { router.accept($0, kind: .home) })
        }
        return listeners
    }
}
