// swift-tools-version: 6.0
// Builds offline with Debian 13's swiftlang 6.0.3 and with Swift 6.3.1: no package dependencies,
// no language feature newer than Swift 6.0. The five C libraries come from Debian's -dev packages.
import PackageDescription

let package = Package(
    name: "xmpp-relay",
    products: [
        .executable(name: "xmpp-relay", targets: ["xmpp-relay"])
    ],
    targets: [
        // System libraries: one module map and a shim header each (macros, version differences).
        .systemLibrary(name: "CEvent", path: "Sources/CEvent"),
        .systemLibrary(name: "CExpat", path: "Sources/CExpat"),
        .systemLibrary(name: "CMbedTLS", path: "Sources/CMbedTLS"),
        .systemLibrary(name: "CUnbound", path: "Sources/CUnbound"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),

        // Wrapper and pure-Swift modules; see ARCHITECTURE.md for what each may import.
        .target(name: "RelayLog"),
        .target(name: "EventLoop", dependencies: ["CEvent"]),
        .target(name: "RelayConfig", dependencies: ["RelayLog", "Trust", "X509"]),
        .target(name: "XMPPStream", dependencies: ["CExpat"]),
        .target(name: "X509"),
        .target(name: "TLS", dependencies: ["CMbedTLS", "X509"]),
        .target(name: "Trust", dependencies: ["X509"]),
        .target(name: "DNS", dependencies: ["CUnbound", "EventLoop"]),
        .target(name: "Store", dependencies: ["CSQLite"]),
        .target(name: "S2S", dependencies: ["XMPPStream", "X509"]),
        .target(name: "Routing", dependencies: ["S2S", "XMPPStream"]),
        .target(
            name: "RelayServer",
            dependencies: [
                "RelayLog", "RelayConfig", "EventLoop", "DNS", "TLS", "Trust", "X509", "XMPPStream", "S2S",
                "Routing", "Store",
            ]
        ),
        .target(
            name: "RelayCLI",
            dependencies: [
                "RelayLog", "RelayConfig", "RelayServer", "EventLoop", "TLS", "Trust", "X509", "DNS", "XMPPStream",
                "Store",
            ]
        ),
        .executableTarget(name: "xmpp-relay", dependencies: ["RelayCLI"]),
        .executableTarget(name: "xmppstream-bench", dependencies: ["XMPPStream"], path: "Benchmarks/XMPPStreamBench"),
        .executableTarget(name: "store-probe", dependencies: ["Store"], path: "Benchmarks/StoreProbe"),
        .executableTarget(
            name: "relay-load", dependencies: ["EventLoop", "TLS", "Trust", "X509"], path: "Benchmarks/RelayLoad"),

        // Shared by the test targets that run the real binary; never part of the product.
        .target(name: "RelayTestSupport", path: "Tests/RelayTestSupport"),

        .testTarget(name: "RelayLogTests", dependencies: ["RelayLog"]),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop"]),
        .testTarget(name: "RelayConfigTests", dependencies: ["RelayConfig", "Trust"]),
        .testTarget(name: "XMPPStreamTests", dependencies: ["XMPPStream"], exclude: ["Fixtures"]),
        .testTarget(
            name: "TLSTests", dependencies: ["TLS", "X509"], exclude: ["Fixtures", "test-with-trixie-mbedtls.sh"]),
        .testTarget(name: "X509Tests", dependencies: ["X509"]),
        .testTarget(name: "TrustTests", dependencies: ["Trust", "X509"], exclude: ["Fixtures"]),
        .testTarget(name: "DNSTests", dependencies: ["DNS", "EventLoop"], exclude: ["Fixtures"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "EventLoop"]),
        .testTarget(name: "S2STests", dependencies: ["S2S", "XMPPStream"]),
        .testTarget(name: "RelayLoadTests", dependencies: ["relay-load"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "S2S", "XMPPStream", "CMbedTLS"]),
        .testTarget(
            name: "RelayServerTests",
            dependencies: [
                "RelayServer", "RelayConfig", "RelayLog", "EventLoop", "Trust", "X509", "TLS", "XMPPStream", "S2S",
                "RelayTestSupport", "Routing", "Store",
            ]
        ),
        .testTarget(
            name: "RelayCLITests",
            dependencies: ["RelayCLI", "RelayServer", "Store", "EventLoop", "RelayLog", "RelayTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "InteropTests", dependencies: ["RelayCLI", "RelayTestSupport"], exclude: ["Fixtures"]),
    ]
)
