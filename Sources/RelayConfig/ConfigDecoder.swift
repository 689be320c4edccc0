import RelayLog
import Trust

/// Turns a parsed TOML document into a `RelayConfiguration`, checking every key, type and value and
/// the rules between them. Reports every problem, not only the first; never touches the filesystem
/// or the network (file checks are `FileChecks`).
struct ConfigDecoder {
    let file: String
    let diagnostics: Diagnostics
    private var config: RelayConfiguration
    /// Every configured domain with where it was first seen, to refuse duplicates.
    private var seenDomains: [String: (line: Int, header: String)] = [:]
    /// Which line set a component's inline secret, so the config file itself must be private.
    private var inlineSecretLine: Int?
    /// The line of each `[[tls.domain]]` domain, for the check that it is a served domain.
    private var certificateDomainLines: [String: Int] = [:]

    /// The path relative paths are resolved against (the configuration file, made absolute).
    let anchor: String

    init(file: String, anchor: String? = nil, diagnostics: Diagnostics) {
        self.file = file
        self.anchor = anchor ?? file
        self.diagnostics = diagnostics
        self.config = RelayConfiguration(source: file)
    }

    mutating func decode(_ document: TOMLTable) -> RelayConfiguration {
        let root = TableReader(document, name: "", diagnostics: diagnostics)
        if let table = root.table("relay") { decodeRelay(TableReader(table, name: "relay", diagnostics: diagnostics)) }
        if let table = root.table("log") { decodeLog(TableReader(table, name: "log", diagnostics: diagnostics)) }
        if let table = root.table("tls") { decodeTLS(TableReader(table, name: "tls", diagnostics: diagnostics)) }
        if let table = root.table("dns") { decodeDNS(TableReader(table, name: "dns", diagnostics: diagnostics)) }
        if let table = root.table("listen") {
            decodeListen(TableReader(table, name: "listen", diagnostics: diagnostics))
        }
        // Domain blocks in file order, so a duplicate is reported where it is written the second time.
        let domainBlocks =
            root.blocks("home", purpose: "per home domain").map { ("home", $0) }
            + root.blocks("component", purpose: "per component").map { ("component", $0) }
            + root.blocks("peer", purpose: "per peer domain").map { ("peer", $0) }
        for (name, block) in domainBlocks.sorted(by: { $0.1.line < $1.1.line }) {
            let reader = TableReader(block, name: name, diagnostics: diagnostics)
            switch name {
            case "home": decodeHome(reader)
            case "component": decodeComponent(reader)
            default: decodePeer(reader)
            }
        }
        if let table = root.table("policy") {
            decodePolicy(TableReader(table, name: "policy", diagnostics: diagnostics))
        }
        if let table = root.table("queue") {
            decodeQueue(TableReader(table, name: "queue", diagnostics: diagnostics))
        }
        if let table = root.table("limits") {
            decodeLimits(TableReader(table, name: "limits", diagnostics: diagnostics))
        }
        checkCertificates()
        checkHomeListener()
        addDefaultFiles()
        if let line = inlineSecretLine {
            config.referencedFiles.append(
                ReferencedFile(key: "component.secret", path: file, line: line, kind: .private))
        }
        return config
    }

    // MARK: sections

    private mutating func decodeRelay(_ reader: TableReader) {
        if let path = path(reader, "state_dir", kind: .directory, example: "\"/var/lib/xmpp-relay\"") {
            config.relay.stateDirectory = path
        }
        if let flag = reader.bool("allow_root") { config.relay.allowRoot = flag.value }
    }

    private mutating func decodeLog(_ reader: TableReader) {
        if let level = reader.string("level", example: "\"info\"") {
            if let parsed = LogLevel(name: level.value) {
                config.log.level = parsed
            } else {
                invalid(level.line, "log level '\(level.value)' is not one of debug, info, warn, error")
            }
        }
        if let interval = duration(reader, "stats_interval", minimum: 0) { config.log.statsInterval = interval }
    }

