import DNS
import EventLoop
import RelayServer
import TLS
import Trust

/// `xmpp-relay probe DOMAIN`: an observatory-style security report. How this relay would reach
/// DOMAIN (SRV, addresses, TLSA, with the DNSSEC status of every record), then for each usable target
/// (at most `--max-targets`): TLS versions and suites, certificate, trust (DANE or PKIX), the
/// authentication offered after TLS, and a grade (TLSProbeGrade, docs/probe-grading.md).
public enum ProbeCommand: Command {
    public static var name: String { "probe" }
    public static var summary: String { "security report for DOMAIN: DNSSEC, TLSA, TLS, certificate, auth, grade" }
    public static var usage: String {
        """
        usage: xmpp-relay probe DOMAIN [--trust-anchor FILE] [--forwarder IP[@PORT]]...
                                       [--stub ZONE=IP[@PORT]]... [--resolv-conf FILE] [--ca-file FILE]
                                       [--timeout SECONDS] [--max-targets N] [--dns-only]
          Resolves DOMAIN as the relay does (SRV for xmpps-server and xmpp-server, addresses,
          TLSA under DNSSEC), printing each lookup with its DNSSEC status as it completes, and the
          connection plan;
          then connects to each usable target: TLS versions (1.3, 1.2, and whether 1.1/1.0 are still
          accepted), suites and forward secrecy, certificate, trust (DANE from the TLSA above, else
          PKIX), STARTTLS, SASL EXTERNAL and dialback, and a grade per target; the last line is
          `grade: X`, the worst of them (see docs/probe-grading.md).
          --trust-anchor FILE   DNSSEC root key (default \(ResolverConfiguration.defaultTrustAnchorFile))
          --forwarder IP@PORT   ask this resolver instead of recursing from the root (repeatable)
          --stub ZONE=IP@PORT   send queries for ZONE to this server (repeatable)
          --resolv-conf FILE    forward to the nameservers listed in FILE
          --ca-file FILE        CA bundle for PKIX (default \(TLSTrustStore.systemBundlePath))
          --timeout SECONDS     per connection (default 5); each target about 4 times this; the DNS
                                lookups together at most twice this (then: retry later)
          --max-targets N       probe at most N targets (default 4)
          --dns-only            print the DNS plan only; connect to nothing
          Exit status: 0 if a grade could be given (with --dns-only: a usable target), 1 if not,
          2 on bad usage.
        """
    }

