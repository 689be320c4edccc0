/// Command-line options of `relay-load crash` (the crash test, `Scripts/crash-test`).
struct CrashOptions {
    /// Lives of the relay that end in SIGKILL; one more, stopped cleanly, drains the queue.
    var rounds = 20
    var links = 2
    var batch = 10
    /// How often each peer sends a batch while the relay lives.
    var intervalMilliseconds = 20
    var minLifeMilliseconds = 300
    var maxLifeMilliseconds = 1500
    var drainSeconds = 60
    var bodyBytes = 100
    var relay: String?
    var keep = false
    var logLevel = "info"

    static let usage = """
        usage: relay-load crash [--rounds N] [--links N] [--batch B] [--interval-ms MS] [--life-ms MIN-MAX]
                                [--drain-seconds S] [--body BYTES] [--relay PATH] [--keep] [--log-level L]

        Crash test of the durable queue: N peers send message stanzas with XEP-0198 through the relay to a
        XEP-0114 sink that is down in some rounds; each round the relay is killed with SIGKILL after a
        random life and started again; peers resend what was not acknowledged. A last round drains the
        queue. Prints sent, acknowledged, delivered, duplicates and lost; exits 1 if any acknowledged
        stanza never arrived.

          --rounds N        relay lives ended by SIGKILL (default 20)
          --links N         peer domains, one s2s link each (default 2)
          --batch B         stanzas per peer per send (default 10)
          --interval-ms MS  time between a peer's batches (default 20)
          --life-ms A-B     each life lasts a random time between A and B ms (default 300-1500)
          --drain-seconds S the last round's deadline (default 60)
        """

    static func parse(_ arguments: [String]) throws(LoadError) -> CrashOptions {
        var options = CrashOptions()
        var rest = ArgumentList(arguments, usage: usage)
        while let argument = rest.next() {
            switch argument {
            case "--rounds": options.rounds = try rest.number(argument)
            case "--links": options.links = try rest.number(argument)
            case "--batch": options.batch = try rest.number(argument)
            case "--interval-ms": options.intervalMilliseconds = try rest.number(argument)
            case "--drain-seconds": options.drainSeconds = try rest.number(argument)
            case "--body": options.bodyBytes = try rest.number(argument)
            case "--relay": options.relay = try rest.value(argument)
            case "--keep": options.keep = true
            case "--log-level": options.logLevel = try rest.value(argument)
            case "--life-ms":
                let text = try rest.value(argument)
                let parts = text.split(separator: "-").compactMap { Int($0) }
                guard parts.count == 2, parts[0] > 0, parts[0] <= parts[1] else {
                    throw LoadError("--life-ms wants MIN-MAX in milliseconds, not \(text)")
                }
                options.minLifeMilliseconds = parts[0]
                options.maxLifeMilliseconds = parts[1]
            case "-h", "--help": throw LoadError(usage)
            default: throw LoadError("unknown option \(argument)\n\(usage)")
            }
        }
        return options
    }
}
