import S2S
import XCTest
import XMPPStream

/// Every row of DESIGN.md §2's routing rule, as one table: the relay serves the home domains
/// smith.example and conference.smith.example (one home server) and kids.example (another), and the
/// component iot.smith.example; jabber.org and jones.example are remote.
final class RouteRuleTests: XCTestCase {
    static let rule = RouteRule(
        homeDomains: [domain("smith.example"), domain("conference.smith.example"), domain("kids.example")],
        componentDomains: [domain("iot.smith.example")])
    static let smithServer = RouteRule.Arrival.home([domain("smith.example"), domain("conference.smith.example")])
    static let iot = RouteRule.Arrival.component(domain("iot.smith.example"))

    /// (arrived on, from, to, verdict) in words.
    static let table: [(RouteRule.Arrival, String, String, String)] = [
        // A remote domain may reach only home and component domains.
        (.remote, "jabber.org", "smith.example", "home smith.example"),
        (.remote, "jabber.org", "conference.smith.example", "home conference.smith.example"),
        (.remote, "jabber.org", "iot.smith.example", "component iot.smith.example"),
        (.remote, "jabber.org", "jones.example", "refuse not-allowed"),
        (.remote, "jabber.org", "jabber.org", "refuse not-allowed"),
        // A remote domain claiming a home or component domain is refused.
        (.remote, "smith.example", "iot.smith.example", "refuse invalid-from"),
        (.remote, "iot.smith.example", "smith.example", "refuse invalid-from"),
        (.remote, "kids.example", "jabber.org", "refuse invalid-from"),
        // A home server may reach anything, as its own domains only.
        (smithServer, "smith.example", "jabber.org", "remote jabber.org"),
        (smithServer, "conference.smith.example", "jabber.org", "remote jabber.org"),
        (smithServer, "smith.example", "iot.smith.example", "component iot.smith.example"),
        (smithServer, "smith.example", "kids.example", "home kids.example"),
        (smithServer, "kids.example", "jabber.org", "refuse invalid-from"),
        (smithServer, "iot.smith.example", "jabber.org", "refuse invalid-from"),
        (smithServer, "jabber.org", "smith.example", "refuse invalid-from"),
        // A component may reach anything, as its own domain only.
        (iot, "iot.smith.example", "jabber.org", "remote jabber.org"),
        (iot, "iot.smith.example", "smith.example", "home smith.example"),
        (iot, "iot.smith.example", "iot.smith.example", "component iot.smith.example"),
        (iot, "smith.example", "jabber.org", "refuse invalid-from"),
        (iot, "jabber.org", "smith.example", "refuse invalid-from"),
    ]

    static func describe(_ verdict: RouteRule.Verdict) -> String {
        switch verdict {
        case .deliver(.home(let to)): "home \(to)"
        case .deliver(.component(let to)): "component \(to)"
        case .deliver(.remote(let to)): "remote \(to)"
        case .refuse(let condition, _): "refuse \(condition.rawValue)"
        }
    }

    func testEveryRowOfTheRoutingTable() {
        for (arrival, from, to, expected) in Self.table {
            let verdict = Self.rule.decide(arrival: arrival, from: domain(from), to: domain(to))
            XCTAssertEqual(Self.describe(verdict), expected, "\(arrival) \(from) -> \(to)")
        }
    }

    func testRefusalsSayWhy() {
        let openRelay = Self.rule.decide(arrival: .remote, from: domain("jabber.org"), to: domain("jones.example"))
        XCTAssertEqual(
            openRelay, .refuse(.notAllowed, reason: "this relay does not relay between two remote domains"))
        let forged = Self.rule.decide(arrival: .remote, from: domain("smith.example"), to: domain("kids.example"))
        XCTAssertEqual(
            forged,
            .refuse(.invalidFrom, reason: "smith.example is served by this relay and cannot arrive from outside"))
        let otherHome = Self.rule.decide(
            arrival: Self.smithServer, from: domain("kids.example"), to: domain("jabber.org"))
        XCTAssertEqual(otherHome, .refuse(.invalidFrom, reason: "kids.example is not a domain of this home server"))
    }
}
