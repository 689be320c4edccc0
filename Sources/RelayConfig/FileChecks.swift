#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RelayConfiguration {
    /// Checks every file the configuration names, reading only local files (never the network):
    /// certificates and CA bundle readable, keys and secrets readable *and private* (mode 600 or 640,
    /// or the error names the exact `chmod`), the state directory a directory if it exists.
    /// `check-config` reports these with the rest; `run` refuses to start on any of them.
    /// `directories: false` leaves the state directory to the fuller check made at start.
    public func checkFiles(directories: Bool = true) -> [ConfigError] {
        referencedFiles.filter { directories || $0.kind != .directory }.compactMap {
            FileChecks.check($0, configFile: source)
        }
    }
}

enum FileChecks {
    static func check(_ reference: ReferencedFile, configFile: String) -> ConfigError? {
        let what = reference.path == configFile ? "this file" : "\(reference.key) \(reference.path)"
        let origin = reference.line == 0 ? " (the default)" : ""
        func error(_ code: ConfigError.Code, _ message: String) -> ConfigError {
            ConfigError(code: code, file: configFile, line: reference.line, message: message)
        }
        switch reference.kind {
        case .directory:
            switch FileSystem.fileType(reference.path) {
            case .success(nil), .success(S_IFDIR): return nil
            case .success:
                return error(
                    .invalidValue, "\(what)\(origin) exists but is not a directory; point \(reference.key) elsewhere")
            case .failure(let problem):
                return error(
                    .fileUnreadable,
                    "cannot look at \(what)\(origin): \(problem.reason); fix the path or its permissions")
            }
        case .readable, .private:
            switch FileSystem.readableFileMode(reference.path) {
            case .failure(let problem):
                let advice =
                    problem.errorNumber == EACCES ? accessHint(for: reference) : hint(for: reference)
                return error(.fileUnreadable, "cannot read \(what)\(origin): \(problem.reason); \(advice)")
            case .success(let mode):
                if reference.key == "component.secret_file", (try? ComponentSecret.read(reference.path).get()) == nil {
                    return error(
                        .invalidValue, "\(what) has no secret on its first line; write the component's secret there")
                }
                // Group read is fine (root:xmpp-relay 0640 is how a packaged key is shared with the
                // relay's user); group write or any access by others is not.
                guard reference.kind == .private, mode & 0o027 != 0 else { return nil }
                let holds =
                    reference.path == configFile ? " holds a component secret but" : ""
                return error(
                    .filePermissions,
                    "\(what)\(holds) is accessible by others or writable by its group (mode \(octal(mode & 0o777))); "
                        + "run: chmod 600 \(reference.path) (or 640 with the relay's group)")
            }
        }
    }

    private static func hint(for reference: ReferencedFile) -> String {
        switch reference.key {
        case "tls.ca_file": "install the ca-certificates package or set tls.ca_file"
        case "dns.trust_anchor": "install the dns-root-data package or set dns.trust_anchor"
        case "component.secret_file": "create it with the component's secret on one line, or fix the path"
        case "tls.certificate", "tls.key", "tls.domain.certificate", "tls.domain.key":
            "fix the path, or make a key and certificate with xmpp-relay keygen DOMAIN"
        default: "fix the path or the file's permissions"
        }
    }

    /// The file exists but this user may not read it: say how to share it with the relay's group.
    static func accessHint(for reference: ReferencedFile) -> String {
        let path = reference.path
        return reference.kind == .private
            ? "let the relay's group read it: chgrp xmpp-relay \(path) && chmod 640 \(path) "
                + "(and make sure the relay's user may enter the directories above it)"
            : "make it readable: chmod 644 \(path) (and make sure the relay's user may enter the directories above it)"
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = [(mode >> 9) & 7, (mode >> 6) & 7, (mode >> 3) & 7, mode & 7]
        return digits.map { String($0) }.joined()
    }
}
