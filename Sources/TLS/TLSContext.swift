internal import CMbedTLS

#if canImport(Glibc)
    import Glibc
#endif

/// The shared, immutable half of TLS: one mbedTLS configuration, its random generator and the
/// loaded certificates and keys. Many `TLSConnection`s share one context.
///
/// Reload: a context never changes. To pick up renewed certificates build a new one with
/// `reloaded()` (same configuration, files read again) and use it for new connections; connections
/// already open keep the context they were made with (they hold a strong reference to it), so the
/// old certificates stay in memory until the last of those connections is gone.
public final class TLSContext {
    public let configuration: TLSConfiguration
    let config: UnsafeMutablePointer<mbedtls_ssl_config>
    let random: RandomGenerator
    let defaultIdentity: LoadedIdentity?
    let identitiesByDomain: [String: LoadedIdentity]
    let caChain: CertificateChain?
    private let alpnList: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private let alpnCount: Int

    /// Loads every certificate and key named in `configuration` and sets up mbedTLS.
    /// `now` (Unix seconds) is the time certificates must be valid at; defaults to the clock.
    public init(configuration: TLSConfiguration, now: Int64? = nil) throws(TLSError) {
        TLSLibrary.initializeOnce()
        self.configuration = configuration
        let loadTime = now ?? currentUnixTime()
        let random = try RandomGenerator()
        self.random = random
        if configuration.role == .client && !configuration.identitiesByDomain.isEmpty {
            throw TLSError(.invalidConfiguration, "per-domain certificates (SNI) are for servers only")
        }
        if let identity = configuration.identity {
            defaultIdentity = try LoadedIdentity(identity, now: loadTime, random: random)
        } else {
            defaultIdentity = nil
        }
        var table: [String: LoadedIdentity] = [:]
        for (domain, identity) in configuration.identitiesByDomain {
            table[normalizedDomain(domain)] = try LoadedIdentity(identity, now: loadTime, random: random)
        }
        identitiesByDomain = table
        if let path = configuration.caFile {
            caChain = try CertificateChain(parsing: try readWholeFile(path), name: path, allowPartial: true)
        } else {
            caChain = nil
        }
        try Self.checkProbeOptions(configuration)
        if configuration.role == .server && defaultIdentity == nil && table.isEmpty {
            throw TLSError(.invalidConfiguration, "a TLS server needs a certificate and key; configure one")
        }

        alpnCount = configuration.applicationProtocols.count
        alpnList = .allocate(capacity: alpnCount + 1)
        for (index, name) in configuration.applicationProtocols.enumerated() {
            alpnList[index] = UnsafePointer(strdup(name))
        }
        alpnList[alpnCount] = nil

        config = .allocate(capacity: 1)
        mbedtls_ssl_config_init(config)
        try setUpConfig()
    }

    deinit {
        mbedtls_ssl_config_free(config)
        config.deallocate()
        for index in 0..<alpnCount { free(UnsafeMutablePointer(mutating: alpnList[index])) }
        alpnList.deallocate()
    }

    /// A new context from the same configuration, reading certificate and key files again.
    public func reloaded(now: Int64? = nil) throws(TLSError) -> TLSContext {
        try TLSContext(configuration: configuration, now: now)
    }

    /// Days left on each loaded certificate, so the caller can log `tls.cert_expiring days_left=N`.
    public func certificateExpiries(now: Int64? = nil) -> [TLSCertificateExpiry] {
        let at = now ?? currentUnixTime()
        var result: [TLSCertificateExpiry] = []
        if let identity = defaultIdentity {
            result.append(
                TLSCertificateExpiry(
                    domain: nil, source: identity.certificateName, notAfter: identity.notAfter, now: at))
        }
        for (domain, identity) in identitiesByDomain.sorted(by: { $0.key < $1.key }) {
            result.append(
                TLSCertificateExpiry(
                    domain: domain, source: identity.certificateName, notAfter: identity.notAfter, now: at))
        }
        return result
    }

    /// DER chain of our default certificate (leaf first), e.g. to print our own pin.
    public var certificateChainDER: [[UInt8]] { defaultIdentity?.chain.derChain ?? [] }

    /// DER chain of the certificate served for `domain` (or the default one).
    public func certificateChainDER(forDomain domain: String) -> [[UInt8]] {
        (identitiesByDomain[normalizedDomain(domain)] ?? defaultIdentity)?.chain.derChain ?? []
    }

