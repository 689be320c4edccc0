import RelayConfig
import TLS
import Trust
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `xmpp-relay keygen DOMAIN [--out DIR] [--name EXTRA]… [--target HOST]`: a key and self-signed
/// certificate for a home relay, and the DNS records and pin line to hand out.
public enum KeygenCommand: Command {
    public static var name: String { "keygen" }
    public static var summary: String {
        "make a key and self-signed certificate; print the DNS records and pin to publish"
    }
    public static var usage: String {
        """
        usage: xmpp-relay keygen DOMAIN [--out DIR] [--name EXTRA]... [--target HOST]

        Makes an EC P-256 key (DIR/DOMAIN.key, mode 0600) and a self-signed certificate
        (DIR/DOMAIN.crt, valid \(SelfSignedCertificate.defaultValidityDays / 365) years) naming DOMAIN as DNS-ID,
        SRV-ID (_xmpp-server.DOMAIN) and XmppAddr, plus a DNS-ID for each --name.
        Prints the SRV and TLSA records to publish and the pins line for a friend's [[peer]] section.
        Existing files are never overwritten.

          --out DIR       where to write the files (default: the current directory; must exist)
          --name EXTRA    another host name the certificate is valid for (repeatable)
          --target HOST   the host the SRV records point to (default: DOMAIN)
        """
    }

