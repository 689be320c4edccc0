import Trust
import XCTest

@testable import RelayConfig

final class ConfigDecoderTests: XCTestCase {
    private let tls = """
        [tls]
        certificate = "cert.pem"
        key = "/etc/xmpp-relay/key.pem"
        """

    func testEmptyFileGivesTheFileDefaults() throws {
        let config = try XCTUnwrap(success(parseConfig("")))
        XCTAssertEqual(config.listen.s2s, [ListenAddress(host: "::", port: 5269)])
        XCTAssertEqual(config.listen.s2s.first?.description, "[::]:5269")
        XCTAssertEqual(config.relay.stateDirectory, "/var/lib/xmpp-relay")
        XCTAssertEqual(config.limits.maxStanzaBytes, 262_144)
        XCTAssertEqual(config.queue.maxAge, .seconds(259_200))
        XCTAssertEqual(config.log.level, .info)
        XCTAssertEqual(config.referencedFiles.map(\.key), ["tls.ca_file", "dns.trust_anchor", "relay.state_dir"])
    }

    func testFullConfigurationDecodes() throws {
        let text = """
            [relay]
            state_dir = "state"
            allow_root = true
            [log]
            level = "warning"
            stats_interval = "0s"
            \(tls)
            [[tls.domain]]
            domain = "Kids.Example"
            certificate = "/k.pem"
            key = "/k.key"
            [dns]
            forwarders = ["127.0.0.1@5353", "::1"]
            cache_size = "1M"
            [listen]
            s2s = ["0.0.0.0:5269", "[2001:db8::1]:5269"]
            s2s_direct_tls = []
            [[home]]
            domain = "smith.example"
            server = "[::1]:5299"
            plaintext_loopback = true
            [[home]]
            domain = "kids.example"
            server = "prosody.lan:5269"
            pins = ["\(samplePin)", "3 0 0 00ff"]
            [[component]]
            domain = "iot.smith.example"
            secret = "s3cret"
            [[peer]]
            domain = "jones.example"
            pin = "\(samplePin)"
            [[peer]]
            domain = "old.example"
            allow_dialback = true
            [policy]
            require = "dane"
            allow_dialback = ["chat.example"]
            [queue]
            max_age = "2h"
            iq_hold = "30s"
            max_backoff = "5m"
            hold = "200ms"
            max_bytes = 1048576
            max_bytes_per_domain = "256k"
            [limits]
            max_stanza_bytes = "64k"
            max_depth = 10
            max_attributes = 20
            connections_per_ip = 4
            max_links = 100
            handshake_timeout = "1m"
            """
        let config = try XCTUnwrap(success(parseConfig(text)))
        XCTAssertEqual(config.relay.stateDirectory, "/etc/xmpp-relay/state")
        XCTAssertTrue(config.relay.allowRoot)
        XCTAssertEqual(config.log.level, .warn)
        XCTAssertEqual(config.log.statsInterval, .zero)
        XCTAssertEqual(config.tls.certificate, "/etc/xmpp-relay/cert.pem")
        XCTAssertEqual(
            config.tls.domainCertificates,
            [DomainCertificate(domain: "kids.example", certificate: "/k.pem", key: "/k.key")])
        XCTAssertEqual(config.dns.forwarders.map(\.description), ["127.0.0.1@5353", "::1@53"])
        XCTAssertEqual(config.dns.cacheSize, 1 << 20)
        XCTAssertEqual(config.listen.s2s.map(\.description), ["0.0.0.0:5269", "[2001:db8::1]:5269"])
        XCTAssertEqual(config.listen.s2sDirectTLS, [])
        XCTAssertEqual(config.listen.home, [ListenAddress(host: "127.0.0.1", port: 5289)])
        XCTAssertEqual(config.homes.count, 2)
        XCTAssertEqual(config.homes[0].server.description, "[::1]:5299")
        XCTAssertTrue(config.homes[0].server.isLoopback)
        XCTAssertEqual(config.homes[1].server, ServerAddress(host: "prosody.lan", port: 5269))
        XCTAssertEqual(config.homes[1].pins.map(\.description), [samplePin, "3 0 0 00ff"])
        XCTAssertEqual(config.components.first?.secret, .inline("s3cret"))
        XCTAssertEqual(config.peers[0].pins.count, 1)
        XCTAssertFalse(config.policy.dialbackAllowed(for: "jones.example", peers: config.peers))
        XCTAssertTrue(config.policy.dialbackAllowed(for: "old.example", peers: config.peers))
        XCTAssertTrue(config.policy.dialbackAllowed(for: "chat.example", peers: config.peers))
        XCTAssertEqual(config.policy.require, .dane)
        XCTAssertEqual(config.queue.maxAge, .seconds(7200))
        XCTAssertEqual(config.queue.iqHold, .seconds(30))
        XCTAssertEqual(config.queue.maxBackoff, .seconds(300))
        XCTAssertEqual(config.queue.hold, .milliseconds(200))
        XCTAssertEqual(config.queue.maxBytes, 1 << 20)
        XCTAssertEqual(config.queue.maxBytesPerDomain, 256 << 10)
        XCTAssertEqual(config.limits.maxStanzaBytes, 65536)
        XCTAssertEqual(config.limits.maxDepth, 10)
        XCTAssertEqual(config.limits.maxAttributes, 20)
        XCTAssertEqual(config.limits.connectionsPerIP, 4)
        XCTAssertEqual(config.limits.maxLinks, 100)
        XCTAssertEqual(config.limits.handshakeTimeout, .seconds(60))
        XCTAssertEqual(config.localDomains, ["smith.example", "kids.example", "iot.smith.example"])
        // The inline secret makes the configuration file itself a private file.
        XCTAssertTrue(
            config.referencedFiles.contains(
                ReferencedFile(key: "component.secret", path: "/etc/xmpp-relay/test.toml", line: 30, kind: .private)))
        XCTAssertTrue(
            config.referencedFiles.contains(
                ReferencedFile(key: "tls.key", path: "/etc/xmpp-relay/key.pem", line: 9, kind: .private)))
    }