    private mutating func decodeTLS(_ reader: TableReader) {
        config.tls.certificate = path(reader, "certificate", kind: .readable, example: "\"/etc/xmpp-relay/cert.pem\"")
        config.tls.key = path(reader, "key", kind: .private, example: "\"/etc/xmpp-relay/key.pem\"")
        if let caFile = path(reader, "ca_file", kind: .readable, example: "\"/etc/ssl/certs/ca-certificates.crt\"") {
            config.tls.caFile = caFile
        }
        if reader.contains("certificate") != reader.contains("key") {
            let (given, missing) = reader.contains("certificate") ? ("certificate", "key") : ("key", "certificate")
            diagnostics.add(
                .missingKey, line: reader.table[given]!.line,
                "tls.\(given) is set but tls.\(missing) is not; set both (xmpp-relay keygen DOMAIN makes a pair)")
        }
        var seen: [String: Int] = [:]
        for block in reader.blocks("domain", purpose: "per domain with its own certificate") {
            let sub = TableReader(block, name: "tls.domain", diagnostics: diagnostics)
            let domain = domain(sub, example: "\"kids.example\"")
            let certificate = path(sub, "certificate", kind: .readable, example: "\"/etc/xmpp-relay/kids.pem\"")
            let key = path(sub, "key", kind: .private, example: "\"/etc/xmpp-relay/kids.key\"")
            for (name, value) in [("certificate", certificate), ("key", key)] where value == nil && !sub.contains(name)
            {
                missing(
                    sub, name,
                    example: "\"/etc/xmpp-relay/\(domain?.value ?? "DOMAIN").\(name == "key" ? "key" : "pem")\"")
            }
            guard let domain else { continue }
            if let first = seen[domain.value] {
                diagnostics.add(
                    .duplicate, line: domain.line,
                    "[[tls.domain]] for \(domain.value) is already given at line \(first); keep one")
                continue
            }
            seen[domain.value] = domain.line
            certificateDomainLines[domain.value] = domain.line
            if let certificate, let key {
                config.tls.domainCertificates.append(
                    DomainCertificate(domain: domain.value, certificate: certificate, key: key))
            }
        }
    }

    private mutating func decodeDNS(_ reader: TableReader) {
        if let anchor = path(reader, "trust_anchor", kind: .readable, example: "\"/usr/share/dns/root.key\"") {
            config.dns.trustAnchor = anchor
        }
        if let list = reader.stringList("forwarders", example: "[\"127.0.0.1@53\"]") {
            config.dns.forwarders = list.value.compactMap { entry in
                switch DNSForwarder.parse(entry.value) {
                case .success(let forwarder): return forwarder
                case .failure(let problem):
                    invalid(entry.line, "dns.forwarders: \(problem.text)")
                    return nil
                }
            }
        }
        if let flag = reader.bool("use_resolv_conf") {
            config.dns.useResolvConf = flag.value
            if flag.value, let forwarders = reader.table["forwarders"], case .array(let items) = forwarders.kind,
                !items.isEmpty
            {
                diagnostics.add(
                    .conflict, line: flag.line,
                    "dns.use_resolv_conf and dns.forwarders both choose the resolvers; keep one of them")
            }
        }
        if let list = reader.stringList("stub_zones", example: "[\"home.arpa=192.168.1.1@53\"]") {
            config.dns.stubZones = list.value.compactMap { entry in
                switch DNSStubZone.parse(entry.value) {
                case .success(let stub): return stub
                case .failure(let problem):
                    invalid(entry.line, "dns.stub_zones: \(problem.text)")
                    return nil
                }
            }
        }
        if let size = size(reader, "cache_size", minimum: 0, example: "\"512k\"") { config.dns.cacheSize = size }
        // Under a second a cold validating lookup from the root rarely completes.
        if let value = duration(reader, "timeout", minimum: 1) { config.dns.timeout = value }
    }