    public static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        run(arguments, io: io, now: Int64(time(nil)))
    }

    static func run(_ arguments: [String], io: CommandIO, now: Int64) -> Int32 {
        let options: Options
        switch Options.parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let error):
            io.err("xmpp-relay keygen: \(error.message)")
            return ExitCode.usage
        }
        var status = stat()
        guard stat(options.directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            io.err(
                "xmpp-relay keygen: directory \(options.directory) does not exist: create it first (mkdir -p \(options.directory))"
            )
            return ExitCode.usage
        }
        // Absolute, so the [tls] lines printed below work from whatever directory the config is in.
        let directory = PathNotation.absolute(options.directory)
        let keyPath = directory + "/" + options.domain + ".key"
        let certificatePath = directory + "/" + options.domain + ".crt"
        for path in [keyPath, certificatePath] where access(path, F_OK) == 0 {
            io.err(
                "xmpp-relay keygen: \(path) already exists; keygen never overwrites: move it away or choose another --out"
            )
            return ExitCode.failure
        }
        let generated: SelfSignedCertificate
        do {
            generated = try SelfSignedCertificate.generate(
                domain: options.domain, extraNames: options.extraNames, now: now)
        } catch {
            io.err("xmpp-relay keygen: \(error.message)")
            return ExitCode.failure
        }
        if let problem = writeNew(keyPath, generated.privateKeyPEM, mode: 0o600) {
            io.err("xmpp-relay keygen: \(problem)")
            return ExitCode.failure
        }
        if let problem = writeNew(certificatePath, generated.certificatePEM, mode: 0o644) {
            io.err("xmpp-relay keygen: \(problem) (the key was written to \(keyPath))")
            return ExitCode.failure
        }
        let pin = TLSARecord.pin(for: generated.certificate)
        let certificate = generated.certificate
        let domain = options.domain
        let target = options.target
        io.out("wrote \(keyPath) (private key, mode 0600; keep it secret)")
        io.out(
            "wrote \(certificatePath) (self-signed, valid until \(UnixTime.iso8601(certificate.notAfter)); names: \(certificate.namesSummary))"
        )
        io.out("")
        io.out("; DNS records to publish (sign the zone with DNSSEC so peers can use the TLSA records):")
        io.out("_xmpp-server._tcp.\(domain). 3600 IN SRV 0 5 5269 \(target).")
        io.out("_xmpps-server._tcp.\(domain). 3600 IN SRV 0 5 5270 \(target).")
        io.out("_5269._tcp.\(target). 3600 IN TLSA \(pin)")
        io.out("_5270._tcp.\(target). 3600 IN TLSA \(pin)")
        io.out("")
        io.out("# for a friend's relay: put this line in their [[peer]] section with domain = \"\(domain)\"")
        io.out("pins = [\"\(pin)\"]")
        io.out("")
        io.out("# for this relay's own configuration (the relay's user must be able to read the key: chmod 640 and")
        io.out("# chgrp to the relay's group if another user owns it):")
        io.out("[tls]")
        io.out("certificate = \"\(certificatePath)\"")
        io.out("key = \"\(keyPath)\"")
        return ExitCode.ok
    }

    /// Creates `path` (failing if it exists) with `mode`, and writes `text`.
    private static func writeNew(_ path: String, _ text: String, mode: mode_t) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { return "cannot create \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        // The umask may only have narrowed the mode; make it exact.
        guard fchmod(fd, mode) == 0 else { return "cannot set mode of \(path): \(String(cString: strerror(errno)))" }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return "cannot write \(path): \(String(cString: strerror(errno)))"
            }
            offset += written
        }
        guard fsync(fd) == 0 else { return "cannot sync \(path): \(String(cString: strerror(errno)))" }
        return nil
    }

    struct Options {
        var domain = ""
        var directory = "."
        var extraNames: [String] = []
        var target = ""

        struct UsageError: Error {
            let message: String
        }

        static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
            var options = Options()
            var domain: String? = nil
            var index = 0
            while index < arguments.count {
                let argument = arguments[index]
                if ["--out", "--name", "--target"].contains(argument) {
                    guard index + 1 < arguments.count else {
                        return .failure(UsageError(message: "\(argument) needs a value (see xmpp-relay keygen --help)"))
                    }
                    let value = arguments[index + 1]
                    index += 2
                    switch argument {
                    case "--out":
                        options.directory = value.count > 1 && value.hasSuffix("/") ? String(value.dropLast()) : value
                    case "--name":
                        guard let name = hostName(value, wildcard: true) else {
                            return .failure(UsageError(message: "--name '\(value)' is not a host name"))
                        }
                        options.extraNames.append(name)
                    default:
                        if isIPAddress(value) {
                            return .failure(
                                UsageError(
                                    message: "--target '\(value)' is an IP address, but an SRV record points to a "
                                        + "host name (RFC 2782): give the name whose A/AAAA records hold it, e.g. "
                                        + "--target relay.example.org"))
                        }
                        guard let host = hostName(value, wildcard: false) else {
                            return .failure(UsageError(message: "--target '\(value)' is not a host name"))
                        }
                        options.target = host
                    }
                    continue
                }
                guard !argument.hasPrefix("-") else {
                    return .failure(UsageError(message: "unknown option \(argument) (see xmpp-relay keygen --help)"))
                }
                guard domain == nil else {
                    return .failure(
                        UsageError(message: "one DOMAIN only (got \(domain!) and \(argument)); add names with --name"))
                }
                guard let valid = hostName(argument, wildcard: false) else {
                    return .failure(
                        UsageError(message: "'\(argument)' is not a domain name (letters, digits, '-' and '.')"))
                }
                domain = valid
                index += 1
            }
            guard let domain else {
                return .failure(
                    UsageError(
                        message: "missing DOMAIN (usage: xmpp-relay keygen DOMAIN [--out DIR] [--name EXTRA]...)"))
            }
            options.domain = domain
            if options.target.isEmpty { options.target = domain }
            return .success(options)
        }

        /// An IPv6 literal (with a colon) or dotted digits such as 192.0.2.1: no host name.
        static func isIPAddress(_ text: String) -> Bool {
            if text.utf8.contains(0x3A) { return true }
            var name = Substring(text)
            if name.hasSuffix(".") { name = name.dropLast() }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            return labels.count == 4
                && labels.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        }

        /// A lower-cased LDH host name (a trailing dot dropped), optionally with a "*." first label.
        static func hostName(_ text: String, wildcard: Bool) -> String? {
            var name = text.lowercased()
            if name.hasSuffix(".") { name.removeLast() }
            var labels = name.split(separator: ".", omittingEmptySubsequences: false)
            if wildcard, labels.count > 2, labels.first == "*" { labels.removeFirst() }
            guard !labels.isEmpty, name.utf8.count <= 253 else { return nil }
            for label in labels {
                guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                    label.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
                else { return nil }
            }
            return name
        }
    }
}
