extension ComponentDomain {
    /// The shared secret: inline, or the first line of `secret_file` (without its line end).
    /// Errors name the secret file; `checkFiles()` has already checked it at load time.
    public func readSecret() -> Result<String, ConfigError> {
        switch secret {
        case .inline(let text):
            return .success(text)
        case .file(let path):
            return ComponentSecret.read(path).mapError { problem in
                ConfigError(
                    code: .fileUnreadable, file: path, line: 0,
                    message: "cannot read the secret of component \(domain): \(problem.reason)")
            }
        }
    }
}

enum ComponentSecret {
    /// The first line of the file, which must not be empty.
    static func read(_ path: String) -> Result<String, FileProblem> {
        FileSystem.readFile(path, limit: 65536).flatMap { bytes in
            let firstLine = bytes.split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false).first ?? []
            let trimmed = firstLine.last == 0x0D ? firstLine.dropLast() : firstLine[...]
            guard !trimmed.isEmpty else { return .failure(FileProblem(reason: "its first line is empty")) }
            return .success(String(decoding: trimmed, as: UTF8.self))
        }
    }
}