    private mutating func decodeListen(_ reader: TableReader) {
        var seen: [ListenAddress: (key: String, line: Int)] = [:]
        func addresses(_ key: String, example: String) -> [ListenAddress]? {
            guard let list = reader.stringList(key, example: example) else { return nil }
            var result: [ListenAddress] = []
            for entry in list.value {
                switch ListenAddress.parse(entry.value) {
                case .success(let address):
                    if let first = seen[address] {
                        diagnostics.add(
                            .duplicate, line: entry.line,
                            "listen.\(key): \(address) is already used by listen.\(first.key) at line \(first.line); "
                                + "each address can serve one listener")
                    } else {
                        seen[address] = (key, entry.line)
                        result.append(address)
                    }
                case .failure(let problem):
                    invalid(entry.line, "listen.\(key): \(problem.text)")
                }
            }
            return result
        }
        if let list = addresses("s2s", example: "[\"[::]:5269\"]") { config.listen.s2s = list }
        if let list = addresses("s2s_direct_tls", example: "[\"[::]:5270\"]") { config.listen.s2sDirectTLS = list }
        if let list = addresses("home", example: "[\"127.0.0.1:5289\"]") { config.listen.home = list }
        if let list = addresses("component", example: "[\"127.0.0.1:5347\"]") {
            config.listen.component = list
            for address in list where !address.isLoopback {
                let line = seen[address]?.line ?? reader.line
                warn(
                    .risky, line: line,
                    "listen.component \(address) is not a loopback address: XEP-0114 is plaintext with a SHA-1 "
                        + "handshake, so stanzas cross the network readable and the secret can be guessed offline; "
                        + "listen on 127.0.0.1 or [::1] (reach it through a VPN or ssh tunnel)")
            }
        }
    }

    private mutating func decodeHome(_ reader: TableReader) {
        let domain = domain(reader, example: "\"smith.example\"")
        let server = serverAddress(reader, "server", example: "\"127.0.0.1:5299\"")
        if server == nil && !reader.contains("server") {
            missing(reader, "server", example: "\"127.0.0.1:5269\" (where the home server accepts s2s)")
        }
        let pins = pins(reader)
        let plaintext = reader.bool("plaintext_loopback")
        if let plaintext, plaintext.value, let server, !server.value.isLoopback {
            diagnostics.add(
                .conflict, line: plaintext.line,
                "plaintext_loopback needs a loopback server (127.0.0.1 or [::1]), but server is \(server.value); "
                    + "use pinned TLS for a server on another machine")
        }
        if let plaintext, plaintext.value, reader.contains("pin") || reader.contains("pins") {
            diagnostics.add(
                .conflict, line: plaintext.line,
                "plaintext_loopback = true turns TLS off, so the pins would never be checked; "
                    + "remove the pins or plaintext_loopback")
        }
        if !reader.contains("pin") && !reader.contains("pins") && plaintext?.value != true {
            diagnostics.add(
                .missingKey, line: reader.line,
                "[[home]] \(domain?.value ?? "") has no pin: add pin = \"3 1 1 …\" (xmpp-relay pin HOST:PORT "
                    + "prints it), or plaintext_loopback = true for a server on this machine")
        }
        guard let domain, claim(domain, header: "[[home]]"), let server else { return }
        config.homes.append(
            HomeDomain(
                domain: domain.value, server: server.value, pins: pins ?? [],
                plaintextLoopback: plaintext?.value ?? false))
    }

