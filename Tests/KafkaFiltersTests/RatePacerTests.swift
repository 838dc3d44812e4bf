import XCTest
@testable import KafkaCore

/// --rate's schedule: message k is due at start + k/N; no burst after falling behind.
final class RatePacerTests: XCTestCase {
    func testMessagesAreDueOneIntervalApartFromTheFirst() {
        var pacer = RatePacer(perSecond: 1000)
        XCTAssertEqual(pacer.wait(now: 5_000_000_000), 0, "the first goes at once")
        pacer.sent(now: 5_000_000_000)
        XCTAssertEqual(pacer.wait(now: 5_000_000_000), 1_000_000)
        XCTAssertEqual(pacer.wait(now: 5_000_400_000), 600_000)
        pacer.sent(now: 5_001_000_000)
        XCTAssertEqual(pacer.wait(now: 5_001_000_000), 1_000_000)
    }

    func testAnExactRunOfFiveThousandAtAThousandASecond() {
        var pacer = RatePacer(perSecond: 1000)
        var now: UInt64 = 1_000_000_000
        let start = now
        for _ in 0..<5_000 {
            now += pacer.wait(now: now)
            pacer.sent(now: now)
            now += 20_000  // each send costs 20 µs
        }
        // The last message goes 4.999 s after the first: the rate is exact over the run.
        XCTAssertEqual(Double(now - 20_000 - start) / 1e9, 4.999, accuracy: 0.0001)
    }

    func testSmallDelaysAreCaughtUpButALongStallIsNotABurst() {
        var pacer = RatePacer(perSecond: 100)  // 10 ms apart
        pacer.sent(now: 0)
        // Sent 5 ms late: the next is still due on the original schedule (20 ms).
        pacer.sent(now: 15_000_000)
        XCTAssertEqual(pacer.wait(now: 15_000_000), 5_000_000)
        // A stall of a second (an idle input): the schedule restarts, no hundred messages at once.
        pacer.sent(now: 1_020_000_000)
        XCTAssertEqual(pacer.wait(now: 1_020_000_000), 10_000_000)
    }

    func testHighRatesCarryTheDebtInsteadOfSleepingPerMessage() {
        var pacer = RatePacer(perSecond: 1_000_000)
        var now: UInt64 = 0
        var waits = 0
        for _ in 0..<10_000 {
            let w = pacer.wait(now: now)
            if w >= 1_000_000 { waits += 1; now += w }  // the pipeline waits only for 1 ms or more
            pacer.sent(now: now)
            now += 100  // 100 ns a message: 10x faster than the rate
        }
        XCTAssertGreaterThanOrEqual(now, 9_000_000, "10,000 messages at 1M/s take about 10 ms")
        XCTAssertLessThan(waits, 20, "a few 1 ms waits, not one per message")
    }
}
