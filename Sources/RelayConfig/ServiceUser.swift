#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The account the relay runs as (`check-config --user NAME`): its uid and every group it is in, so
/// the configuration's files can be checked the way the kernel will check them for that user.
public struct ServiceUser: Equatable, Sendable {
    public enum Access: Sendable {
        case read, write, search

        var bit: mode_t {
            switch self {
            case .read: 4
            case .write: 2
            case .search: 1
            }
        }
    }

    public let name: String
    public let uid: uid_t
    /// The primary group first, then the supplementary ones.
    public let groups: [gid_t]

    public init(name: String, uid: uid_t, groups: [gid_t]) {
        self.name = name
        self.uid = uid
        self.groups = groups
    }

    /// Looks `name` up in the user database (getpwnam, getgrouplist).
    public static func lookup(_ name: String) -> Result<ServiceUser, ConfigError> {
        guard let entry = getpwnam(name) else {
            return .failure(
                ConfigError(
                    code: .invalidValue, file: "--user", line: 0,
                    message: "no user named '\(name)' on this machine; create it (useradd --system \(name)) "
                        + "or name the user the relay runs as"))
        }
        let uid = entry.pointee.pw_uid
        let primary = entry.pointee.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, primary, &groups, &count) < 0 {
            // `count` now holds how many groups there are; bounded, as no account is in thousands.
            guard count <= 65_536 else { break }
            groups = [gid_t](repeating: 0, count: Int(count))
        }
        let found = Array(groups.prefix(Int(max(count, 0))))
        return .success(ServiceUser(name: name, uid: uid, groups: [primary] + found.filter { $0 != primary }))
    }

    /// Whether this user gets `access` to a file with `mode`, `owner` and `group`, as the kernel
    /// decides it: the owner's bits for the owner, else the group's for a member, else the others'.
    /// Root reads and writes anything (and searches any directory).
    public func may(_ access: Access, mode: mode_t, owner: uid_t, group: gid_t) -> Bool {
        if uid == 0 { return access != .search || mode & 0o111 != 0 || mode & S_IFMT == S_IFDIR }
        let shift: mode_t = owner == uid ? 6 : groups.contains(group) ? 3 : 0
        return (mode >> shift) & access.bit != 0
    }
}

extension RelayConfiguration {
    /// Checks, as `user` would meet them, that the configuration file and every file it names can be
    /// read (every directory above them entered), and that the state directory can be written or
    /// created. The relay checks its own user at start anyway; this is for checking before a switch.
    public func checkFiles(as user: ServiceUser) -> [ConfigError] {
        var errors: [ConfigError] = []
        func error(_ line: Int, _ message: String) {
            errors.append(
                ConfigError(
                    code: .filePermissions, file: source, line: line, message: "as user \(user.name): \(message)"))
        }
        var files: [(path: String, what: String, line: Int, isPrivate: Bool)] = []
        if source != RelayConfiguration.embeddedSource {
            files.append((PathNotation.absolute(source), "the configuration file", 0, true))
        }
        for reference in referencedFiles where reference.kind != .directory && reference.path != source {
            files.append(
                (PathNotation.absolute(reference.path), reference.key, reference.line, reference.kind == .private))
        }
        for file in files {
            if let blocked = UserAccess.blockingDirectory(file.path, for: user) {
                error(file.line, "cannot reach \(file.what) \(file.path): \(blocked)")
                continue
            }
            guard let info = UserAccess.status(file.path) else { continue }  // a missing file is reported elsewhere
            guard user.may(.read, mode: info.st_mode, owner: info.st_uid, group: info.st_gid) else {
                let fix =
                    file.isPrivate
                    ? "chgrp \(user.name) \(file.path) && chmod 640 \(file.path)"
                    : "chmod 644 \(file.path)"
                error(
                    file.line,
                    "cannot read \(file.what) \(file.path) (\(UserAccess.describe(info))); run: \(fix)")
                continue
            }
        }
        for reference in referencedFiles where reference.kind == .directory {
            // The state directory, or the nearest existing directory above it, must take new entries.
            var path = PathNotation.absolute(reference.path)
            while UserAccess.status(path) == nil, path != "/" { path = PathNotation.directory(of: path) }
            if let blocked = UserAccess.blockingDirectory(path, for: user) {
                error(reference.line, "cannot reach \(reference.key) \(reference.path): \(blocked)")
            } else if let info = UserAccess.status(path),
                !(user.may(.write, mode: info.st_mode, owner: info.st_uid, group: info.st_gid)
                    && user.may(.search, mode: info.st_mode, owner: info.st_uid, group: info.st_gid))
            {
                let what = path == reference.path ? "write to" : "create \(reference.path) in"
                error(
                    reference.line,
                    "cannot \(what) \(path) (\(UserAccess.describe(info))); run: mkdir -p \(reference.path) "
                        + "&& chown \(user.name) \(reference.path) && chmod 700 \(reference.path)")
            }
        }
        return errors
    }
}

/// stat(2)-based walking for `ServiceUser` checks.
enum UserAccess {
    static func status(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// The first directory above `path` the user may not enter, described; nil when all can be.
    static func blockingDirectory(_ path: String, for user: ServiceUser) -> String? {
        var directories: [String] = []
        var current = PathNotation.directory(of: path)
        while true {
            directories.append(current)
            if current == "/" || current == "." { break }
            current = PathNotation.directory(of: current)
        }
        for directory in directories.reversed() {
            guard let info = status(directory) else { return nil }
            if !user.may(.search, mode: info.st_mode, owner: info.st_uid, group: info.st_gid) {
                return "directory \(directory) cannot be entered (\(describe(info))); run: chmod o+x \(directory) "
                    + "or give it the group \(user.name) with g+x"
            }
        }
        return nil
    }

    /// `owner root, group xmpp-relay, mode 0640`.
    static func describe(_ info: stat) -> String {
        "owner \(userName(info.st_uid)), group \(groupName(info.st_gid)), mode \(FileChecks.octal(info.st_mode & 0o7777))"
    }

    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }

    private static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return String(gid) }
        return String(cString: name)
    }
}