    private mutating func decodeComponent(_ reader: TableReader) {
        let domain = domain(reader, example: "\"iot.smith.example\"")
        let inline = reader.string("secret", example: "\"…\"")
        let secretFile = path(reader, "secret_file", kind: .private, example: "\"/etc/xmpp-relay/iot.secret\"")
        var secret: ComponentDomain.Secret?
        switch (reader.table["secret"], reader.table["secret_file"]) {
        case (let inlineValue?, let fileValue?):
            diagnostics.add(
                .conflict, line: max(inlineValue.line, fileValue.line),
                "[[component]] has both secret and secret_file; keep one (secret_file keeps the secret out of this file)"
            )
        case (nil, nil):
            diagnostics.add(
                .missingKey, line: reader.line,
                "[[component]] \(domain?.value ?? "") has no secret: add secret_file = \"/etc/xmpp-relay/NAME.secret\" "
                    + "(or secret = \"…\")")
        default:
            if let inline {
                if inline.value.isEmpty {
                    invalid(inline.line, "component.secret is empty; set the secret the component is configured with")
                } else {
                    secret = .inline(inline.value)
                    inlineSecretLine = inlineSecretLine ?? inline.line
                }
            } else if let secretFile {
                secret = .file(secretFile)
            }
        }
        guard let domain, claim(domain, header: "[[component]]"), let secret else { return }
        config.components.append(ComponentDomain(domain: domain.value, secret: secret))
    }

    private mutating func decodePeer(_ reader: TableReader) {
        let domain = domain(reader, example: "\"jones.example\"")
        let pins = pins(reader)
        let dialback = reader.bool("allow_dialback")
        if let dialback, dialback.value, pins != nil {
            diagnostics.add(
                .conflict, line: dialback.line,
                "a peer with pins is accepted by its pins only; remove allow_dialback or the pins")
        }
        let server = serverAddress(reader, "server", example: "\"relay.jones.example:5269\"")
        guard let domain, claim(domain, header: "[[peer]]") else { return }
        config.peers.append(
            PeerDomain(
                domain: domain.value, pins: pins ?? [], allowDialback: dialback?.value ?? false,
                server: server?.value))
    }

    private mutating func decodePolicy(_ reader: TableReader) {
        if let require = reader.string("require", example: "\"verified\"") {
            if let value = PolicySettings.Requirement(rawValue: require.value) {
                config.policy.require = value
            } else {
                invalid(
                    require.line,
                    "policy.require '\(require.value)' is not one of \"verified\" (DANE, pin or PKIX) "
                        + "or \"dane\" (DANE or pin only)")
            }
        }
        if let list = reader.stringList("allow_dialback", example: "[\"chat.example\"] or [\"*\"]") {
            if list.value.contains(where: { $0.value == "*" }) {
                if list.value.count > 1 {
                    invalid(list.line, "policy.allow_dialback: \"*\" already allows every domain; write [\"*\"] alone")
                }
                config.policy.allowDialback = .all
                warn(
                    .risky, line: list.line,
                    "policy.allow_dialback = [\"*\"] lets any server without DANE, a pin or a CA certificate "
                        + "authenticate by dialback, which trusts unsigned DNS; list only the domains that need it")
            } else {
                var domains: [String] = []
                for entry in list.value {
                    switch DomainName.normalize(entry.value) {
                    case .success(let name):
                        if domains.contains(name) {
                            diagnostics.add(
                                .duplicate, line: entry.line, "policy.allow_dialback lists \(name) twice; keep one")
                        } else {
                            domains.append(name)
                        }
                    case .failure(let problem): invalid(entry.line, "policy.allow_dialback: \(problem.text)")
                    }
                }
                config.policy.allowDialback = domains.isEmpty ? .none : .domains(domains)
            }
        }
    }

