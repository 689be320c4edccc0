import Foundation
import XCTest

@testable import RelayServer

/// The pieces of `Type=notify` support without a running relay: what the environment turns on,
/// the datagrams on a path and an abstract socket, the failures, and the STATUS= text.
final class SystemdNotifyTests: XCTestCase {
    private func settings(_ environment: [String: String], pid: Int32 = 42) -> SystemdSettings {
        SystemdSettings.read(pid: pid) { environment[$0] }
    }

    func testWatchdogPingsAtHalfTheIntervalForThisProcessOnly() {
        let on = settings(["NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "400000"])
        XCTAssertEqual(on.notifySocket, "/run/systemd/notify")
        XCTAssertEqual(on.watchdogInterval, .milliseconds(200))
        XCTAssertNil(on.watchdogOff)

        let ours = settings(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"])
        XCTAssertEqual(ours.watchdogInterval, .seconds(15))

        let other = settings(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"])
        XCTAssertNil(other.watchdogInterval)
        XCTAssertEqual(other.watchdogOff, "WATCHDOG_PID=1 is another process (ours is 42)")

        for bad in ["0", "-5", "soon", ""] {
            let off = settings(["NOTIFY_SOCKET": "@n", "WATCHDOG_USEC": bad])
            XCTAssertNil(off.watchdogInterval, bad)
            XCTAssertEqual(off.watchdogOff, "WATCHDOG_USEC=\(bad) is not a positive number of microseconds")
        }
        let noSocket = settings(["WATCHDOG_USEC": "400000"])
        XCTAssertNil(noSocket.notifySocket)
        XCTAssertNil(noSocket.watchdogInterval)
        XCTAssertEqual(settings(["NOTIFY_SOCKET": ""]).notifySocket, nil)
        XCTAssertEqual(settings([:]).watchdogOff, "WATCHDOG_USEC unset (no WatchdogSec= in the unit)")
    }

    func testDatagramsReachAPathAndAnAbstractSocket() throws {
        let directory = NSTemporaryDirectory() + "notify-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in [directory + "/notify", "@xmpp-relay-test-\(UUID().uuidString)"] {
            let receiver = try NotifyReceiver(path: name)
            let notify = try SystemdNotify(socket: name)
            XCTAssertNil(notify.send([("READY", "1"), ("STATUS", "two\nlines")]))
            let datagram = try XCTUnwrap(receiver.waitFor("READY", "1", timeout: 5), name)
            XCTAssertEqual(datagram.text, "READY=1\nSTATUS=two lines\n", name)
        }
    }

    func testFailuresNameTheSocketAndTheReason() throws {
        let dead = NSTemporaryDirectory() + "notify-\(UUID().uuidString)/gone"
        let notify = try SystemdNotify(socket: dead)
        XCTAssertEqual(notify.send([("READY", "1")])?.description, "sendto \(dead): No such file or directory")

        XCTAssertThrowsError(try SystemdNotify(socket: "run/notify")) { error in
            XCTAssertTrue("\(error)".contains("neither an absolute path nor @abstract"), "\(error)")
        }
        XCTAssertThrowsError(try SystemdNotify(socket: "/" + String(repeating: "x", count: 120))) { error in
            XCTAssertTrue("\(error)".contains("does not fit a Unix socket address (107 bytes)"), "\(error)")
        }
        XCTAssertThrowsError(try SystemdNotify(socket: "@"))
    }

    func testStatusSaysLinksAndQueuedAndKeepsARefusedReloadInView() {
        var traffic = RouterTraffic()
        traffic.linksIn = 2
        traffic.linksOut = 1
        traffic.components = 1
        traffic.held = 3
        XCTAssertEqual(
            ServiceStatus(traffic: traffic).text, "links: 2 in, 1 out, 1 component; queued: 3 stanzas")
        let refused = ServiceStatus.reloadRefused(["/etc/x.toml:7: unknown key 'prot'", "another"])
        XCTAssertEqual(
            refused,
            "reload refused, previous configuration stays in force: /etc/x.toml:7: unknown key 'prot' (and 1 more)")
        XCTAssertEqual(
            ServiceStatus(traffic: RouterTraffic(), note: refused).text,
            refused + "; links: 0 in, 0 out, 0 components; queued: 0 stanzas")
        XCTAssertEqual(ServiceStatus(traffic: nil).text, "no local domains configured: nothing to relay")
    }
}
