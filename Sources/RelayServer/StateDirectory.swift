#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The relay's state directory (queue, DNSSEC anchor state): created with its parents at start,
/// private to the relay's user (0700), since nothing else may write there.
public enum StateDirectory {
    /// What `prepare` would refuse, found without creating anything (for `check-config`): the
    /// directory must be writable, or its nearest existing parent must be, so it can be created.
    public static func inspect(_ path: String) -> String? {
        guard path.hasPrefix("/") else {
            return "state directory \(path) must be an absolute path: fix [relay] state_dir"
        }
        var existing = path
        var info = stat()
        while stat(existing, &info) != 0 {
            guard errno == ENOENT || errno == ENOTDIR, let slash = existing.lastIndex(of: "/") else {
                return "cannot look at state directory \(existing): \(String(cString: strerror(errno)))"
            }
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            return "\(existing) is not a directory, so state directory \(path) cannot be made: "
                + "set [relay] state_dir elsewhere"
        }
        guard access(existing, W_OK | X_OK) == 0 else {
            let what =
                existing == path ? "state directory \(path) is not writable" : "cannot create \(path) in \(existing)"
            return "\(what) by this user (uid \(geteuid())): create it for the relay's user (chown) or set "
                + "[relay] state_dir"
        }
        return nil
    }

    public static func prepare(_ path: String) throws(StartFailure) {
        guard path.hasPrefix("/") else {
            throw StartFailure("state directory \(path) must be an absolute path: fix [relay] state_dir")
        }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                let reason = String(cString: strerror(errno))
                throw StartFailure(
                    "cannot create state directory \(prefix): \(reason); create it for the relay's "
                        + "user or set [relay] state_dir")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StartFailure("state directory \(path) is not a directory: set [relay] state_dir elsewhere")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw StartFailure(
                "state directory \(path) is not writable by this user (uid \(geteuid())): "
                    + "chown it to the relay's user")
        }
    }
}