    private mutating func decodeQueue(_ reader: TableReader) {
        if let value = duration(reader, "hold", minimum: 0) {
            if value <= .seconds(20) {
                config.queue.hold = value
            } else {
                // Prosody 13 closes a link whose ack requests wait over 30 s: stay well inside that.
                invalid(
                    reader.table["hold"]!.line, "queue.hold must be at most 20s (peers close links whose acks wait 30s)"
                )
            }
        }
        if let value = duration(reader, "max_age", minimum: 60) { config.queue.maxAge = value }
        if let value = duration(reader, "iq_hold", minimum: 1) { config.queue.iqHold = value }
        if let value = duration(reader, "retry_max", minimum: 1) {
            config.queue.maxBackoff = value
            warn(
                .deprecated, line: reader.table["retry_max"]!.line,
                "queue.retry_max is now called queue.max_backoff; rename it (the old name still works)")
        }
        if let value = duration(reader, "max_backoff", minimum: 1) { config.queue.maxBackoff = value }
        let total = size(reader, "max_bytes", minimum: 65536, example: "\"64M\"")
        let perDomain = size(reader, "max_bytes_per_domain", minimum: 65536, example: "\"16M\"")
        if let total { config.queue.maxBytes = total }
        if let perDomain { config.queue.maxBytesPerDomain = perDomain }
        if config.queue.maxBytesPerDomain > config.queue.maxBytes, total != nil || perDomain != nil {
            let line = reader.table["max_bytes_per_domain"]?.line ?? reader.table["max_bytes"]!.line
            diagnostics.add(
                .conflict, line: line,
                "queue.max_bytes_per_domain (\(SizeNotation.format(config.queue.maxBytesPerDomain))) is larger than "
                    + "queue.max_bytes (\(SizeNotation.format(config.queue.maxBytes))); lower it or raise max_bytes")
        }
    }

    private mutating func decodeLimits(_ reader: TableReader) {
        // RFC 6120 §13.12: a server must accept stanzas of at least 10000 bytes.
        if let value = size(reader, "max_stanza_bytes", minimum: 10000, example: "262144") {
            config.limits.maxStanzaBytes = value
        }
        if let value = integer(reader, "max_depth", 4...1000) { config.limits.maxDepth = value }
        if let value = integer(reader, "max_attributes", 8...10000) { config.limits.maxAttributes = value }
        if let value = integer(reader, "connections_per_ip", 1...100_000) { config.limits.connectionsPerIP = value }
        if let value = integer(reader, "max_links", 1...1_000_000) { config.limits.maxLinks = value }
        if let value = duration(reader, "handshake_timeout", minimum: 1) { config.limits.handshakeTimeout = value }
        if let value = size(reader, "link_output_bytes", minimum: 16384, example: "512K") {
            config.limits.linkOutputBytes = value
        }
        if let value = size(reader, "max_output_bytes", minimum: 65536, example: "32M") {
            config.limits.maxOutputBytes = value
        }
        if let value = duration(reader, "write_stall", minimum: 1) { config.limits.writeStall = value }
        // One stanza of the largest size must fit under a link's mark, or every such stanza would stall it.
        if config.limits.linkOutputBytes < config.limits.maxStanzaBytes,
            let line = reader.table["link_output_bytes"]?.line ?? reader.table["max_stanza_bytes"]?.line
        {
            diagnostics.add(
                .conflict, line: line,
                "limits.link_output_bytes (\(SizeNotation.format(config.limits.linkOutputBytes))) is smaller than "
                    + "limits.max_stanza_bytes (\(config.limits.maxStanzaBytes)); raise link_output_bytes")
        }
    }

    // MARK: rules across sections

    /// Served domains need a certificate; per-domain certificates must belong to a served domain.
    private mutating func checkCertificates() {
        let served = Set(config.localDomains)
        for certificate in config.tls.domainCertificates where !served.contains(certificate.domain) {
            let line = certificateDomainLines[certificate.domain] ?? 0
            diagnostics.add(
                .conflict, line: line,
                "[[tls.domain]] \(certificate.domain) is neither a [[home]] nor a [[component]] domain; "
                    + "add that domain or remove its certificate")
        }
        guard config.tls.certificate == nil && config.tls.key == nil else { return }
        let withOwn = Set(config.tls.domainCertificates.map(\.domain))
        guard let uncovered = config.localDomains.first(where: { !withOwn.contains($0) }),
            let line = seenDomains[uncovered]?.line
        else { return }
        diagnostics.add(
            .missingKey, line: line,
            "\(uncovered) needs a certificate: set certificate and key in [tls] "
                + "(xmpp-relay keygen \(uncovered) makes them)")
    }

