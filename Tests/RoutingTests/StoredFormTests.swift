import Routing
import S2S
import XCTest
import XMPPStream

final class StoredFormTests: XCTestCase {
    func testEveryHopKindRoundTripsThroughItsKey() throws {
        let a = try DomainName("a.example")
        let b = try DomainName("b.example")
        let hops = [
            NextHop(destination: .remote(b), from: a), NextHop(destination: .home(b), from: a),
            NextHop(destination: .component(b), from: a),
        ]
        XCTAssertEqual(
            hops.map(\.storeKey), ["remote:a.example->b.example", "home:a.example->b.example", "component:b.example"])
        for hop in hops { XCTAssertEqual(NextHop(storeKey: hop.storeKey), hop) }
    }

    func testForeignKeysAreRefused() {
        for key in [
            "", "remote", "remote:b.example", "component:a.example->b.example", "mars:a->b", "home:->b.example",
        ] {
            XCTAssertNil(NextHop(storeKey: key), key)
        }
    }

    func testKindCodesAreDistinctAndNamed() {
        let kinds: [StanzaKind] = [
            .message, .iqRequest, .iqResponse, .subscription, .availability(.init(from: "x", to: "y")), .error,
        ]
        XCTAssertEqual(Set(kinds.map(\.storeCode)).count, kinds.count)
        for kind in kinds { XCTAssertEqual(StanzaKind.name(ofStoreCode: kind.storeCode), kind.name) }
        XCTAssertNil(StanzaKind.name(ofStoreCode: 0))
    }
}
