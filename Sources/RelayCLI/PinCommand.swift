import EventLoop
import RelayServer
import TLS
import Trust
import X509

/// `xmpp-relay pin HOST[:PORT] [--starttls DOMAIN]`: connects, completes a TLS handshake and prints
/// the peer's `3 1 1` pin (SHA-256 of its public key) with a certificate summary, ready to paste
/// into a `[[peer]]` section. It trusts nothing it sees: check the pin with the peer's operator.
struct PinCommand: Command {
    static var name: String { "pin" }
    static var summary: String { "print a server's 3 1 1 pin and certificate (direct TLS or STARTTLS)" }
    static var usage: String {
        """
        usage: xmpp-relay pin HOST[:PORT] [--starttls DOMAIN] [--sni DOMAIN] [--timeout SECONDS]

        Connects to HOST, completes a TLS handshake, and prints the server's pin in TLSA syntax
        (3 1 1 = SHA-256 of its public key), the names and issuer of its certificate, its validity,
        and the `pins = [...]` line for a [[peer]] section. Nothing is verified: compare the pin with
        what the server's operator publishes (xmpp-relay keygen prints it on their side).

          --starttls DOMAIN  speak XMPP s2s STARTTLS for DOMAIN first (default port 5269);
                             without it the connection is direct TLS (XEP-0368, default port 5270)
          --sni DOMAIN       the server name to send (default: the STARTTLS domain, else HOST)
          --timeout SECONDS  give up after this long (default 10)

        exit status: 0 pin printed, 1 could not connect or handshake, 2 bad usage
        """
    }

    static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        let options: ArgumentList
        do {
            options = try ArgumentList(arguments, valueFlags: ["--starttls", "--sni", "--timeout"])
        } catch {
            io.err("xmpp-relay pin: \(error)\n\n\(usage)")
            return ExitCode.usage
        }
        guard options.positionals.count == 1 else {
            io.err("xmpp-relay pin: give exactly one HOST[:PORT]\n\n\(usage)")
            return ExitCode.usage
        }
        let starttls = options.value("--starttls")
        let target: HostPort
        do {
            target = try HostPort(parsing: options.positionals[0], defaultPort: starttls == nil ? 5270 : 5269)
        } catch {
            io.err("xmpp-relay pin: \(error)")
            return ExitCode.usage
        }
        var timeout = Duration.seconds(10)
        if let text = options.value("--timeout") {
            guard let seconds = Int(text), seconds > 0, seconds <= 600 else {
                io.err("xmpp-relay pin: --timeout takes whole seconds from 1 to 600, not '\(text)'")
                return ExitCode.usage
            }
            timeout = .seconds(seconds)
        }
        let isLiteral = SocketAddress(ipAddress: target.host, port: target.port) != nil
        let serverName = options.value("--sni") ?? starttls ?? (isLiteral ? nil : target.host)
        let addresses: [SocketAddress]
        do {
            addresses = try HostResolution.addresses(host: target.host, port: target.port)
        } catch {
            io.err("xmpp-relay pin: \(error)")
            return ExitCode.failure
        }
        return fetch(addresses, serverName: serverName, starttls: starttls, timeout: timeout, io: io)
    }

    /// Tries each address in turn until one completes a handshake.
    private static func fetch(
        _ addresses: [SocketAddress], serverName: String?, starttls: String?, timeout: Duration, io: CommandIO
    ) -> Int32 {
        let loop = Loop()
        var status = ExitCode.failure
        var remaining = addresses
        var fetch: PeerCertificateFetch?
        var nextTry: Cancellable?
        func next() {
            guard !remaining.isEmpty else {
                loop.stop()
                return
            }
            let address = remaining.removeFirst()
            fetch = PeerCertificateFetch(
                loop: loop, address: address, serverName: serverName, starttlsDomain: starttls, timeout: timeout
            ) { result in
                switch result {
                case .success(let presented):
                    status = report(presented, io: io)
                    remaining = []
                case .failure(let failure):
                    io.err("xmpp-relay pin: \(address): \(failure)")
                    if failure.plaintextXMPP {
                        io.err(
                            "xmpp-relay pin: this looks like an s2s STARTTLS port (usually 5269): try "
                                + "xmpp-relay pin \(address) --starttls DOMAIN, DOMAIN being the XMPP domain it serves")
                    }
                }
                // Not from inside the fetch's own callback: it is still finishing.
                nextTry = loop.schedule(after: .zero) { next() }
            }
        }
        next()
        loop.run()
        _ = (fetch, nextTry)
        return status
    }

    private static func report(_ presented: PeerCertificateFetch.Presented, io: CommandIO) -> Int32 {
        guard let leafDER = presented.chain.first else {
            io.err("xmpp-relay pin: \(presented.address): the server sent no certificate")
            return ExitCode.failure
        }
        let leaf: Certificate
        do {
            leaf = try Certificate(der: leafDER)
        } catch {
            io.err("xmpp-relay pin: \(presented.address): cannot parse the server's certificate: \(error)")
            return ExitCode.failure
        }
        let pin = TLSARecord.pin(for: leaf)
        io.out("pin:      \(pin)")
        io.out("address:  \(presented.address)")
        io.out("tls:      \(presented.session.version) \(presented.session.cipherSuiteStandardName)")
        io.out("subject:  \(leaf.subject.summary)")
        io.out("names:    \(leaf.namesSummary)")
        io.out("issuer:   \(leaf.issuer.summary)\(leaf.isSelfIssued ? " (self-signed)" : "")")
        io.out("valid:    \(UnixTime.iso8601(leaf.notBefore)) to \(UnixTime.iso8601(leaf.notAfter))")
        io.out("chain:    \(presented.chain.count) certificate(s)")
        io.out("")
        io.out("for a [[peer]] section:  pins = [\"\(pin)\"]")
        return ExitCode.ok
    }
}