    /// A home server sends everything through the home listener, its answers to the relay's dialback
    /// included: without one neither direction can work.
    private mutating func checkHomeListener() {
        guard let first = config.homes.first, config.listen.home.isEmpty else { return }
        diagnostics.add(
            .conflict, line: seenDomains[first.domain]?.line ?? 0,
            "[[home]] \(first.domain) needs the home listener, but listen.home is empty: the home server sends "
                + "everything through it, even its dialback checks of the relay; set home = [\"127.0.0.1:5289\"] in [listen]"
        )
    }

    /// Files nobody wrote but the relay reads anyway (the defaults of ca_file and trust_anchor).
    private mutating func addDefaultFiles() {
        let written = Set(config.referencedFiles.map(\.key))
        if !written.contains("tls.ca_file") {
            config.referencedFiles.append(
                ReferencedFile(key: "tls.ca_file", path: config.tls.caFile, line: 0, kind: .readable))
        }
        if !written.contains("dns.trust_anchor") {
            config.referencedFiles.append(
                ReferencedFile(key: "dns.trust_anchor", path: config.dns.trustAnchor, line: 0, kind: .readable))
        }
        if !written.contains("relay.state_dir") {
            config.referencedFiles.append(
                ReferencedFile(key: "relay.state_dir", path: config.relay.stateDirectory, line: 0, kind: .directory))
        }
    }

    /// Records a served or peer domain; false (and an error) when it is configured already.
    private mutating func claim(_ domain: Located<String>, header: String) -> Bool {
        if let first = seenDomains[domain.value] {
            diagnostics.add(
                .duplicate, line: domain.line,
                "\(domain.value) is already configured as \(first.header) at line \(first.line); "
                    + "each domain may appear once across [[home]], [[component]] and [[peer]]")
            return false
        }
        seenDomains[domain.value] = (domain.line, header)
        return true
    }

    // MARK: typed values

    private mutating func warn(_ kind: ConfigWarning.Kind, line: Int, _ message: String) {
        config.warnings.append(ConfigWarning(kind, file: file, line: line, message))
    }

    private func invalid(_ line: Int, _ message: String) {
        diagnostics.add(.invalidValue, line: line, message)
    }

    private func missing(_ reader: TableReader, _ key: String, example: String) {
        diagnostics.add(
            .missingKey, line: reader.line,
            "\(ConfigSchema.header(reader.name)) has no \(key); add \(key) = \(example)")
    }

    private func domain(_ reader: TableReader, example: String) -> Located<String>? {
        guard let text = reader.string("domain", example: example) else {
            if !reader.contains("domain") { missing(reader, "domain", example: example) }
            return nil
        }
        switch DomainName.normalize(text.value) {
        case .success(let name): return Located(value: name, line: text.line)
        case .failure(let problem):
            invalid(text.line, "\(reader.qualified("domain")): \(problem.text)")
            return nil
        }
    }

