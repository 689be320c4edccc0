internal import CUnbound
import EventLoop

/// Something that answers DNS queries on the relay's loop; the planner depends only on this.
public protocol DNSQuerying: AnyObject {
    /// Starts a query; `completion` runs once, on the loop thread — possibly before `query` returns
    /// (cache hits are answered at once).
    func query(_ name: String, type: RecordType, completion: @escaping (Result<DNSAnswer, DNSError>) -> Void)
}

/// The relay's validating resolver: a libunbound context driven by the relay's libevent base.
/// No threads, no forked helper. Use from the loop thread only, and do not drop the last
/// reference from inside a completion (libunbound is still on the stack then).
public final class Resolver: DNSQuerying {
    private let context: OpaquePointer
    /// The loop must outlive the context: `ub_ctx_delete` has to run before `event_base_free`.
    private let loop: Loop
    private var pending: [UInt64: PendingQuery] = [:]
    private var nextQueryID: UInt64 = 0

    public init(loop: Loop, configuration: ResolverConfiguration) throws(DNSError) {
        guard let context = ub_ctx_create_event(loop.eventBase) else {
            throw .resolver("libunbound could not create a resolver context (out of memory?)")
        }
        self.context = context
        self.loop = loop
        do throws(DNSError) {
            try Self.configure(context, configuration)
        } catch {
            ub_ctx_delete(context)
            throw error
        }
    }

    deinit {
        // Deleting the context may run the callbacks of unfinished queries (as failures); they find
        // no completion and just balance their retain. The rest never run: balance them here.
        for query in pending.values { query.completion = nil }
        ub_ctx_delete(context)
        for query in pending.values where !query.finished {
            Unmanaged.passUnretained(query).release()
        }
    }

    private static func configure(_ context: OpaquePointer, _ configuration: ResolverConfiguration) throws(DNSError) {
        func check(_ result: Int32, _ what: String) throws(DNSError) {
            if result != 0 {
                throw .configuration("resolver: \(what): \(String(cString: ub_strerror(result)))")
            }
        }
        func option(_ name: String, _ value: String) throws(DNSError) {
            try check(ub_ctx_set_option(context, name, value), "option \(name) \(value)")
        }
        for (name, value) in configuration.limits.unboundOptions { try option(name, value) }
        var servers = configuration.forwarders
        for stub in configuration.stubZones { servers += stub.servers }
        if servers.contains(where: { $0.hasPrefix("127.") || $0.hasPrefix("::1") }) {
            // unbound refuses to query loopback by default (loop protection for a recursive server).
            try option("do-not-query-localhost:", "no")
        }
        if let anchor = configuration.trustAnchorFile {
            if configuration.trustAnchorAutoUpdate {
                try check(ub_ctx_add_ta_autr(context, anchor), "trust anchor \(anchor)")
            } else {
                try check(ub_ctx_add_ta_file(context, anchor), "trust anchor \(anchor)")
            }
        }
        if let resolvConf = configuration.resolvConfFile {
            try check(ub_ctx_resolvconf(context, resolvConf), "reading \(resolvConf)")
        }
        for forwarder in configuration.forwarders {
            try check(ub_ctx_set_fwd(context, forwarder), "forwarder \(forwarder)")
        }
        for stub in configuration.stubZones {
            // Special-use zones (test., home.arpa., …) are built-in empty zones in libunbound;
            // a configured stub means the operator wants the real thing.
            try option("local-zone:", "\(stub.zone) transparent")
            for server in stub.servers {
                try check(ub_ctx_set_stub(context, stub.zone, server, 0), "stub zone \(stub.zone) at \(server)")
            }
        }
    }

    public func query(
        _ name: String, type: RecordType, completion: @escaping (Result<DNSAnswer, DNSError>) -> Void
    ) {
        nextQueryID += 1
        let query = PendingQuery(id: nextQueryID, name: name, type: type, resolver: self, completion: completion)
        pending[query.id] = query
        let token = Unmanaged.passRetained(query).toOpaque()
        var asyncID: Int32 = 0
        let result = ub_resolve_event(
            context, name, Int32(type.rawValue), 1, token,
            { token, rcode, packet, length, security, whyBogus, _ in
                let query = Unmanaged<PendingQuery>.fromOpaque(token!).takeRetainedValue()
                query.finished = true
                // A nonzero rcode means libunbound has no reply (SERVFAIL after timeouts, a dead
                // forwarder, an unreachable delegation): `packet` is then its stale scratch buffer,
                // never an answer (mesh_do_callback). With a reply, rcode is 0 and the real one
                // (NXDOMAIN…) is in the packet.
                guard rcode == 0 else {
                    query.deliverFailure(ResponseCode(rawValue: UInt8(truncatingIfNeeded: rcode)))
                    return
                }
                let bytes: [UInt8] =
                    if let packet, length > 0 {
                        Array(UnsafeRawBufferPointer(start: packet, count: Int(length)))
                    } else { [] }
                let reason = whyBogus.map { String(cString: $0) }
                query.deliver(packet: bytes, security: security, whyBogus: reason)
            }, &asyncID)
        if result != 0 {
            Unmanaged.passUnretained(query).release()
            pending[query.id] = nil
            var message = String(cString: ub_strerror(result))
            if result == UB_INITFAIL.rawValue {
                // Set-up problems (a trust anchor libunbound cannot parse, …) surface on the first query.
                message += ": the resolver could not start; libunbound's lines above say why (check [dns] trust_anchor)"
            }
            completion(.failure(.resolver("resolving \(name) \(type): \(message)")))
        }
    }

    fileprivate func finish(_ query: PendingQuery) {
        pending[query.id] = nil
    }
}

/// One outstanding query: libunbound holds a retained reference as its callback argument.
private final class PendingQuery {
    let id: UInt64
    let name: String
    let type: RecordType
    weak var resolver: Resolver?
    var completion: ((Result<DNSAnswer, DNSError>) -> Void)?
    var finished = false

    init(
        id: UInt64, name: String, type: RecordType, resolver: Resolver,
        completion: @escaping (Result<DNSAnswer, DNSError>) -> Void
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.resolver = resolver
        self.completion = completion
    }

    /// libunbound gave up without a reply: a failure that says nothing about what exists.
    func deliverFailure(_ code: ResponseCode) {
        guard let completion, let resolver else { return }
        self.completion = nil
        resolver.finish(self)
        completion(.failure(.noAnswer("\(code): no usable answer for \(name) \(type) from the name servers")))
    }

    func deliver(packet: [UInt8], security: Int32, whyBogus: String?) {
        guard let completion, let resolver else { return }
        self.completion = nil
        resolver.finish(self)
        guard !packet.isEmpty else {
            completion(.failure(.resolver("no answer for \(name) \(type) (resolver shutting down?)")))
            return
        }
        let status: DNSSECStatus
        switch security {
        case 2: status = .secure
        case 1: status = .bogus(reason: whyBogus ?? "validation failed")
        default: status = .insecure
        }
        completion(DNSAnswer.from(packet: packet, name: name, type: type, security: status))
    }
}