    public static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        let options: Options
        switch Options.parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let problem):
            io.err("xmpp-relay probe: \(problem.message)")
            io.err(
                "usage: xmpp-relay probe DOMAIN [--trust-anchor FILE] [--forwarder IP@PORT] [--stub ZONE=IP@PORT] "
                    + "[--ca-file FILE] [--timeout SECONDS] [--max-targets N] [--dns-only]")
            return ExitCode.usage
        }
        do throws(DNSError) {
            try options.configuration.checkDNSSECCanBeValidated()
        } catch {
            io.err("xmpp-relay probe: \(error.message)")
            return ExitCode.usage
        }
        let loop = Loop()
        let resolver: Resolver
        do throws(DNSError) {
            resolver = try Resolver(loop: loop, configuration: options.configuration)
        } catch {
            io.err("xmpp-relay probe: \(error.message)")
            return ExitCode.usage
        }
        var result: ConnectionPlan? = nil
        for line in ProbeReport.header(options.domain) { io.out(line) }
        let planner = ConnectionPlanner(resolver: resolver, scheduler: loop, timeout: options.timeout * 2)
        planner.timeoutSetting = "twice --timeout"
        let printLookup: (PlanLookup) -> Void = { lookup in
            for line in ProbeReport.lines(for: lookup) { io.out(line) }
        }
        planner.plan(options.domain, onLookup: printLookup) { plan in
            result = plan
            loop.stop()
        }
        if result == nil { loop.run() }
        guard let plan = result else {
            io.err("xmpp-relay probe: the resolver stopped without an answer")
            return ExitCode.failure
        }
        for line in ProbeReport.planLines(for: plan) { io.out(line) }
        withExtendedLifetime(resolver) {}
        let usable = plan.verdict == .connect ? plan.usableTargets : []
        if options.dnsOnly { return usable.isEmpty ? ExitCode.failure : ExitCode.ok }
        let reports = probe(
            Array(usable.prefix(options.maxTargets)), domain: plan.domain, options: options, loop: loop, io: io)
        for line in ProbeReport.summary(reports, skipped: max(0, usable.count - options.maxTargets)) { io.out(line) }
        return reports.contains { $0.grade != nil } ? ExitCode.ok : ExitCode.failure
    }

    /// Probes the targets one after another (each at its first address that answers, trying at most
    /// two), printing each section as soon as it is done.
    private static func probe(
        _ targets: [PlanTarget], domain: String, options: Options, loop: Loop, io: CommandIO
    ) -> [ProbeTargetReport] {
        let verifier = PeerVerifier(
            chainVerifier: TrustStoreVerifier(),
            systemAnchors: .system(bundlePath: options.caFile ?? TLSTrustStore.systemBundlePath))
        var reports: [ProbeTargetReport] = []
        var running: TLSProbe?
        for (index, target) in targets.enumerated() {
            var addresses = target.addresses.prefix(2).compactMap {
                SocketAddress(ipBytes: $0.bytes, port: target.port)
            }
            var report: ProbeTargetReport?
            while report == nil, !addresses.isEmpty {
                let address = addresses.removeFirst()
                var finished: TLSProbe.Result?
                running = TLSProbe(
                    loop: loop, target: TLSProbe.Target(domain: domain, address: address, directTLS: target.directTLS),
                    timeout: options.timeout, budget: options.timeout * 4
                ) { result in
                    finished = result
                    loop.stop()
                }
                if finished == nil { loop.run() }
                guard let result = finished else { break }
                if case .failure(let failure) = result.main, failure.step == "connect", !addresses.isEmpty { continue }
                report = ProbeTargetReport(
                    number: index + 1, planTarget: target, domain: domain, result: result, verifier: verifier,
                    now: loop.unixSeconds)
            }
            guard let report else {
                io.out("")
                io.out("target \(index + 1): \(target.host):\(target.port): no address to connect to")
                continue
            }
            for line in ProbeReport.lines(for: report) { io.out(line) }
            reports.append(report)
        }
        withExtendedLifetime(running) {}
        return reports
    }

    struct Options {
        var domain = ""
        var configuration = ResolverConfiguration()
        var caFile: String? = nil
        var timeout = Duration.seconds(5)
        var maxTargets = 4
        var dnsOnly = false

        struct Problem: Error {
            let message: String
        }

        static func parse(_ arguments: [String]) -> Result<Options, Problem> {
            var options = Options()
            var domain: String? = nil
            var index = 0
            func value(_ flag: String) -> String? {
                index += 1
                return index < arguments.count ? arguments[index] : nil
            }
            while index < arguments.count {
                let argument = arguments[index]
                switch argument {
                case "--trust-anchor":
                    guard let file = value(argument) else {
                        return .failure(Problem(message: "--trust-anchor needs a FILE"))
                    }
                    options.configuration.trustAnchorFile = file
                case "--forwarder":
                    guard let server = value(argument) else {
                        return .failure(Problem(message: "--forwarder needs IP or IP@PORT"))
                    }
                    options.configuration.forwarders.append(server)
                case "--stub":
                    guard let spec = value(argument), let equals = spec.firstIndex(of: "="),
                        equals != spec.startIndex, spec.index(after: equals) != spec.endIndex
                    else { return .failure(Problem(message: "--stub needs ZONE=IP@PORT")) }
                    let zone = String(spec[..<equals])
                    let servers = spec[spec.index(after: equals)...].split(separator: ",").map(String.init)
                    options.configuration.stubZones.append(StubZone(zone: zone, servers: servers))
                case "--resolv-conf":
                    guard let file = value(argument) else {
                        return .failure(Problem(message: "--resolv-conf needs a FILE"))
                    }
                    options.configuration.resolvConfFile = file
                case "--ca-file":
                    guard let file = value(argument) else {
                        return .failure(Problem(message: "--ca-file needs a FILE"))
                    }
                    options.caFile = file
                case "--timeout":
                    guard let text = value(argument), let seconds = Int(text), seconds > 0, seconds <= 120 else {
                        return .failure(Problem(message: "--timeout takes whole seconds from 1 to 120"))
                    }
                    options.timeout = .seconds(seconds)
                case "--max-targets":
                    guard let text = value(argument), let count = Int(text), count > 0, count <= 16 else {
                        return .failure(Problem(message: "--max-targets takes a number from 1 to 16"))
                    }
                    options.maxTargets = count
                case "--dns-only":
                    options.dnsOnly = true
                default:
                    if argument.hasPrefix("-") { return .failure(Problem(message: "unknown option \(argument)")) }
                    if domain != nil { return .failure(Problem(message: "one DOMAIN only (got \(argument) too)")) }
                    domain = argument
                }
                index += 1
            }
            guard let domain, !domain.isEmpty else { return .failure(Problem(message: "which DOMAIN?")) }
            options.domain = domain
            return .success(options)
        }
    }
}
