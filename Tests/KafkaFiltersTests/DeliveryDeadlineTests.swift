import XCTest
@testable import KafkaCore

/// kput's last wait: purge after the delivery timeout plus a margin (or at once on a second signal or a
/// fatal error), give up 10 s after the purge.
final class DeliveryDeadlineTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testWaitsUntilTheTimeoutAndItsMarginThenPurgesOnceThenGivesUp() {
        var d = DeliveryDeadline(deliveryTimeoutMs: 1_000, start: 0)
        XCTAssertEqual(d.step(now: 6_000 * ms, giveUpNow: false), .wait, "1 s timeout + 5 s margin: not yet")
        XCTAssertEqual(d.step(now: 6_000 * ms + 1, giveUpNow: false), .purge)
        XCTAssertEqual(d.step(now: 7_000 * ms, giveUpNow: false), .wait, "purged once, waiting for the reports")
        XCTAssertEqual(d.step(now: 7_000 * ms, giveUpNow: true), .wait, "a second signal after the purge changes nothing")
        XCTAssertEqual(d.step(now: 16_000 * ms + 1, giveUpNow: false), .wait, "10 s after the purge: not yet")
        XCTAssertEqual(d.step(now: 16_000 * ms + 2, giveUpNow: false), .giveUp, "past 10 s after the purge")
    }

    func testASecondSignalOrAFatalErrorPurgesAtOnce() {
        var d = DeliveryDeadline(deliveryTimeoutMs: 120_000, start: 0)
        XCTAssertEqual(d.step(now: 1 * ms, giveUpNow: false), .wait)
        XCTAssertEqual(d.step(now: 2 * ms, giveUpNow: true), .purge)
        XCTAssertEqual(d.step(now: 10_002 * ms + 1, giveUpNow: false), .giveUp)
    }

    func testNoTimeoutIsWaitedForADayAtMost() {
        var d = DeliveryDeadline(deliveryTimeoutMs: Int(Int32.max), start: 0)
        XCTAssertEqual(d.step(now: (86_400_000 + 5_000) * ms, giveUpNow: false), .wait)
        XCTAssertEqual(d.step(now: (86_400_000 + 5_000) * ms + 1, giveUpNow: false), .purge)
    }

    func testTheTimeoutLibrdkafkaApplies() {
        XCTAssertEqual(DeliveryDeadline.effectiveTimeoutMs(properties: [], option: 120_000), 120_000, "--timeout")
        XCTAssertEqual(DeliveryDeadline.effectiveTimeoutMs(properties: [("message.timeout.ms", "3000")], option: 120_000), 3_000)
        XCTAssertEqual(DeliveryDeadline.effectiveTimeoutMs(
            properties: [("message.timeout.ms", "3000"), ("delivery.timeout.ms", "7000")], option: 120_000), 7_000, "the last given")
        XCTAssertEqual(DeliveryDeadline.effectiveTimeoutMs(properties: [("delivery.timeout.ms", "0")], option: 120_000), Int(Int32.max), "0: none")
        XCTAssertEqual(DeliveryDeadline.effectiveTimeoutMs(properties: [("linger.ms", "7")], option: 5_000), 5_000)
    }
}

/// How each undelivered line is named.
final class DeliveryFailureTests: XCTestCase {
    func testReasons() {
        XCTAssertEqual(DeliveryFailure.notSent("Local: Unknown partition").reason, "not sent: Local: Unknown partition")
        XCTAssertEqual(DeliveryFailure.gaveUpWaiting(fatal: false).reason, "not sent: stopped by a second signal")
        XCTAssertEqual(DeliveryFailure.gaveUpWaiting(fatal: true).reason, "not sent: fatal producer error")
        XCTAssertEqual(DeliveryFailure.report("Local: Message timed out", purgedInFlight: false).reason,
                       "not delivered: Local: Message timed out")
        XCTAssertEqual(DeliveryFailure.report("Local: Purged in flight", purgedInFlight: true).reason,
                       "not acknowledged (Local: Purged in flight; it may or may not have been written)")
    }
}

/// kput's exit status from the run's counts.
final class ProduceOutcomeTests: XCTestCase {
    func outcome(_ change: (inout ProduceOutcome) -> Void) -> ExitStatus {
        var o = ProduceOutcome()
        change(&o)
        return o.status
    }

    func testEachFactAlone() {
        XCTAssertEqual(ProduceOutcome().status, .ok)
        XCTAssertEqual(outcome { $0.badLines = 1 }, .dataError)
        XCTAssertEqual(outcome { $0.failedDeliveries = 1 }, .tempFailure)
        XCTAssertEqual(outcome { $0.inputFailed = true }, .ioError)
        XCTAssertEqual(outcome { $0.outputFailed = true }, .ioError)
        XCTAssertEqual(outcome { $0.signal = .interrupted }, .interrupted)
    }

    func testTheWorstWins() {
        XCTAssertEqual(outcome { $0.badLines = 3; $0.failedDeliveries = 1 }, .tempFailure, "a failed delivery outranks a bad line")
        XCTAssertEqual(outcome { $0.failedDeliveries = 1; $0.outputFailed = true }, .ioError, "a lost rejects file outranks a failed delivery")
        XCTAssertEqual(outcome { $0.badLines = 1; $0.inputFailed = true; $0.signal = .terminated }, .terminated, "a signal wins")
    }
}
