import Foundation
import RelayTestSupport

/// An unbound on a loopback address of its own, port 53, that answers the test zone from its knot
/// and nothing else (every other name goes to a dead loopback port). For peers that resolve with
/// glibc, which knows only `nameserver ADDRESS` on port 53 (ejabberd resolves SRV targets so):
/// they get a private resolv.conf naming `address`. The address is random in 127.53.0.0/16, so
/// tests running side by side do not collide on port 53. Started as a foreground child, stopped
/// by PID.
final class LoopbackResolver {
    let address: String
    let directory: String
    private let process = Process()

    /// resolv.conf text for glibc: this resolver only, one quick try.
    var resolvConf: String { "nameserver \(address)\noptions timeout:1 attempts:2\n" }
    /// The same as Erlang inetrc terms (ERL_INETRC) for `inet_res`. Order matters: `resolv_conf`
    /// read later would replace the nameserver list, so the system files are switched off first.
    var erlangInetrc: String {
        "{resolv_conf, \"\"}.\n{hosts_file, \"\"}.\n"
            + "{nameserver, {\(address.split(separator: ".").joined(separator: ","))}, 53}.\n"
    }

    init(zone: TestZone) throws {
        directory = try InteropTools.makeDirectory("xr-resolver")
        address = try Self.freeAddressForPort53()
        let configuration = """
            server:
                interface: \(address)
                port: 53
                do-ip6: no
                access-control: 127.0.0.0/8 allow
                do-not-query-localhost: no
                do-daemonize: no
                username: ""
                chroot: ""
                directory: "\(directory)"
                pidfile: ""
                use-syslog: no
                logfile: "\(directory)/unbound.log"
                verbosity: 1
                log-queries: yes
                log-replies: yes
                # glibc does not validate; the relay and Prosody validate through their own resolvers.
                module-config: "iterator"
                # unbound answers .test itself (RFC 6761) unless told otherwise.
                local-zone: "test." transparent
                qname-minimisation: no
            stub-zone:
                name: "\(zone.origin)"
                stub-addr: \(zone.serverAddress)
            forward-zone:
                name: "."
                forward-addr: 127.0.0.1@9

            """
        try InteropTools.write(configuration, to: directory + "/unbound.conf")
    }

    deinit { stop() }

    /// Starts unbound and waits until it answers for the zone's apex (after `zone.start()`).
    func start(zone: TestZone, timeout: TimeInterval = 10) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/unbound")
        process.arguments = ["-d", "-c", directory + "/unbound.conf"]
        _ = FileManager.default.createFile(atPath: directory + "/unbound.out", contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/unbound.out"))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        let answering = eventually(timeout: timeout) {
            guard process.isRunning,
                let text = try? InteropTools.run(
                    "/usr/bin/dig", ["@\(address)", "+time=1", "+tries=1", zone.origin, "SOA"])
            else { return false }
            return text.contains("status: NOERROR")
        }
        guard answering else {
            stop()
            throw InteropSetupError("unbound did not answer for \(zone.origin) on \(address):53; see \(directory)")
        }
    }

    func stop() {
        guard process.isRunning else { return }
        InteropTools.stop(pid: process.processIdentifier)
        process.waitUntilExit()
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A random 127.53.x.y whose port 53 is free for UDP and TCP right now.
    private static func freeAddressForPort53() throws -> String {
        for _ in 0..<20 {
            let address = "127.53.\(UInt8.random(in: 1...254)).\(UInt8.random(in: 1...254))"
            let free = [SOCK_STREAM, SOCK_DGRAM].allSatisfy { type in
                let fd = socket(AF_INET, Int32(type.rawValue), 0)
                defer { close(fd) }
                var socketAddress = sockaddr_in(address: address, port: 53)
                return withUnsafeMutablePointer(to: &socketAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    }
                }
            }
            if free { return address }
        }
        throw InteropSetupError("no 127.53.x.y address with port 53 free")
    }
}
