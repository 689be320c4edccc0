#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension ResolverConfiguration {
    /// Start-up check for a policy that needs DANE: DNSSEC must be validatable, which takes a
    /// readable trust anchor. Throws with a message that says what to install or set.
    public func checkDNSSECCanBeValidated() throws(DNSError) {
        guard let path = trustAnchorFile, !path.isEmpty else {
            throw .trustAnchor(
                "no DNSSEC trust anchor configured, so DANE cannot work: apt install dns-root-data and set "
                    + "[dns] trust_anchor = \"\(Self.defaultTrustAnchorFile)\"")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .trustAnchor(
                "DNSSEC trust anchor \(path) is missing: apt install dns-root-data, or set [dns] trust_anchor")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .trustAnchor(
                "DNSSEC trust anchor \(path) is not a regular file: set [dns] trust_anchor to the key file")
        }
        guard access(path, trustAnchorAutoUpdate ? R_OK | W_OK : R_OK) == 0 else {
            let need = trustAnchorAutoUpdate ? "readable and writable (RFC 5011 updates it)" : "readable"
            throw .trustAnchor(
                "DNSSEC trust anchor \(path) is not \(need) by this user (uid \(getuid())): fix its permissions, "
                    + "or set [dns] trust_anchor")
        }
        // Whole tokens, not String.contains(String), which would link _StringProcessing (about 1 MB).
        let tokens = Self.readSmallFile(path)?.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) ?? []
        guard tokens.contains(where: { $0 == "DNSKEY" || $0 == "DS" }) else {
            throw .trustAnchor(
                "DNSSEC trust anchor \(path) holds no DS or DNSKEY record: reinstall dns-root-data, "
                    + "or set [dns] trust_anchor to a file in zone-file format")
        }
    }

    /// Reads at most 64 KB (a trust anchor is a few lines).
    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
