import EventLoop
import RelayConfig

/// Binds one configured listen address on the loop; a failure names the address and what to do.
enum ListenerSocket {
    static func open(_ address: ListenAddress, loop: Loop, onAccept: @escaping (TCPConnection) -> Void)
        throws(StartFailure) -> TCPListener
    {
        guard let socketAddress = SocketAddress(ipAddress: address.host, port: address.port) else {
            throw StartFailure("cannot listen on \(address): not an IP address")
        }
        do {
            return try TCPListener(loop: loop, address: socketAddress, onAccept: onAccept)
        } catch {
            // The socket error already carries the advice that fits its errno; add one only when it has none.
            let advice = error.code == .other ? " (check [listen] \(address))" : ""
            throw StartFailure(error.message + advice)
        }
    }
}
