#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RelayConfiguration {
    /// Files and directories anyone on the machine may write: the configuration, the files it names,
    /// the directories holding them, and the state directory. Valid, so warnings rather than errors,
    /// but whoever can write them can change what the relay trusts.
    public func fileWarnings() -> [ConfigWarning] {
        var warnings: [ConfigWarning] = []
        var seen: Set<String> = []
        func look(_ path: String, _ what: String, line: Int, isDirectory: Bool) {
            guard seen.insert(path).inserted else { return }
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & 0o002 != 0 else { return }
            // A sticky directory (/tmp) lets nobody replace another user's file; a state directory
            // must be private all the same.
            if isDirectory, info.st_mode & S_ISVTX != 0, what != "relay.state_dir" { return }
            warnings.append(
                ConfigWarning(
                    .risky, file: source, line: line,
                    "\(what) \(path) is writable by every user (mode \(FileChecks.octal(info.st_mode & 0o7777))): "
                        + "anyone on this machine can change what the relay trusts; run: chmod o-w \(path)"))
        }
        var files: [(path: String, what: String, line: Int)] = []
        if source != RelayConfiguration.embeddedSource { files.append((source, "the configuration file", 0)) }
        for reference in referencedFiles {
            if reference.kind == .directory {
                look(reference.path, reference.key, line: reference.line, isDirectory: true)
            } else if reference.path != source {
                files.append((reference.path, reference.key, reference.line))
            }
        }
        for file in files {
            look(file.path, file.what, line: file.line, isDirectory: false)
            look(
                PathNotation.directory(of: file.path), "the directory of \(file.what)", line: file.line,
                isDirectory: true)
        }
        return warnings
    }
}