    func testUnknownKeysAndTablesSayWhatWasMeant() {
        let text = """
            state_dir = "/x"
            [tsl]
            [[hom]]
            [relay]
            stat_dir = "/x"
            trust_anchor = "/y"
            colour = "blue"
            [tls.domian]
            [log.extra]
            x = 1
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(1, .unknownKey, "unknown key 'state_dir' at the top level; it belongs in [relay]"),
                Expected(2, .unknownKey, "unknown table [tsl]; did you mean [tls]?"),
                Expected(3, .unknownKey, "unknown table [[hom]]; did you mean [[home]]?"),
                Expected(5, .unknownKey, "unknown key 'stat_dir' in [relay]; did you mean 'state_dir'?"),
                Expected(6, .unknownKey, "unknown key 'trust_anchor' in [relay]; it belongs in [dns]: move it there"),
                Expected(7, .unknownKey, "unknown key 'colour' in [relay]; the keys here are state_dir, allow_root"),
                Expected(8, .unknownKey, "unknown table [tls.domian]; did you mean [[tls.domain]]?"),
                Expected(9, .unknownKey, "unknown table [log.extra]; the keys here are level, stats_interval"),
            ])
        assertErrors(
            parseConfig("wibble = 1\n"),
            [Expected(1, .unknownKey, "unknown key 'wibble' at the top level; the tables are [relay], [log], [tls]")])
    }

    func testWrongTypes() {
        let text = """
            [relay]
            state_dir = 5
            allow_root = "yes"
            [log]
            level = 3
            [listen]
            s2s = "[::]:5269"
            home = ["127.0.0.1:5289", 5290]
            [limits]
            max_depth = "10"
            max_stanza_bytes = true
            handshake_timeout = 30
            [queue]
            max_age = 3
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(2, .wrongType, "relay.state_dir must be a string in quotes, not an integer; e.g. state_dir ="),
                Expected(3, .wrongType, "relay.allow_root must be true or false, not a string"),
                Expected(5, .wrongType, "log.level must be a string in quotes, not an integer; e.g. level = \"info\""),
                Expected(7, .wrongType, "listen.s2s must be a list, not a string; e.g. s2s = [\"[::]:5269\"]"),
                Expected(8, .wrongType, "each entry of listen.home must be a string in quotes, not an integer"),
                Expected(10, .wrongType, "limits.max_depth must be an integer, not a string"),
                Expected(11, .wrongType, "limits.max_stanza_bytes must be a size, not true/false"),
                Expected(12, .wrongType, "limits.handshake_timeout must be a duration in quotes with a unit"),
                Expected(14, .wrongType, "queue.max_age must be a duration in quotes with a unit, not an integer"),
            ])
    }

    func testTablesWrittenTheWrongWay() {
        assertErrors(
            parseConfig("[[tls]]\n[home]\n[[relay]]\n"),
            [
                Expected(1, .wrongType, "tls is a single table: write [tls] once, not [[tls]]"),
                Expected(2, .wrongType, "write [[home]] (one block per home domain), not [home]"),
                Expected(3, .wrongType, "relay is a single table"),
            ])
        assertErrors(
            parseConfig("log = \"info\"\ncomponent = [\"a\"]\npeer = 1\n[tls]\ndomain = \"x\"\n"),
            [
                Expected(1, .wrongType, "log must be a [log] table with keys below it, not a string"),
                Expected(
                    2, .wrongType,
                    "component must be written as [[component]] blocks (one per component), not as a list"),
                Expected(
                    3, .wrongType, "peer must be written as [[peer]] blocks (one per peer domain), not an integer"),
                Expected(5, .wrongType, "tls.domain must be written as [[tls.domain]] blocks"),
            ])
    }

    func testListenAddresses() {
        let text = """
            [listen]
            s2s = [
                "127.0.0.1",
                "127.0.0.1:0",
                "127.0.0.1:70000",
                "localhost:5269",
                "::1:5269",
                "[::1:5269",
                "[::1]5269",
                ":5269",
                "[127.0.0.1]:5269",
                "[::]:5269",
            ]
            s2s_direct_tls = ["[::]:5269", "0.0.0.0:5270"]
            home = ["1.2.3.4:x"]
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(3, .invalidValue, "listen.s2s: missing port; write HOST:PORT, e.g. 127.0.0.1:5269"),
                Expected(4, .invalidValue, "'0' is not a port; ports are 1 to 65535"),
                Expected(5, .invalidValue, "'70000' is not a port"),
                Expected(6, .invalidValue, "'localhost' is not an IP address; listen addresses are IP literals"),
                Expected(7, .invalidValue, "put an IPv6 address in brackets: [::1]:PORT"),
                Expected(8, .invalidValue, "missing ']' after the IPv6 address"),
                Expected(9, .invalidValue, "missing port; write [::1]:PORT"),
                Expected(10, .invalidValue, "missing host before the port"),
                Expected(11, .invalidValue, "'127.0.0.1' is not an IP address"),
                Expected(14, .duplicate, "listen.s2s_direct_tls: [::]:5269 is already used by listen.s2s at line 12"),
                Expected(15, .invalidValue, "listen.home: 'x' is not a port"),
            ])
    }

    func testHomeBlocks() {
        let text = """
            \(tls)
            [[home]]
            server = "127.0.0.1:5299"
            pin = "\(samplePin)"
            [[home]]
            domain = "a.example"
            pin = "\(samplePin)"
            [[home]]
            domain = "b.example"
            server = "192.0.2.1:5299"
            [[home]]
            domain = "c.example"
            server = "192.0.2.1:5299"
            plaintext_loopback = true
            [[home]]
            domain = "d.example"
            server = "not a host:5299"
            pin = "\(samplePin)"
            pins = ["\(samplePin)"]
            [[home]]
            domain = "e.example"
            server = "127.0.0.1:5299"
            pins = []
            plaintext_loopback = true
            [[home]]
            domain = "f.example"
            server = "[::2]:5299"
            plaintext_loopback = true
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(4, .missingKey, "[[home]] has no domain; add domain = \"smith.example\""),
                Expected(7, .missingKey, "[[home]] has no server; add server ="),
                Expected(10, .missingKey, "[[home]] b.example has no pin: add pin = \"3 1 1 …\""),
                Expected(
                    16, .conflict,
                    "plaintext_loopback needs a loopback server (127.0.0.1 or [::1]), but server is 192.0.2.1:5299"),
                Expected(19, .invalidValue, "home.server: 'not a host' is neither an IP address nor a host name"),
                Expected(21, .conflict, "[[home]] has both pin and pins; put every pin in pins = [ … ]"),
                Expected(21, .duplicate, "is listed twice; keep one"),
                Expected(25, .invalidValue, "home.pins is empty; list at least one pin or remove the key"),
                Expected(26, .conflict, "plaintext_loopback = true turns TLS off"),
                Expected(30, .conflict, "but server is [::2]:5299"),
            ])
    }

    func testOutputLimitsDecodeAndALinkMarkBelowOneStanzaIsAConflict() throws {
        let defaults = try XCTUnwrap(success(parseConfig("")))
        XCTAssertEqual(defaults.limits.linkOutputBytes, 512 * 1024)
        XCTAssertEqual(defaults.limits.maxOutputBytes, 32 * 1024 * 1024)
        XCTAssertEqual(defaults.limits.writeStall, .seconds(60))
        let set = try XCTUnwrap(
            success(
                parseConfig(
                    "[limits]\nlink_output_bytes = \"1M\"\nmax_output_bytes = \"8M\"\nwrite_stall = \"5s\"\n")))
        XCTAssertEqual(set.limits.linkOutputBytes, 1 << 20)
        XCTAssertEqual(set.limits.maxOutputBytes, 8 << 20)
        XCTAssertEqual(set.limits.writeStall, .seconds(5))
        assertErrors(
            parseConfig("[limits]\nmax_stanza_bytes = 100000\nlink_output_bytes = 65536\n"),
            [
                Expected(
                    3, .conflict,
                    "limits.link_output_bytes (64k) is smaller than limits.max_stanza_bytes (100000); raise link_output_bytes"
                )
            ])
    }

    func testPlaintextHomeWithPinsAndControlCharactersInPaths() {
        let text = """
            [[home]]
            domain = "smith.example"
            server = "127.0.0.1:5299"
            pin = "\(samplePin)"
            plaintext_loopback = true
            [relay]
            state_dir = "/var/lib/x\\u0000y"
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(2, .missingKey, "smith.example needs a certificate"),
                Expected(5, .conflict, "plaintext_loopback = true turns TLS off, so the pins would never be checked"),
                Expected(7, .invalidValue, "relay.state_dir contains a control character"),
            ])
    }

    func testPins() {
        let text = """
            [[peer]]
            domain = "jones.example"
            pins = [
                "3 1 1",
                "4 1 1 00",
                "3 2 1 00",
                "3 1 3 00",
                "3 1 1 abc",
                "3 1 1 zz",
                "3 1 1 \(String(repeating: "ab", count: 31))",
                "3 1 2 \(String(repeating: "ab", count: 32))",
                "x 1 1 00",
                "3 1 0 de ad be ef",
                "2 0 2 \(String(repeating: "CD", count: 64))",
                "1 1 1 \(String(repeating: "ab", count: 32))",
            ]
            allow_dialback = true
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(4, .invalidValue, "a pin has four parts, \"USAGE SELECTOR MATCHING HEX\""),
                Expected(5, .invalidValue, "pin usage '4' must be 0 to 3"),
                Expected(6, .invalidValue, "pin selector '2' must be 0 to 1"),
                Expected(7, .invalidValue, "pin matching type '3' must be 0 to 2"),
                Expected(8, .invalidValue, "pin data 'abc' is not hexadecimal bytes"),
                Expected(9, .invalidValue, "pin data 'zz' is not hexadecimal bytes"),
                Expected(10, .invalidValue, "a SHA-256 pin has 64 hex digits, this one has 62"),
                Expected(11, .invalidValue, "a SHA-512 pin has 128 hex digits, this one has 64"),
                Expected(12, .invalidValue, "pin usage 'x' must be 0 to 3"),
                Expected(15, .invalidValue, "pin usage 1 (PKIX-EE) cannot pin anything here"),
                Expected(
                    17, .conflict, "a peer with pins is accepted by its pins only; remove allow_dialback or the pins"),
            ])
        let pin = try? PinSyntax.parse("3 1 0 de ad be ef").get()
        XCTAssertEqual(pin, TLSARecord(usage: 3, selector: 1, matchingType: 0, data: [0xDE, 0xAD, 0xBE, 0xEF]))
    }

    func testComponents() {
        let text = """
            \(tls)
            [[component]]
            domain = "a.example"
            secret = "x"
            secret_file = "/etc/a.secret"
            [[component]]
            domain = "b.example"
            [[component]]
            domain = "c.example"
            secret = ""
            [[component]]
            domain = "d.example"
            secret_file = ""
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(7, .conflict, "[[component]] has both secret and secret_file; keep one"),
                Expected(8, .missingKey, "[[component]] b.example has no secret: add secret_file ="),
                Expected(12, .invalidValue, "component.secret is empty"),
                Expected(15, .invalidValue, "component.secret_file is empty; write a path"),
            ])
    }

    func testDuplicateDomainsAcrossSections() {
        let text = """
            \(tls)
            [[home]]
            domain = "smith.example"
            server = "127.0.0.1:5299"
            plaintext_loopback = true
            [[component]]
            domain = "SMITH.example"
            secret = "x"
            [[peer]]
            domain = "jones.example"
            [[peer]]
            domain = "smith.example"
            [[home]]
            domain = "jones.example"
            server = "127.0.0.1:5299"
            plaintext_loopback = true
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(
                    9, .duplicate,
                    "smith.example is already configured as [[home]] at line 5; each domain may appear once"),
                Expected(14, .duplicate, "smith.example is already configured as [[home]] at line 5"),
                Expected(16, .duplicate, "jones.example is already configured as [[peer]] at line 12"),
            ])
    }

    func testDomainNames() {
        let text = """
            [[peer]]
            domain = "example.org."
            [[peer]]
            domain = "user@example.org"
            [[peer]]
            domain = "bücher.example"
            [[peer]]
            domain = "-bad.example"
            [[peer]]
            domain = "a..b"
            [[peer]]
            domain = ""
            [policy]
            allow_dialback = ["ok.example", "bad_domain.example", "ok.example"]
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(2, .invalidValue, "peer.domain: remove the trailing dot from 'example.org.'"),
                Expected(4, .invalidValue, "'user@example.org' is a JID, not a domain"),
                Expected(6, .invalidValue, "in its ASCII xn-- form"),
                Expected(8, .invalidValue, "'-bad.example' is not a valid domain name"),
                Expected(10, .invalidValue, "'a..b' is not a valid domain name"),
                Expected(12, .invalidValue, "the domain is empty"),
                Expected(14, .invalidValue, "policy.allow_dialback: 'bad_domain.example' is not a valid domain name"),
                Expected(14, .duplicate, "policy.allow_dialback lists ok.example twice"),
            ])
    }

    func testCertificates() {
        let text = """
            [tls]
            certificate = "/c.pem"
            [[tls.domain]]
            domain = "kids.example"
            certificate = "/k.pem"
            key = "/k.key"
            [[tls.domain]]
            domain = "kids.example"
            certificate = "/k.pem"
            key = "/k.key"
            [[tls.domain]]
            domain = "x.example"
            [[tls.domain]]
            certificate = "/k.pem"
            key = "/k.key"
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(2, .missingKey, "tls.certificate is set but tls.key is not; set both"),
                Expected(4, .conflict, "[[tls.domain]] kids.example is neither a [[home]] nor a [[component]] domain"),
                Expected(8, .duplicate, "[[tls.domain]] for kids.example is already given at line 4"),
                Expected(
                    11, .missingKey,
                    "[[tls.domain]] has no certificate; add certificate = \"/etc/xmpp-relay/x.example.pem\""),
                Expected(11, .missingKey, "[[tls.domain]] has no key; add key ="),
                Expected(13, .missingKey, "[[tls.domain]] has no domain"),
            ])
        assertErrors(
            parseConfig("[tls]\nkey = \"/k\"\n"),
            [Expected(2, .missingKey, "tls.key is set but tls.certificate is not")])
    }

    func testServedDomainsNeedACertificate() {
        let text = """
            [[tls.domain]]
            domain = "a.example"
            certificate = "/a.pem"
            key = "/a.key"
            [[home]]
            domain = "a.example"
            server = "127.0.0.1:5299"
            plaintext_loopback = true
            [[component]]
            domain = "b.example"
            secret = "x"
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(
                    10, .missingKey,
                    "b.example needs a certificate: set certificate and key in [tls] (xmpp-relay keygen b.example makes them)"
                )
            ])
    }

    func testScalarValues() {
        let text = """
            [log]
            level = "loud"
            stats_interval = "10 m"
            [dns]
            forwarders = ["127.0.0.1@53@1", "resolver.lan", "127.0.0.1@0"]
            use_resolv_conf = true
            cache_size = "1T"
            [policy]
            require = "pkix"
            allow_dialback = ["*", "a.example"]
            [queue]
            max_age = "30s"
            iq_hold = "1w"
            retry_max = "m"
            max_bytes = "10k"
            max_bytes_per_domain = -1
            [limits]
            max_stanza_bytes = "9k"
            max_depth = 1
            connections_per_ip = 0
            max_links = 9999999999
            max_attributes = 100000
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(2, .invalidValue, "log level 'loud' is not one of debug, info, warn, error"),
                Expected(
                    3, .invalidValue, "log.stats_interval: '10 m' is not a duration; write a whole number and a unit"),
                Expected(5, .invalidValue, "dns.forwarders: write a forwarder as IP or IP@PORT"),
                Expected(5, .invalidValue, "dns.forwarders: 'resolver.lan' is not an IP address"),
                Expected(5, .invalidValue, "dns.forwarders: '0' is not a port"),
                Expected(6, .conflict, "dns.use_resolv_conf and dns.forwarders both choose the resolvers; keep one"),
                Expected(7, .invalidValue, "dns.cache_size: '1T' is not a size"),
                Expected(9, .invalidValue, "policy.require 'pkix' is not one of \"verified\""),
                Expected(10, .invalidValue, "\"*\" already allows every domain; write [\"*\"] alone"),
                Expected(12, .invalidValue, "queue.max_age must be at least 1m, not 30s"),
                Expected(13, .invalidValue, "queue.iq_hold: '1w' is not a duration"),
                Expected(14, .invalidValue, "queue.retry_max: 'm' is not a duration"),
                Expected(15, .invalidValue, "queue.max_bytes must be at least 64k bytes"),
                Expected(16, .invalidValue, "queue.max_bytes_per_domain: a size cannot be negative"),
                Expected(18, .invalidValue, "limits.max_stanza_bytes must be at least 10000 bytes"),
                Expected(19, .invalidValue, "limits.max_depth must be between 4 and 1000, not 1"),
                Expected(20, .invalidValue, "limits.connections_per_ip must be between 1 and 100000, not 0"),
                Expected(21, .invalidValue, "limits.max_links must be between 1 and 1000000"),
                Expected(22, .invalidValue, "limits.max_attributes must be between 8 and 10000"),
            ])
    }

    func testDNSTimeout() throws {
        XCTAssertEqual(try XCTUnwrap(success(parseConfig(""))).dns.timeout, .seconds(10))
        let config = try XCTUnwrap(success(parseConfig("[dns]\ntimeout = \"2s\"\n")))
        XCTAssertEqual(config.dns.timeout, .seconds(2))
        assertErrors(
            parseConfig("[dns]\ntimeout = \"0s\"\n"),
            [Expected(2, .invalidValue, "dns.timeout must be at least 1s, not 0s")])
        assertErrors(
            parseConfig("[dns]\ntimeout = 10\n"),
            [Expected(2, .wrongType, "dns.timeout must be a duration in quotes with a unit")])
    }

    func testQueueCapsMustNest() {
        assertErrors(
            parseConfig("[queue]\nmax_bytes = \"1M\"\nmax_bytes_per_domain = \"2M\"\n"),
            [Expected(3, .conflict, "queue.max_bytes_per_domain (2M) is larger than queue.max_bytes (1M)")])
        assertErrors(
            parseConfig("[queue]\nmax_bytes = \"1M\"\n"),
            [Expected(2, .conflict, "queue.max_bytes_per_domain (16M) is larger than queue.max_bytes (1M)")])
    }

    func testNotations() {
        XCTAssertEqual(try DurationNotation.parse("3d").get(), .seconds(259_200))
        XCTAssertEqual(try DurationNotation.parse("90s").get(), .seconds(90))
        XCTAssertNil(try? DurationNotation.parse("99999999999999999999d").get())
        XCTAssertNil(try? DurationNotation.parse("-1s").get())
        XCTAssertEqual(DurationNotation.format(.seconds(259_200)), "3d")
        XCTAssertEqual(DurationNotation.format(.seconds(90)), "90s")
        XCTAssertEqual(try SizeNotation.parse("256k").get(), 262_144)
        XCTAssertEqual(try SizeNotation.parse("1G").get(), 1 << 30)
        XCTAssertEqual(try SizeNotation.parse("512").get(), 512)
        XCTAssertNil(try? SizeNotation.parse("1.5M").get())
        XCTAssertNil(try? SizeNotation.parse("M").get())
        XCTAssertEqual(SizeNotation.format(64 << 20), "64M")
        XCTAssertEqual(PathNotation.resolve("a.pem", relativeTo: "/etc/x/r.toml"), "/etc/x/a.pem")
        XCTAssertEqual(PathNotation.resolve("/a.pem", relativeTo: "/etc/x/r.toml"), "/a.pem")
        XCTAssertEqual(PathNotation.resolve("a.pem", relativeTo: "r.toml"), "a.pem")
        XCTAssertEqual(Suggestions.editDistance("certficate", "certificate"), 1)
        XCTAssertEqual(Suggestions.editDistance("levle", "level"), 1)
        XCTAssertNil(Suggestions.closest(to: "colour", among: ["state_dir", "allow_root"]))
    }

    func testSyntaxErrorsStopBeforeValidation() {
        // A broken line hides nothing else of the syntax, but semantic checks wait for a clean parse.
        assertErrors(
            parseConfig("[relay]\nstate_dir = \"/x\nbogus = 1\n"),
            [Expected(2, .syntax, "unterminated string")])
    }
}
