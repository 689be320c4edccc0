import RelayConfig
import Routing
import Store
import TLS

/// Every check the relay makes at start that needs neither the network nor a socket: the files the
/// configuration names (readable, keys private, component secrets present), the TLS identities
/// (parsed, key matches certificate, valid now), certificates close to expiry, the state directory,
/// and the settings that are risky or not implemented yet. `run` (`RelayDaemon.start`) and
/// `check-config` both call `run(_:now:stateDirectory:user:)`, so they cannot disagree.
public enum StartChecks {
    /// What to do with the state directory.
    public enum StateDirectoryUse: Sendable {
        /// `run`: create it (mode 0700) and prove it writable.
        case prepare
        /// `check-config`: change nothing; it must exist and be writable, or be creatable.
        case inspect
    }

    public struct Report {
        /// Problems that stop the relay, in line order (`FILE:LINE: …`).
        public var errors: [ConfigError] = []
        /// Risky or not-yet-effective settings; the relay starts anyway.
        public var warnings: [ConfigWarning] = []
        /// The server context built from `[tls]`; nil without a certificate or after an error.
        public var tlsServer: TLSContext?
        /// `run`: the queue database, opened (its writer thread running); nil for `check-config` or
        /// after an error.
        public var store: Store?
    }

    /// The queue database in the state directory.
    public static func queuePath(_ stateDirectory: String) -> String {
        stateDirectory.hasSuffix("/") ? stateDirectory + "queue.db" : stateDirectory + "/queue.db"
    }

    /// - Parameter user: `check-config --user NAME`: also check the files as that user would.
    public static func run(
        _ config: RelayConfiguration, now: Int64, stateDirectory: StateDirectoryUse, user: ServiceUser? = nil
    ) -> Report {
        var report = Report()
        // The state directory is checked below, more fully than as a referenced file.
        report.errors = config.checkFiles(directories: false)
        // A certificate or key the file checks refused would only be reported twice by TLS.
        let identityLines = Set(config.referencedFiles.filter(isIdentity).map(\.line))
        let identityRefused = report.errors.contains { identityLines.contains($0.line) }
        if let user { report.errors += config.checkFiles(as: user) }
        if let problem = checkStateDirectory(config.relay.stateDirectory, stateDirectory) {
            report.errors.append(
                ConfigError(
                    code: .fileUnreadable, file: config.source, line: line(of: "relay.state_dir", in: config),
                    message: problem))
        } else {
            // The same store problems either way: `run` opens it, `check-config` reads it without writing.
            let path = queuePath(config.relay.stateDirectory)
            var problem: StoreError?
            switch stateDirectory {
            case .prepare:
                do {
                    report.store = try Store(path: path)
                } catch {
                    problem = error
                }
            case .inspect:
                problem = Store.inspect(path: path)
            }
            if let problem {
                report.errors.append(
                    ConfigError(
                        code: .fileUnreadable, file: config.source, line: line(of: "relay.state_dir", in: config),
                        message: "queue: \(problem.message)"))
            }
        }
        if !identityRefused {
            let (context, errors) = serverContext(config, now: now)
            report.tlsServer = context
            report.errors += errors
            if let context { report.warnings += expiryWarnings(context, config: config, now: now) }
        }
        report.warnings += config.warnings + config.fileWarnings()
        report.errors = report.errors.enumerated().sorted {
            ($0.element.line, $0.offset) < ($1.element.line, $1.offset)
        }
        .map(\.element)
        report.warnings = report.warnings.enumerated().sorted {
            ($0.element.line, $0.offset) < ($1.element.line, $1.offset)
        }.map(\.element)
        return report
    }

    private static func isIdentity(_ reference: ReferencedFile) -> Bool {
        ["tls.certificate", "tls.key", "tls.domain.certificate", "tls.domain.key"].contains(reference.key)
    }

    private static func checkStateDirectory(_ path: String, _ use: StateDirectoryUse) -> String? {
        switch use {
        case .prepare:
            do {
                try StateDirectory.prepare(path)
                return nil
            } catch {
                return error.description
            }
        case .inspect:
            return StateDirectory.inspect(path)
        }
    }

    /// The server context; when it cannot be built, each identity alone, so every broken pair is named.
    private static func serverContext(_ config: RelayConfiguration, now: Int64) -> (TLSContext?, [ConfigError]) {
        do {
            return (try TLSSetup.serverContext(config, now: now), [])
        } catch let whole {
            var identities: [TLSIdentity] = []
            if let certificate = config.tls.certificate, let key = config.tls.key {
                identities.append(TLSIdentity(certificateFile: certificate, keyFile: key))
            }
            for entry in config.tls.domainCertificates {
                identities.append(TLSIdentity(certificateFile: entry.certificate, keyFile: entry.key))
            }
            var errors: [ConfigError] = []
            for identity in identities {
                do {
                    _ = try TLSContext(configuration: TLSConfiguration(role: .server, identity: identity), now: now)
                } catch {
                    errors.append(tlsError(error, config: config))
                }
            }
            return (nil, errors.isEmpty ? [tlsError(whole, config: config)] : errors)
        }
    }

    /// A TLS error placed on the line of the file it names (its message starts with the path).
    private static func tlsError(_ error: TLSError, config: RelayConfiguration) -> ConfigError {
        let reference = config.referencedFiles.first { isIdentity($0) && error.message.hasPrefix($0.path + ":") }
        let fallback = config.referencedFiles.first(where: isIdentity)?.line ?? 0
        return ConfigError(
            code: .invalidValue, file: config.source, line: reference?.line ?? fallback, message: "TLS: \(error)")
    }

    private static func expiryWarnings(_ context: TLSContext, config: RelayConfiguration, now: Int64) -> [ConfigWarning]
    {
        context.certificateExpiries(now: now).filter { $0.isExpiring(withinDays: TLSSetup.expiryWarningDays) }.map {
            expiry in
            let line = config.referencedFiles.first { isIdentity($0) && $0.path == expiry.source }?.line ?? 0
            return ConfigWarning(
                .certificateExpiring, file: config.source, line: line,
                "certificate \(expiry.source) (\(expiry.domain ?? "every served domain")) expires in "
                    + "\(expiry.daysLeft) days; \(TLSSetup.renewHint)")
        }
    }

    private static func line(of key: String, in config: RelayConfiguration) -> Int {
        config.referencedFiles.first { $0.key == key }?.line ?? 0
    }
}
