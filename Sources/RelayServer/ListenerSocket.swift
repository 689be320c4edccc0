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
            // The socket error already says what to do (address in use, privileged port, …).
            throw StartFailure("\(error.message); the address comes from [listen]")
        }
    }
}
