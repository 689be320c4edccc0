import EventLoop
import TLS
import Trust

#if canImport(Glibc)
    import Glibc
#endif

/// The sink as a home server for `sink.load.test` (`--sink home`): the relay's `[[home]] server`,
/// pinned by the key made here. It listens on a loopback port of its own and takes every s2s stream
/// the relay opens to it (one per remote domain), each a `HomeSinkStream`; together they count
/// `</message>`. So a stanza crosses a full TLS-to-TLS hop: decrypted from the peer link, encrypted
/// again on the home link.
final class HomeSink: StanzaSink {
    var received: Int { counted }
    var onReady: (() -> Void)?
    var onReceived: (() -> Void)?
    var onFailure: ((String) -> Void)?

    /// The port the relay's `[[home]] server` points at.
    let port: UInt16
    /// The home server's pin in TLSA syntax ("3 1 1 …"), for the relay's `[[home]] pin`.
    let pin: String
    /// Home links the relay opened and authenticated (by dialback) so far.
    var authenticatedStreams: Int { streams.filter(\.isCounting).count }

    private let loop: Loop
    private let context: TLSContext
    /// The home server's certificate as client identity, for `HomeDialbackCheck`.
    private let clientContext: TLSContext
    private var checks: [HomeDialbackCheck] = []
    /// The relay's home listener: set, the sink checks each dialback key there (`--home-verify`).
    var verifyPort: UInt16?
    private var listener: TCPListener?
    private var streams: [HomeSinkStream] = []
    private var counted = 0
    private var closed = false

    /// Makes the home server's key and certificate and binds 127.0.0.1:0 (the kernel's port).
    init(loop: Loop) throws(LoadError) {
        self.loop = loop
        let generated: SelfSignedCertificate
        do {
            generated = try SelfSignedCertificate.generate(domain: TestBed.sinkDomain, now: Int64(time(nil)))
        } catch {
            throw LoadError("cannot make the home server's key: \(error.message)")
        }
        pin = TLSARecord.pin(for: generated.certificate).description
        let identity = TLSIdentity(
            certificateChain: .bytes(Array(generated.certificatePEM.utf8), label: "home-sink.crt"),
            privateKey: .bytes(Array(generated.privateKeyPEM.utf8), label: "home-sink.key"))
        do {
            // The relay authenticates by dialback on the home link, not by its certificate.
            context = try TLSContext(
                configuration: TLSConfiguration(role: .server, identity: identity, requestClientCertificate: false))
            clientContext = try TLSContext(configuration: TLSConfiguration(role: .client, identity: identity))
        } catch {
            throw LoadError("cannot set up the home server's TLS: \(error)")
        }
        var accepted: ((TCPConnection) -> Void)?
        do {
            listener = try TCPListener(loop: loop, address: SocketAddress(ipAddress: "127.0.0.1", port: 0)!) {
                accepted?($0)
            }
        } catch {
            throw LoadError("the home server cannot listen on 127.0.0.1: \(error)")
        }
        port = listener?.localAddress.port ?? 0
        accepted = { [weak self] connection in self?.accept(connection) }
    }

    func start() {
        onReady?()
    }

    private func accept(_ connection: TCPConnection) {
        guard !closed else { return connection.close() }
        let stream = HomeSinkStream(connection: connection, context: context, serial: streams.count + 1)
        if let verifyPort {
            stream.checkKey = { [unowned self] remote, streamID, key, done in
                self.checks.append(
                    HomeDialbackCheck(
                        loop: self.loop, port: verifyPort, context: self.clientContext, receiving: TestBed.sinkDomain,
                        originating: remote, streamID: streamID, key: key, completion: done))
            }
        }
        stream.onCounted = { [weak self] found in
            guard let self, !self.closed else { return }
            self.counted += found
            self.onReceived?()
        }
        stream.onFailure = { [weak self] why in
            guard let self, !self.closed else { return }
            self.onFailure?("home sink: \(why)")
        }
        streams.append(stream)
    }

    func close() {
        closed = true
        listener?.close()
        for stream in streams { stream.close() }
    }
}