    private func setUpConfig() throws(TLSError) {
        let endpoint = configuration.role == .server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT
        let status = mbedtls_ssl_config_defaults(
            config, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)
        if status != 0 {
            throw TLSError(
                .libraryFailure, "cannot set up TLS defaults (\(libraryErrorText(status)))", libraryCode: status)
        }
        mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, random.drbg)
        shim_ssl_conf_version_range(
            config, Int32(configuration.minimumVersion.rawValue), Int32(configuration.maximumVersion?.rawValue ?? 3))
        switch configuration.probeCipherSuites {
        case nil:
            switch configuration.cipherOrder {
            case .aesFirst: mbedtls_ssl_conf_ciphersuites(config, shim_ssl_allowed_ciphersuites())
            case .chachaFirst: mbedtls_ssl_conf_ciphersuites(config, shim_ssl_allowed_ciphersuites_chacha_first())
            }
        case .everything: mbedtls_ssl_conf_ciphersuites(config, mbedtls_ssl_list_ciphersuites())
        case .withoutForwardSecrecy:
            mbedtls_ssl_conf_ciphersuites(config, shim_ssl_ciphersuites_without_forward_secrecy())
        }
        shim_ssl_conf_preferred_groups(config)
        shim_ssl_conf_no_renegotiation(config)
        mbedtls_ssl_conf_cert_profile(config, shim_x509_profile_sha256_rsa2048())
        let askPeer = configuration.role == .client || configuration.requestClientCertificate
        mbedtls_ssl_conf_authmode(config, askPeer ? MBEDTLS_SSL_VERIFY_OPTIONAL : MBEDTLS_SSL_VERIFY_NONE)
        if let caChain { mbedtls_ssl_conf_ca_chain(config, caChain.crt, nil) }
        if let identity = defaultIdentity {
            let ownStatus = mbedtls_ssl_conf_own_cert(config, identity.chain.crt, identity.key.pk)
            if ownStatus != 0 {
                throw TLSError(
                    .libraryFailure,
                    "cannot use the certificate \(identity.certificateName) (\(libraryErrorText(ownStatus)))",
                    libraryCode: ownStatus)
            }
        }
        if alpnCount > 0 {
            let alpnStatus = mbedtls_ssl_conf_alpn_protocols(config, alpnList)
            if alpnStatus != 0 {
                throw TLSError(.invalidConfiguration, "ALPN protocol names are invalid", libraryCode: alpnStatus)
            }
        }
        if configuration.role == .server {
            mbedtls_ssl_conf_sni(config, serverNameCallback, Unmanaged.passUnretained(self).toOpaque())
        }
        if configuration.role == .client, let length = configuration.maxFragmentLength {
            _ = shim_ssl_conf_max_frag_len(config, Int32(length.rawValue))
        }
    }

    /// The probe-only options (old versions, other suites, a maximum) are for `xmpp-relay probe`'s
    /// client connections; nothing that serves or relays may use them.
    private static func checkProbeOptions(_ configuration: TLSConfiguration) throws(TLSError) {
        let probing =
            configuration.minimumVersion < .tls12 || configuration.maximumVersion != nil
            || configuration.probeCipherSuites != nil
        if probing && configuration.role == .server {
            throw TLSError(
                .invalidConfiguration, "TLS 1.0/1.1, a maximum version and probe suites are for probe clients only")
        }
        if configuration.minimumVersion < .tls12 {
            guard TLSLibrary.supportsLegacyVersions else {
                throw TLSError(.invalidConfiguration, "this mbedTLS build has no TLS 1.0/1.1")
            }
            guard configuration.probeCipherSuites == .everything else {
                throw TLSError(
                    .invalidConfiguration, "TLS 1.0/1.1 need probeCipherSuites = .everything (no AEAD before 1.2)")
            }
        }
        if let maximum = configuration.maximumVersion, maximum < configuration.minimumVersion {
            throw TLSError(.invalidConfiguration, "the maximum TLS version is below the minimum")
        }
    }

    /// Picks the certificate for an SNI name; records the name on the connection.
    fileprivate func selectIdentity(ssl: UnsafeMutablePointer<mbedtls_ssl_context>, name: String) -> Int32 {
        guard let bio = shim_ssl_bio_context(ssl) else { return -1 }
        let io = Unmanaged<ConnectionIO>.fromOpaque(bio).takeUnretainedValue()
        let domain = normalizedDomain(name)
        io.serverNameReceived = domain
        if let identity = identitiesByDomain[domain] {
            return mbedtls_ssl_set_hs_own_cert(ssl, identity.chain.crt, identity.key.pk)
        }
        if defaultIdentity != nil { return 0 }
        io.missingCertificateName = domain
        return -1
    }
}

private func serverNameCallback(
    context: UnsafeMutableRawPointer?, ssl: UnsafeMutablePointer<mbedtls_ssl_context>?,
    name: UnsafePointer<UInt8>?, length: Int
) -> Int32 {
    guard let context, let ssl, let name else { return -1 }
    let tls = Unmanaged<TLSContext>.fromOpaque(context).takeUnretainedValue()
    let text = String(decoding: UnsafeBufferPointer(start: name, count: length), as: UTF8.self)
    return tls.selectIdentity(ssl: ssl, name: text)
}

/// Days left on one of our certificates.
public struct TLSCertificateExpiry: Sendable, Hashable {
    /// The SNI domain it is served for, or nil for the default certificate.
    public let domain: String?
    /// File name (or label) it was loaded from.
    public let source: String
    /// notAfter, Unix seconds.
    public let notAfter: Int64
    /// Whole days left (negative once expired).
    public let daysLeft: Int

    init(domain: String?, source: String, notAfter: Int64, now: Int64) {
        self.domain = domain
        self.source = source
        self.notAfter = notAfter
        let seconds = notAfter - now
        daysLeft = Int(seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400))
    }

    /// Whether to warn: fewer than `threshold` days left.
    public func isExpiring(withinDays threshold: Int = 14) -> Bool { daysLeft < threshold }
}
