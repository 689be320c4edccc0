import RelayConfig
import RelayServer
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `xmpp-relay queue list|show|flush|drop`: the durable queue, while the relay runs (through its
/// control socket) or while it is stopped (the store itself, under its lock).
struct QueueCommand: Command {
    static var name: String { "queue" }
    static var summary: String { "list, show, retry or drop queued stanzas" }
    static var usage: String {
        """
        usage: xmpp-relay queue list [--json] [--domain D] [--config FILE]
               xmpp-relay queue show ID [--stanza] [--config FILE]
               xmpp-relay queue flush [DOMAIN] [--config FILE]
               xmpp-relay queue drop ID... [--bounce] [--config FILE]
               xmpp-relay queue drop --domain D [--bounce] [--config FILE]

        The stanzas the relay holds in <state_dir>/queue.db for a next hop that is down or slow.
        While the relay runs, every command goes through its control socket (<state_dir>/control.sock),
        so only the relay writes its store; while it is stopped, the command opens the store itself
        under <state_dir>/queue.lock. Run it as the relay's user (e.g. sudo -u xmpp-relay).

          list         id, kind, from and to domains, size, age, attempts, next retry, last error
            --json     one JSON object per line (like postqueue -j)
            --domain D only stanzas waiting to go to D
          show ID      one stanza's metadata; --stanza also prints the stanza itself
          flush        retry now what waits (for DOMAIN only, when given); a stopped relay has nothing
                       to retry: it tries every queued stanza as soon as it starts
          drop         removes the stanzas ID... (or every one waiting to go to D); --bounce first sends
                       each sender an error reply (needs the running relay)
          --config FILE  the relay's configuration, for its state directory (default: the embedded
                         default's)

        exit status: 0 done, 1 failed (no such id, the relay or the store could not do it),
        2 bad usage or configuration
        """
    }

    static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        run(arguments, io: io, now: currentMilliseconds())
    }

    /// `now` (Unix milliseconds) is injected so tests can check ages.
    static func run(_ arguments: [String], io: CommandIO, now: Int64) -> Int32 {
        let options: ArgumentList
        do {
            options = try ArgumentList(
                arguments, valueFlags: ["--config", "--domain"], switchFlags: ["--json", "--stanza", "--bounce"])
        } catch {
            return usageError("\(error)", io)
        }
        guard let action = options.positionals.first else {
            return usageError("say what to do: list, show, flush or drop", io)
        }
        let rest = Array(options.positionals.dropFirst())
        let request: QueueWire.Request
        do {
            request = try parse(action, rest, options)
        } catch {
            return usageError(error.message, io)
        }
        let directory: String
        switch stateDirectory(options.value("--config")) {
        case .success(let found): directory = found
        case .failure(let errors):
            for problem in errors.errors { io.err(problem.description) }
            io.err("xmpp-relay queue: fix the configuration (xmpp-relay check-config shows the same)")
            return ExitCode.usage
        }
        let access: QueueAccess
        switch QueueAccess.open(stateDirectory: directory) {
        case .success(let opened): access = opened
        case .failure(let error):
            io.err("xmpp-relay queue: \(error.message)")
            return ExitCode.failure
        }
        // The store lock must outlive the request.
        return withExtendedLifetime(access) {
            execute(request, on: access.operations, json: options.isSet("--json"), io: io, now: now)
        }
    }

    /// Runs one request against `operations` and prints the outcome.
    static func execute(
        _ request: QueueWire.Request, on operations: any QueueOperations, json: Bool, io: CommandIO, now: Int64
    ) -> Int32 {
        do {
            switch request {
            case .list(let domain):
                let entries = try operations.list(domain: domain)
                if json {
                    for entry in entries { io.out(QueueListing.json(entry, now: now)) }
                } else {
                    io.out(QueueListing.table(entries, now: now, domain: domain))
                }
            case .show(let id, let withStanza):
                io.out(QueueListing.details(try operations.show(id, withStanza: withStanza), now: now))
            case .flush(let domain):
                var outcome: Result<QueueFlushResult, QueueError> = .failure(QueueError(.failed, "no answer"))
                operations.flush(domain: domain) { outcome = $0 }
                let flushed = try outcome.get()
                io.out(flushed.note)
            case .drop(let target, let bounce):
                var outcome: Result<QueueDropResult, QueueError> = .failure(QueueError(.failed, "no answer"))
                operations.drop(target, bounce: bounce) { outcome = $0 }
                let dropped = try outcome.get()
                var line = "dropped \(dropped.dropped.count) stanza\(dropped.dropped.count == 1 ? "" : "s")"
                if !dropped.dropped.isEmpty {
                    line += " (\(dropped.dropped.map(\.description).joined(separator: ", ")))"
                }
                if bounce { line += ", bounced \(dropped.bounced)" }
                io.out(line)
                guard dropped.missing.isEmpty else {
                    let ids = dropped.missing.map(\.description).joined(separator: ", ")
                    io.err("xmpp-relay queue: not queued (delivered meanwhile, or a wrong id): \(ids)")
                    return ExitCode.failure
                }
            }
            return ExitCode.ok
        } catch {
            io.err("xmpp-relay queue: \(error.message)")
            return error.code == .badRequest ? ExitCode.usage : ExitCode.failure
        }
    }

    private static func parse(_ action: String, _ rest: [String], _ options: ArgumentList) throws(QueueError)
        -> QueueWire.Request
    {
        func refuse(_ flag: String) throws(QueueError) {
            if options.isSet(flag) || options.value(flag) != nil {
                throw QueueError(.badRequest, "\(flag) does not apply to queue \(action)")
            }
        }
        func nonEmpty(_ domain: String?) throws(QueueError) -> String? {
            if let domain, domain.isEmpty { throw QueueError(.badRequest, "--domain needs a domain") }
            return domain
        }
        switch action {
        case "list":
            try refuse("--stanza")
            try refuse("--bounce")
            guard rest.isEmpty else { throw QueueError(.badRequest, "queue list takes no argument (use --domain D)") }
            return .list(domain: try nonEmpty(options.value("--domain")))
        case "show":
            for flag in ["--json", "--domain", "--bounce"] { try refuse(flag) }
            guard rest.count == 1 else { throw QueueError(.badRequest, "queue show takes one ID") }
            return .show(try QueueWire.recordID(rest[0]), withStanza: options.isSet("--stanza"))
        case "flush":
            for flag in ["--json", "--domain", "--stanza", "--bounce"] { try refuse(flag) }
            guard rest.count <= 1 else { throw QueueError(.badRequest, "queue flush takes at most one DOMAIN") }
            return .flush(domain: rest.first)
        case "drop":
            for flag in ["--json", "--stanza"] { try refuse(flag) }
            let bounce = options.isSet("--bounce")
            if let domain = try nonEmpty(options.value("--domain")) {
                guard rest.isEmpty else { throw QueueError(.badRequest, "give either IDs or --domain D, not both") }
                return .drop(.domain(domain), bounce: bounce)
            }
            guard !rest.isEmpty else { throw QueueError(.badRequest, "queue drop needs IDs or --domain D") }
            var ids: [RecordID] = []
            for text in rest {
                let id = try QueueWire.recordID(text)
                if !ids.contains(id) { ids.append(id) }
            }
            return .drop(.ids(ids), bounce: bounce)
        default:
            throw QueueError(.badRequest, "unknown queue command '\(action)': list, show, flush or drop")
        }
    }

    /// The state directory of `--config FILE` (only keys and values are checked: the certificates
    /// need not be readable by whoever looks at the queue), or of the embedded default.
    private static func stateDirectory(_ path: String?) -> Result<String, ConfigErrors> {
        guard let path else { return .success(RelayConfiguration.embeddedDefault().relay.stateDirectory) }
        return ConfigLoader.load(path: path, checkFiles: false).map(\.relay.stateDirectory)
    }

    private static func usageError(_ message: String, _ io: CommandIO) -> Int32 {
        io.err("xmpp-relay queue: \(message)\n\n\(usage)")
        return ExitCode.usage
    }

    private static func currentMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
