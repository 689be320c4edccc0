import CMbedTLS
import TLS
import XCTest

/// Private heap per established TLS link, measured with mallinfo2() (bytes in use on the heap).
/// Prints the figures; the bound asserted is generous (DESIGN.md §9's target is 48 KB).
final class MemoryPerLinkTests: XCTestCase {
    private func heapInUse() -> Int { Int(shim_heap_bytes_in_use()) }

    private struct Figures {
        let server: Int
        let client: Int
    }

    private func measure(
        count: Int, serverDomain: String, clientIdentity: TLSIdentity?,
        maxFragmentLength: TLSConfiguration.MaxFragmentLength?
    ) throws -> Figures {
        let serverContext = try serverContext(serverDomain)
        let clientContext = try clientContext(identity: clientIdentity, maxFragmentLength: maxFragmentLength)
        // Warm up once so lazily created library state is not counted.
        do {
            let server = try TLSConnection(context: serverContext)
            let client = try TLSConnection(context: clientContext, serverName: serverDomain)
            try completeHandshake(client, server)
        }
        let baseline = heapInUse()
        var servers: [TLSConnection] = []
        var clients: [TLSConnection] = []
        for _ in 0..<count {
            let server = try TLSConnection(context: serverContext)
            let client = try TLSConnection(context: clientContext, serverName: serverDomain)
            try completeHandshake(client, server)
            XCTAssertEqual(try transfer(Array("<presence/>".utf8), from: client, to: server), Array("<presence/>".utf8))
            servers.append(server)
            clients.append(client)
        }
        let both = heapInUse()
        clients.removeAll()
        let serversOnly = heapInUse()
        servers.removeAll()
        let clientBytes = (both - serversOnly) / count
        let serverBytes = (serversOnly - baseline) / count
        return Figures(server: serverBytes, client: clientBytes)
    }

    func testHeapForSystemCABundle() throws {
        guard shim_heap_bytes_in_use() >= 0 else { throw XCTSkip("needs glibc >= 2.33 for mallinfo2") }
        guard FileManager.default.fileExists(atPath: TLSTrustStore.systemBundlePath) else {
            throw XCTSkip("no system CA bundle (Debian package ca-certificates)")
        }
        let before = heapInUse()
        let store = try TLSTrustStore()
        let after = heapInUse()
        print("tls.memory case=system-ca-bundle anchors=\(store.anchorCount) heap_bytes=\(after - before)")
        // Measured 2.6–3 KB per anchor (mbedTLS parses each certificate once). The store is shared
        // by every link; a parse that kept copies per anchor would show here.
        XCTAssertGreaterThan(store.anchorCount, 50)
        XCTAssertLessThan((after - before) / store.anchorCount, 8 * 1024)
    }

    func testHeapPerEstablishedLink() throws {
        guard shim_heap_bytes_in_use() >= 0 else { throw XCTSkip("needs glibc >= 2.33 for mallinfo2") }
        let (incoming, outgoing) = TLSLibrary.recordBufferContentLength
        print(
            "tls.memory mbedtls=\(TLSLibrary.versionMajor).x in_content_len=\(incoming) out_content_len=\(outgoing)"
                + " variable_buffer_length=\(TLSLibrary.hasVariableBufferLength)")
        let cases: [(String, String, TLSIdentity?, TLSConfiguration.MaxFragmentLength?)] = [
            ("ec-server", "a.example", nil, nil),
            ("ec-server+client-cert", "a.example", identity("client.example"), nil),
            ("rsa-server", "b.example", nil, nil),
            ("ec-server+mfl4096", "a.example", nil, .bytes4096),
        ]
        for (label, domain, clientIdentity, mfl) in cases {
            let figures = try measure(
                count: 20, serverDomain: domain, clientIdentity: clientIdentity, maxFragmentLength: mfl)
            print(
                "tls.memory case=\(label) server_bytes_per_link=\(figures.server) client_bytes_per_link=\(figures.client)"
            )
            XCTAssertGreaterThan(
                figures.server, 2 * 16 * 1024, "the record buffers alone are 2 x 16 KB; measuring is broken")
            // Measured 37–40 KB (2.28) and 44–47 KB (3.6.6); the bound only catches gross regressions.
            XCTAssertLessThan(figures.server, 64 * 1024)
            XCTAssertLessThan(figures.client, 64 * 1024)
        }
    }
}
