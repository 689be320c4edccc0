// Throughput of the XMPPStream parser and serializer on a realistic s2s mix. Prints figures; it is
// not a test. Usage: xmppstream-bench [STANZAS] [ROUNDS] [chat|presence|iq|mix|all]
// Times are thread CPU time (CLOCK_THREAD_CPUTIME_ID), so a busy shared machine skews them less.
import XMPPStream

#if canImport(Glibc)
    import Glibc
#endif

func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The malloc counter of Benchmarks/malloc-count.c when it is preloaded, else nil.
func allocationCounter() -> UnsafeMutablePointer<UInt>? {
    dlsym(nil, "xmppstream_bench_allocations")?.assumingMemoryBound(to: UInt.self)
}
func allocations() -> UInt { allocationCounter()?.pointee ?? 0 }

func chatMessage(_ index: Int) -> String {
    "<message from='juliet@capulet.example/balcony' to='romeo@montague.example' type='chat' id='msg-\(index)'>"
        + "<body>Wherefore art thou, Romeo? Deny thy father and refuse thy name. (\(index))</body>"
        + "<active xmlns='http://jabber.org/protocol/chatstates'/>"
        + "<origin-id xmlns='urn:xmpp:sid:0' id='9a1c7e0e-\(index)'/></message>"
}

func presence(_ index: Int) -> String {
    "<presence from='juliet@capulet.example/balcony' to='romeo@montague.example'>"
        + "<show>away</show><status>In the garden</status><priority>5</priority>"
        + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org'"
        + " ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>"
}

func iq(_ index: Int) -> String {
    "<iq type='result' id='iq-\(index)' from='pubsub.capulet.example' to='romeo@montague.example/orchard'>"
        + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:metadata'>"
        + "<item id='111f4b3c50d7b0df729d299bc6f8e9ef9066971f'><metadata xmlns='urn:xmpp:avatar:metadata'>"
        + "<info bytes='12345' height='64' id='111f4b3c50d7b0df729d299bc6f8e9ef9066971f' type='image/png'"
        + " width='64'/></metadata></item></items></pubsub></iq>"
}

let arguments = CommandLine.arguments
let stanzaCount = arguments.count > 1 ? Int(arguments[1]) ?? 20000 : 20000
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 10 : 10
let workload = arguments.count > 3 ? arguments[3] : "all"
let header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
    + " xmlns:db='jabber:server:dialback' to='montague.example' from='capulet.example' id='s1' version='1.0'>"

func stream(_ make: (Int) -> String) -> [UInt8] {
    var text = header
    for index in 0..<stanzaCount { text += make(index) }
    return Array(text.utf8)
}

/// Parses `bytes` in 16 KiB reads (a TLS record's worth) `rounds` times; returns CPU seconds per round.
func timeParse(_ bytes: [UInt8], elements: inout [Element]) -> (seconds: Double, allocations: UInt) {
    var parseAllocations: UInt = 0
    var best = Double.infinity
    var fresh: [Element] = []
    fresh.reserveCapacity(stanzaCount)
    for _ in 0..<rounds {
        let parser = XMPPStreamParser()
        var count = 0
        fresh.removeAll(keepingCapacity: true)
        let allocationsBefore = allocations()
        let start = cpuSeconds()
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + 16384, raw.count)
                for event in parser.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) {
                    if case .element(let element) = event {
                        count += 1
                        fresh.append(element)
                    }
                }
                offset = end
            }
        }
        best = min(best, cpuSeconds() - start)
        parseAllocations = allocations() - allocationsBefore
        precondition(count == stanzaCount, "parsed \(count) of \(stanzaCount) stanzas")
    }
    elements = fresh
    return (best, parseAllocations)
}

func timeSerialize(_ elements: [Element]) -> (seconds: Double, bytes: Int, allocations: UInt) {
    var serializeAllocations: UInt = 0
    let serializer = StreamHeader.server(to: "a", from: "b", dialback: true).serializer
    var output: [UInt8] = []
    output.reserveCapacity(1 << 20)
    var best = Double.infinity
    var written = 0
    for _ in 0..<rounds {
        written = 0
        let allocationsBefore = allocations()
        let start = cpuSeconds()
        for element in elements {
            output.removeAll(keepingCapacity: true)
            try! serializer.serialize(element, into: &output)
            written += output.count
        }
        best = min(best, cpuSeconds() - start)
        serializeAllocations = allocations() - allocationsBefore
    }
    return (best, written, serializeAllocations)
}

func report(_ name: String, _ bytes: [UInt8]) {
    var elements: [Element] = []
    elements.reserveCapacity(stanzaCount)
    let (parseSeconds, parseAllocations) = timeParse(bytes, elements: &elements)
    let (serializeSeconds, written, serializeAllocations) = timeSerialize(elements)
    let megabytes = Double(bytes.count) / 1e6
    func format(_ value: Double, _ digits: Int = 1) -> String {
        var scaled = value
        for _ in 0..<digits { scaled *= 10 }
        let rounded = (scaled).rounded() / pow(10, Double(digits))
        return "\(rounded)"
    }
    print(
        "\(name): \(stanzaCount) stanzas, \(bytes.count / stanzaCount) B/stanza | parse \(format(megabytes / parseSeconds)) MB/s,"
            + " \(format(parseSeconds / Double(stanzaCount) * 1e6, 2)) us/stanza | serialize"
            + " \(format(Double(written) / 1e6 / serializeSeconds)) MB/s,"
            + " \(format(serializeSeconds / Double(stanzaCount) * 1e6, 2)) us/stanza"
            + (allocationCounter() == nil
                ? ""
                : " | mallocs/stanza: parse \(format(Double(parseAllocations) / Double(stanzaCount), 2)),"
                    + " serialize \(format(Double(serializeAllocations) / Double(stanzaCount), 2))")
    )
}

print("xmppstream-bench: best of \(rounds) rounds, thread CPU time")
if workload == "all" || workload == "chat" { report("chat message ", stream(chatMessage)) }
if workload == "all" || workload == "presence" { report("presence+caps", stream(presence)) }
if workload == "all" || workload == "iq" { report("iq+pubsub    ", stream(iq)) }
if workload == "all" || workload == "mix" {
    report(
        "mix 60/25/15 ",
        stream { index in
            switch index % 20 {
            case 0..<12: chatMessage(index)
            case 12..<17: presence(index)
            default: iq(index)
            }
        }
    )
}
ExpatMemory.resetPeak()
let parser = XMPPStreamParser()
_ = parser.feed(stream(chatMessage))
print("Expat memory for one stream: \(ExpatMemory.bytesInUse) B in use, peak \(ExpatMemory.peakBytes) B")
