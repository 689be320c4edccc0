import Foundation
import RelayTestSupport
import XCTest

/// The real `xmpp-relay run` under a NOTIFY_SOCKET the test binds, as systemd would run a
/// `Type=notify` unit with `WatchdogSec=`: READY=1 once listening, RELOADING=1 … READY=1 around
/// SIGHUP (also a refused one), STATUS= with links and queued stanzas, WATCHDOG=1 at half of
/// WATCHDOG_USEC, STOPPING=1 on SIGTERM; and a relay with no socket or a dead one runs on.
final class SystemdLifecycleTests: XCTestCase {
    private var bed: RelayBed!

    override func setUpWithError() throws {
        bed = try RelayBed(name: "systemd")
    }

    override func tearDownWithError() throws {
        bed.tearDown()
    }

    private func configText(_ side: RelayBed.Side) -> String {
        bed.commonSections(domain: side.domain, certificate: side.certificate, key: side.key)
            + "[listen]\ns2s = [\"127.0.0.1:\(side.s2sPort)\"]\ns2s_direct_tls = []\nhome = []\n"
            + "component = [\"127.0.0.1:\(side.componentPort)\"]\n"
            + RelayBed.componentSection(domain: side.domain, secret: side.secret)
    }

    private var emulated: Bool { (try? skipUnderEmulator("watchdog timing")) == nil }

