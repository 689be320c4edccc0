import EventLoop

extension TCPConnector {
    /// A connect to `127.0.0.1:port`, where the benchmark runs everything. Exactly one of
    /// `connected` and `failed` runs, on a later loop turn.
    static func loopback(
        loop: Loop, port: UInt16, timeout: Duration, connected: @escaping (TCPConnection) -> Void,
        failed: @escaping (SocketError) -> Void
    ) -> TCPConnector {
        TCPConnector(loop: loop, to: SocketAddress(ipAddress: "127.0.0.1", port: port)!, timeout: timeout) { result in
            switch result {
            case .success(let connection): connected(connection)
            case .failure(let error): failed(error)
            }
        }
    }
}
