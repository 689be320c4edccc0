import DNS
import EventLoop

/// `xmpp-relay probe DOMAIN`: how this relay would reach DOMAIN, with the DNSSEC status of every
/// record and the TLSA records found. (TLS and authentication checks join it with the s2s engine.)
public enum ProbeCommand: Command {
    public static var name: String { "probe" }
    public static var summary: String { "show how DOMAIN is reached: SRV, addresses, DNSSEC, TLSA" }
    public static var usage: String {
        """
        usage: xmpp-relay probe DOMAIN [--trust-anchor FILE] [--forwarder IP[@PORT]]...
                                       [--stub ZONE=IP[@PORT]]... [--resolv-conf FILE]
          Resolves DOMAIN as the relay does (SRV for xmpps-server and xmpp-server, addresses,
          TLSA under DNSSEC) and prints the connection plan with the DNSSEC status of each record.
          --trust-anchor FILE   DNSSEC root key (default \(ResolverConfiguration.defaultTrustAnchorFile))
          --forwarder IP@PORT   ask this resolver instead of recursing from the root (repeatable)
          --stub ZONE=IP@PORT   send queries for ZONE to this server (repeatable)
          --resolv-conf FILE    forward to the nameservers listed in FILE
          Exit status: 0 if there is a usable target, 1 if not, 2 on bad usage.
        """
    }

    public static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        let options: Options
        switch Options.parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let problem):
            io.err("xmpp-relay probe: \(problem.message)")
            io.err("usage: xmpp-relay probe DOMAIN [--trust-anchor FILE] [--forwarder IP@PORT] [--stub ZONE=IP@PORT]")
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
        ConnectionPlanner(resolver: resolver).plan(options.domain) { plan in
            result = plan
            loop.stop()
        }
        if result == nil { loop.run() }
        guard let plan = result else {
            io.err("xmpp-relay probe: the resolver stopped without an answer")
            return ExitCode.failure
        }
        for line in ProbeReport.lines(for: plan) { io.out(line) }
        withExtendedLifetime(resolver) {}
        return plan.verdict == .connect && !plan.usableTargets.isEmpty ? ExitCode.ok : ExitCode.failure
    }

    struct Options {
        var domain = ""
        var configuration = ResolverConfiguration()

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

/// The text `probe` prints for a plan: the lookups with their DNSSEC status, then the targets.
enum ProbeReport {
    static func lines(for plan: ConnectionPlan) -> [String] {
        var lines = ["probe \(plan.domain)", "", "DNS lookups (validated here, DNSSEC status per answer):"]
        for lookup in plan.lookups {
            let rcode = lookup.responseCode.map { " \($0)" } ?? ""
            let count =
                lookup.records.isEmpty ? "" : ", \(lookup.records.count) record\(lookup.records.count == 1 ? "" : "s")"
            lines.append("  \(lookup.type) \(lookup.name): \(lookup.status)\(rcode)\(count)")
            for record in lookup.records { lines.append("      \(record)") }
        }
        lines.append("")
        switch plan.verdict {
        case .connect:
            lines.append("connection plan: \(plan.usableTargets.count) of \(plan.targets.count) targets usable")
        case .notFound(let reason):
            lines.append("connection plan: no server: \(reason)")
        case .retryLater(let reason):
            lines.append("connection plan: retry later: \(reason)")
        }
        for (number, target) in plan.targets.enumerated() {
            lines.append(contentsOf: describe(target, number: number + 1))
        }
        return lines
    }

    static func describe(_ target: PlanTarget, number: Int) -> [String] {
        let service =
            target.fromSRV
            ? "\(target.directTLS ? "_xmpps-server, direct TLS" : "_xmpp-server, STARTTLS"), priority "
                + "\(target.priority) weight \(target.weight)"
            : "no SRV: domain on port \(target.port), STARTTLS"
        var lines = ["  \(number). \(target.host):\(target.port) (\(service))"]
        lines.append(
            target.fromSRV
                ? "     SRV record: \(target.serviceStatus)" : "     absence of SRV records: \(target.serviceStatus)")
        let addresses = target.addresses.isEmpty ? "none" : target.addresses.map(\.description).joined(separator: " ")
        lines.append("     addresses: \(target.addressStatus): \(addresses)")
        if let status = target.tlsaStatus {
            if status.isSecure {
                let records =
                    target.tlsa.isEmpty ? "none published" : target.tlsa.map(\.description).joined(separator: ", ")
                lines.append("     TLSA \(target.tlsaName): \(status): \(records)")
            } else {
                lines.append("     TLSA \(target.tlsaName): \(status)")
            }
        } else {
            lines.append("     TLSA \(target.tlsaName): not looked up (SRV or addresses not DNSSEC-secure)")
        }
        if let reason = target.unusableReason {
            lines.append("     UNUSABLE now: \(reason)")
        } else if target.daneApplies {
            lines.append(
                "     authentication: DANE with \(target.tlsa.count) TLSA record\(target.tlsa.count == 1 ? "" : "s")")
        } else {
            lines.append("     authentication: no DANE here; PKIX or a configured pin")
        }
        return lines
    }
}
