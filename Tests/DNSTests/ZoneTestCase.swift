import EventLoop
import XCTest

@testable import DNS

/// Base for tests against the local signed zone: one authoritative server and one validating
/// resolver (libunbound on a fresh loop) per test, nothing ever sent beyond loopback.
class ZoneTestCase: XCTestCase {
    var server: TestZoneServer!
    var loop: Loop!
    var resolver: Resolver!

    override func setUpWithError() throws {
        server = try TestZoneServer()
        loop = Loop()
        resolver = try Resolver(loop: loop, configuration: configuration())
    }

    override func tearDown() {
        resolver = nil
        loop = nil
        server?.stop()
        server = nil
    }

    /// Validates with the zone's own DS; everything outside the test zones goes to a dead port.
    func configuration() -> ResolverConfiguration {
        ResolverConfiguration(
            trustAnchorFile: server.trustAnchorFile, forwarders: ["127.0.0.1@9"],
            stubZones: [
                StubZone(zone: "xr.test.", servers: [server.address]),
                StubZone(zone: "servfail.test.", servers: [server.address]),
            ])
    }

    func lookup(_ name: String, _ type: RecordType) -> Result<DNSAnswer, DNSError> {
        var outcome: Result<DNSAnswer, DNSError>? = nil
        resolver.query(name, type: type) { result in
            outcome = result
            self.loop.stop()
        }
        if outcome == nil { loop.run() }
        return outcome!
    }

    func answer(_ name: String, _ type: RecordType, file: StaticString = #filePath, line: UInt = #line) throws
        -> DNSAnswer
    {
        switch lookup(name, type) {
        case .success(let answer): return answer
        case .failure(let error):
            XCTFail("\(name) \(type): \(error)", file: file, line: line)
            throw error
        }
    }

    func plan(_ domain: String, planner: ConnectionPlanner? = nil) -> ConnectionPlan {
        let planner =
            planner ?? ConnectionPlanner(resolver: resolver, scheduler: loop, random: SeededGenerator(seed: 1))
        var outcome: ConnectionPlan? = nil
        planner.plan(domain) { plan in
            outcome = plan
            self.loop.stop()
        }
        if outcome == nil { loop.run() }
        return outcome!
    }
}
