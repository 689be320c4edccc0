import EventLoop
import RelayConfig

/// `[listen] component`: XEP-0114 components (plain TCP, meant for loopback), secrets from `[[component]]`.
enum ComponentListener {
    static func open(_ config: RelayConfiguration, loop: Loop, router: Router) throws(StartFailure) -> [TCPListener] {
        var listeners: [TCPListener] = []
        for address in config.listen.component {
            listeners.append(try ListenerSocket.open(address, loop: loop) { router.accept($0, kind: .component) })
        }
        return listeners
    }
}
