/// Reads, parses and checks a configuration file.
///
///     switch ConfigLoader.load(path: "/etc/xmpp-relay/xmpp-relay.toml") {
///     case .success(let config): …
///     case .failure(let errors): print(errors)   // FILE:LINE: what is wrong and what to do
///     }
public enum ConfigLoader {
    /// Reads and checks `path`. With `checkFiles` (the default) the files the configuration names are
    /// checked too (exist, readable, keys private); all problems are reported together.
    public static func load(path: String, checkFiles: Bool = true) -> Result<RelayConfiguration, ConfigErrors> {
        switch FileSystem.readFile(path) {
        case .failure(let problem):
            return .failure(
                ConfigErrors([
                    ConfigError(
                        code: .fileUnreadable, file: path, line: 0,
                        message: "cannot read the configuration file: \(problem.reason); check the path "
                            + "(xmpp-relay check-config FILE) and that the relay's user may read it")
                ]))
        case .success(let bytes):
            // Relative paths in the file are read from its directory, made absolute now so `run` and
            // `check-config` agree whatever directory they are started in.
            return parse(bytes: bytes, file: path, checkFiles: checkFiles, anchor: PathNotation.absolute(path))
        }
    }

    /// Parses configuration text; `file` names it in messages and anchors relative paths.
    /// Checks no files unless asked.
    public static func parse(text: String, file: String, checkFiles: Bool = false) -> Result<
        RelayConfiguration, ConfigErrors
    > {
        parse(bytes: Array(text.utf8), file: file, checkFiles: checkFiles)
    }

    public static func parse(bytes: [UInt8], file: String, checkFiles: Bool = false) -> Result<
        RelayConfiguration, ConfigErrors
    > {
        parse(bytes: bytes, file: file, checkFiles: checkFiles, anchor: file)
    }

    /// `anchor` is the path relative paths are taken from (the file's absolute path).
    static func parse(bytes: [UInt8], file: String, checkFiles: Bool, anchor: String) -> Result<
        RelayConfiguration, ConfigErrors
    > {
        let document: TOMLTable
        switch TOMLParser.parse(bytes: bytes, file: file) {
        case .failure(let errors): return .failure(errors)
        case .success(let parsed): document = parsed
        }
        let diagnostics = Diagnostics(file: file)
        var decoder = ConfigDecoder(file: file, anchor: anchor, diagnostics: diagnostics)
        let config = decoder.decode(document)
        if checkFiles {
            for error in config.checkFiles() {
                diagnostics.add(error.code, line: error.line, error.message)
            }
        }
        let errors = diagnostics.sortedErrors
        return errors.isEmpty ? .success(config) : .failure(ConfigErrors(errors))
    }
}
