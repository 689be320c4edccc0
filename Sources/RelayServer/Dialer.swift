import DNS
import EventLoop
import S2S
import XMPPStream

/// Dialing for the router: a route's addresses (its `[[home]]` or `[[peer]] server`, else the DNS
/// plan, targets in order), one TCP connect at a time with a deadline, then the outbound link with
/// its TLS and engine. Failures go to `fail`, which tells the queue the attempt failed.
extension Router {
    /// How long one TCP connect may take before the next address is tried.
    static var connectTimeout: Duration { .seconds(10) }

    /// DNS for a route: the plan of the remote domain, or the addresses of its `[[peer]] server`.
    /// A lookup that failed (SERVFAIL, timeout, the `[dns] timeout` deadline) is `remote-server-timeout`
    /// (wait), never `remote-server-not-found`; the failed route is forgotten, so the next stanza
    /// makes a fresh plan (until the durable queue retries by itself).
    func findAddresses(_ route: OutboundRoute) {
        let remote = route.pair.remote.value
        // A home domain is reached at its [[home]] server only, never through DNS for the domain.
        let server = setup.home(route.pair.remote)?.server ?? setup.peer(remote)?.server
        if let server, let address = SocketAddress(ipAddress: server.host, port: server.port) {
            route.candidates = [OutboundRoute.Candidate(address: address, directTLS: false, target: nil)]
            connectNext(route)
            return
        }
        guard let planner else {
            fail(route, .remoteServerTimeout, "no DNS resolver is running to find \(server?.host ?? remote)")
            return
        }
        let planned: (ConnectionPlan) -> Void = { [weak self, weak route] plan in
            guard let self, let route, self.isCurrent(route) else { return }
            switch plan.verdict {
            case .notFound(let reason):
                self.fail(route, .remoteServerNotFound, "\(remote): \(reason)")
            case .retryLater(let reason):
                self.fail(route, .remoteServerTimeout, "\(remote): \(reason)")
            case .connect:
                for target in plan.usableTargets {
                    for ip in target.addresses {
                        guard let address = SocketAddress(ipBytes: ip.bytes, port: target.port) else { continue }
                        // A configured server is authenticated by its pins, never by DANE.
                        route.candidates.append(
                            OutboundRoute.Candidate(
                                address: address, directTLS: target.directTLS, target: server == nil ? target : nil))
                    }
                }
                guard !route.candidates.isEmpty else {
                    self.fail(route, .remoteServerNotFound, "\(remote) has no usable address")
                    return
                }
                self.connectNext(route)
            }
        }
        if let server {
            planner.planServer(server.host, port: server.port, completion: planned)
        } else {
            planner.plan(remote, completion: planned)
        }
    }

    func connectNext(_ route: OutboundRoute) {
        guard !route.candidates.isEmpty else {
            // RFC 6120 §8.3.3.17: resolved, but no stream: the sender may try again later.
            let tried = route.failures.joined(separator: "; ")
            fail(route, .remoteServerTimeout, "nothing answers for \(route.pair.remote) (\(tried))")
            return
        }
        let candidate = route.candidates.removeFirst()
        route.connector = TCPConnector(loop: loop, to: candidate.address, timeout: Self.connectTimeout) {
            [weak self, weak route] result in
            guard let self, let route else { return }
            route.connector = nil
            guard self.isCurrent(route) else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .failure(let error):
                route.failures.append("\(candidate.address): \(error.message)")
                self.logger.debug(
                    "link.connect_failed",
                    [
                        ("remote", route.pair.remote.value), ("addr", candidate.address.description),
                        ("reason", error.message),
                    ])
                self.connectNext(route)
            case .success(let connection):
                self.connected(connection, route: route, candidate: candidate)
            }
        }
    }

    private func connected(_ connection: TCPConnection, route: OutboundRoute, candidate: OutboundRoute.Candidate) {
        guard limits.admitOutbound() else {
            connection.close()
            fail(route, .remoteServerTimeout, "the relay's max_links limit is reached")
            return
        }
        let home = setup.home(route.pair.remote)
        var tls: Link.TLSSetup? = nil
        if home?.plaintextLoopback != true {
            do {
                let context = try setup.clientTLS(for: route.pair.local)
                tls = Link.TLSSetup(context: context, serverName: route.pair.remote.value)
            } catch {
                limits.release(nil)
                connection.close()
                fail(route, .remoteServerTimeout, "cannot set up TLS: \(error)")
                return
            }
        }
        route.connected = candidate
        let engine: OutboundStream
        if let home {
            engine = setup.outboundHome(pair: route.pair, home: home)
        } else {
            engine = setup.outbound(
                pair: route.pair, directTLS: candidate.directTLS, authenticates: !route.verifiesOnly,
                external: !route.skipsExternal)
        }
        let link = makeLink(engine: .outbound(engine), connection: connection, tls: tls, target: candidate.target)
        route.link = link
        link.start()
        let questions = route.verifications
        route.verifications = []
        for request in questions { link.verify(request) }
    }

    private func isCurrent(_ route: OutboundRoute) -> Bool {
        (route.verifiesOnly ? verifyRoutes[route.pair] : outbound[route.pair]) === route
    }
}