    private mutating func path(_ reader: TableReader, _ key: String, kind: ReferencedFile.Kind, example: String)
        -> String?
    {
        guard let text = reader.string(key, example: example) else { return nil }
        guard !text.value.isEmpty else {
            invalid(text.line, "\(reader.qualified(key)) is empty; write a path, e.g. \(key) = \(example)")
            return nil
        }
        guard !text.value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            invalid(text.line, "\(reader.qualified(key)) contains a control character; write a plain path")
            return nil
        }
        let resolved = PathNotation.resolve(text.value, relativeTo: anchor)
        config.referencedFiles.append(
            ReferencedFile(key: reader.qualified(key), path: resolved, line: text.line, kind: kind))
        return resolved
    }

    private func serverAddress(_ reader: TableReader, _ key: String, example: String) -> Located<ServerAddress>? {
        guard let text = reader.string(key, example: example) else { return nil }
        switch ServerAddress.parse(text.value) {
        case .success(let address): return Located(value: address, line: text.line)
        case .failure(let problem):
            invalid(text.line, "\(reader.qualified(key)): \(problem.text)")
            return nil
        }
    }

    /// `pin = "…"` or `pins = ["…", …]`, not both; nil when neither is given (or all are broken).
    private func pins(_ reader: TableReader) -> [TLSARecord]? {
        var entries: [Located<String>] = []
        if let single = reader.string("pin", example: "\"3 1 1 5c2f…\"") { entries.append(single) }
        if let list = reader.stringList("pins", example: "[\"3 1 1 5c2f…\"]") {
            if reader.contains("pin") {
                diagnostics.add(
                    .conflict, line: list.line,
                    "\(ConfigSchema.header(reader.name)) has both pin and pins; put every pin in pins = [ … ]")
            }
            if list.value.isEmpty {
                invalid(list.line, "\(reader.qualified("pins")) is empty; list at least one pin or remove the key")
            }
            entries += list.value
        }
        var pins: [TLSARecord] = []
        for entry in entries {
            switch PinSyntax.parse(entry.value) {
            case .success(let pin):
                if pins.contains(pin) {
                    diagnostics.add(.duplicate, line: entry.line, "the pin \(pin) is listed twice; keep one")
                } else {
                    pins.append(pin)
                }
            case .failure(let problem): invalid(entry.line, problem.description)
            }
        }
        return pins.isEmpty ? nil : pins
    }

    private func duration(_ reader: TableReader, _ key: String, minimum seconds: Int64) -> Duration? {
        guard let value = reader.table[key] else { return nil }
        guard case .string(let text) = value.kind else {
            diagnostics.add(
                .wrongType, line: value.line,
                "\(reader.qualified(key)) must be a duration in quotes with a unit, not \(value.typeDescription); "
                    + "e.g. \(key) = \"30s\" (units s, m, h, d)")
            return nil
        }
        switch DurationNotation.parse(text) {
        case .success(let duration):
            if duration < .seconds(seconds) {
                invalid(
                    value.line,
                    "\(reader.qualified(key)) must be at least \(DurationNotation.format(.seconds(seconds))), "
                        + "not \(text)")
                return nil
            }
            return duration
        case .failure(let problem):
            invalid(value.line, "\(reader.qualified(key)): \(problem.text)")
            return nil
        }
    }

    private func size(_ reader: TableReader, _ key: String, minimum: Int, example: String) -> Int? {
        guard let value = reader.table[key] else { return nil }
        let parsed: Result<Int, ScalarProblem>
        switch value.kind {
        case .integer(let number):
            parsed = number >= 0 ? .success(Int(number)) : .failure(ScalarProblem("a size cannot be negative"))
        case .string(let text):
            parsed = SizeNotation.parse(text)
        default:
            diagnostics.add(
                .wrongType, line: value.line,
                "\(reader.qualified(key)) must be a size, not \(value.typeDescription); e.g. \(key) = \(example)")
            return nil
        }
        switch parsed {
        case .success(let bytes):
            if bytes < minimum {
                invalid(
                    value.line,
                    "\(reader.qualified(key)) must be at least \(SizeNotation.format(minimum)) bytes")
                return nil
            }
            return bytes
        case .failure(let problem):
            invalid(value.line, "\(reader.qualified(key)): \(problem.text)")
            return nil
        }
    }

    private func integer(_ reader: TableReader, _ key: String, _ range: ClosedRange<Int64>) -> Int? {
        guard let value = reader.integer(key, example: "\(range.lowerBound * 4)") else { return nil }
        guard range.contains(value.value) else {
            invalid(
                value.line,
                "\(reader.qualified(key)) must be between \(range.lowerBound) and \(range.upperBound), "
                    + "not \(value.value)")
            return nil
        }
        return Int(value.value)
    }
}