    func testReadyReloadStatusWatchdogAndStopping() throws {
        let side = try bed.makeSide("notify.example")
        let receiver = try NotifyReceiver(path: bed.directory + "/notify")
        let relay = try bed.startRelay(
            domain: side.domain, configText(side),
            environment: ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": "400000"])
        let settings = try XCTUnwrap(relay.waitFor("systemd.notify"), relay.log)
        XCTAssertTrue(
            settings.contains("level=info") && settings.contains("notify=\(receiver.name) watchdog=on ping_ms=200"),
            settings)

        // READY=1 once the listeners are bound: the component port answers as soon as it arrives.
        let ready = try XCTUnwrap(receiver.waitFor("READY", "1"), relay.log)
        XCTAssertEqual(ready.fields["STATUS"], "links: 0 in, 0 out, 0 components; queued: 0 stanzas")
        XCTAssertNoThrow(try LoopbackClient(port: side.s2sPort))
        let component = try bed.component(side)

        // STATUS= follows the links within a refresh (2 s), sent once, not repeated while unchanged.
        let oneComponent = "links: 0 in, 0 out, 1 component; queued: 0 stanzas"
        let refreshed = try XCTUnwrap(
            receiver.waitFor(after: ready.index + 1, timeout: 6) { $0.fields["STATUS"] == oneComponent },
            receiver.received.map(\.text).joined())
        XCTAssertNil(refreshed.fields["READY"])

        // WATCHDOG=1 every 200 ms from the loop's timer.
        let windowStart = receiver.received.count
        receiver.drain(for: 2.0)
        let pings = receiver.received[windowStart...].filter { $0.fields["WATCHDOG"] == "1" }
        XCTAssertGreaterThanOrEqual(pings.count, 3, "no watchdog pings: \(receiver.received.map(\.text))")
        if !emulated {
            XCTAssertTrue((7...13).contains(pings.count), "\(pings.count) pings in 2 s at a 200 ms interval")
            let gaps = zip(pings.dropFirst(), pings).map { $0.receivedMicroseconds - $1.receivedMicroseconds }.sorted()
            let median = gaps[gaps.count / 2]
            XCTAssertTrue((150_000...260_000).contains(median), "median gap \(median) µs, not about 200 ms")
        }
        XCTAssertEqual(
            receiver.received[windowStart...].filter { $0.fields["STATUS"] != nil }.count, 0,
            "STATUS= repeated although nothing changed: \(receiver.received[windowStart...].map(\.text))")

        // SIGHUP: RELOADING=1 with the monotonic time it began, then READY=1 when it is in force.
        var before = receiver.received.count
        let hupAt = NotifyReceiver.monotonicMicroseconds()
        relay.reload()
        let reloading = try XCTUnwrap(receiver.waitFor("RELOADING", "1", after: before), relay.log)
        let began = try XCTUnwrap(reloading.fields["MONOTONIC_USEC"].flatMap { Int64($0) }, reloading.text)
        XCTAssertTrue(
            (hupAt...reloading.receivedMicroseconds).contains(began),
            "MONOTONIC_USEC=\(began) not between SIGHUP (\(hupAt)) and its arrival (\(reloading.receivedMicroseconds))")
        let reloaded = try XCTUnwrap(receiver.waitFor("READY", "1", after: reloading.index + 1), relay.log)
        XCTAssertEqual(reloaded.fields["STATUS"], oneComponent)
        XCTAssertNotNil(relay.waitFor("config.reload"), relay.log)

        // A broken file: refused, the old configuration stays, READY=1 all the same, and STATUS= says so.
        _ = try bed.writeConfig(domain: side.domain, configText(side) + "\n[relay]\nnonsense = 1\n")
        before = receiver.received.count
        relay.reload()
        let refusing = try XCTUnwrap(receiver.waitFor("RELOADING", "1", after: before), relay.log)
        let readyOld = try XCTUnwrap(receiver.waitFor("READY", "1", after: refusing.index + 1), relay.log)
        let status = try XCTUnwrap(readyOld.fields["STATUS"], readyOld.text)
        XCTAssertTrue(status.hasPrefix("reload refused, previous configuration stays in force: "), status)
        XCTAssertTrue(status.hasSuffix("; " + oneComponent), status)
        XCTAssertNotNil(relay.waitFor("config.reload_failed"), relay.log)
        _ = component

        // SIGTERM: STOPPING=1 at once; pings go on (read, as systemd reads them) while the component's
        // stream closes, then the relay exits 0.
        before = receiver.received.count
        relay.send(signal: SIGTERM)
        let stopping = try XCTUnwrap(receiver.waitFor("STOPPING", "1", after: before, timeout: 5), relay.log)
        XCTAssertEqual(stopping.fields["STATUS"], "stopping on SIGTERM; " + oneComponent)
        for _ in 0..<50 where relay.isRunning { receiver.drain(for: 0.2) }
        XCTAssertEqual(relay.stop(), 0, relay.log)
        XCTAssertTrue(relay.lines("systemd.notify_failed").isEmpty, relay.log)
    }

    /// WATCHDOG_PID names another process (a wrapper's watchdog): the relay leaves it alone.
    func testWatchdogForAnotherProcessIsNotFed() throws {
        let side = try bed.makeSide("other.example")
        let receiver = try NotifyReceiver(path: bed.directory + "/notify")
        let relay = try bed.startRelay(
            domain: side.domain, configText(side),
            environment: ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
        XCTAssertNotNil(receiver.waitFor("READY", "1"), relay.log)
        receiver.drain(for: 1.0)
        XCTAssertTrue(receiver.received.allSatisfy { $0.fields["WATCHDOG"] == nil }, "\(receiver.received.map(\.text))")
        let line = try XCTUnwrap(relay.waitFor("systemd.notify"), relay.log)
        XCTAssertTrue(line.contains("watchdog=off"), line)
        XCTAssertTrue(line.contains("WATCHDOG_PID=1 is another process"), line)
    }

    /// Run by hand (no NOTIFY_SOCKET): the start line says so, and nothing else changes.
    func testWithoutNotifySocketTheRelaySaysSoAndRuns() throws {
        guard ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] == nil else {
            throw XCTSkip("these tests run under a service manager's NOTIFY_SOCKET")
        }
        let side = try bed.makeSide("plain.example")
        let relay = try bed.startRelay(domain: side.domain, configText(side))
        let line = try XCTUnwrap(relay.waitFor("systemd.notify"), relay.log)
        XCTAssertTrue(line.contains("level=info"), line)
        XCTAssertTrue(line.contains("notify=off watchdog=off"), line)
        XCTAssertTrue(line.contains("NOTIFY_SOCKET unset"), line)
        relay.reload()
        XCTAssertNotNil(relay.waitFor("config.reload"), relay.log)
        XCTAssertEqual(relay.stop(), 0, relay.log)
        XCTAssertEqual(relay.lines("systemd.notify").count, 1)
        XCTAssertTrue(relay.lines("systemd.notify_failed").isEmpty, relay.log)
    }

    /// NOTIFY_SOCKET names nothing: the relay runs, reloads and stops as usual and says so once;
    /// pings reach a socket that appears later, and a second outage is logged again.
    func testDeadNotifySocketIsLoggedOnceAndDoesNotStopTheRelay() throws {
        let side = try bed.makeSide("dead.example")
        let path = bed.directory + "/notify-later"
        let relay = try bed.startRelay(
            domain: side.domain, configText(side), environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"])
        let failed = try XCTUnwrap(relay.waitFor("systemd.notify_failed"), relay.log)
        XCTAssertTrue(failed.contains("level=warn"), failed)
        XCTAssertTrue(failed.contains("sending=READY,STATUS"), failed)
        XCTAssertTrue(failed.contains("reason=\"sendto \(path): No such file or directory\""), failed)
        relay.reload()
        XCTAssertNotNil(relay.waitFor("config.reload"), relay.log)
        Thread.sleep(forTimeInterval: 0.6)  // three failed pings and the reload's datagrams
        XCTAssertTrue(relay.isRunning)
        XCTAssertEqual(relay.lines("systemd.notify_failed").count, 1, relay.log)

        do {
            let receiver = try NotifyReceiver(path: path)
            XCTAssertNotNil(receiver.waitFor("WATCHDOG", "1", timeout: 5), relay.log)
        }
        // The receiver is gone again (its file unlinked): the next failure is news.
        XCTAssertTrue(eventually(timeout: 5) { relay.lines("systemd.notify_failed").count == 2 }, relay.log)
        XCTAssertEqual(relay.stop(), 0, relay.log)
    }
}
