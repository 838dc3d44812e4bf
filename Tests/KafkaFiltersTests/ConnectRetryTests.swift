import XCTest
@testable import KafkaCore

/// The first answer: asked again after an unreachable broker, in half-second slices, until the timeout.
final class ConnectRetryTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let refused = ErrorFacts(.transport, text: "Connection refused")

    func testSlicesOfHalfASecondThenWhatIsLeft() {
        let r = ConnectRetry(timeoutMs: 1_200, start: 0)
        XCTAssertEqual(r.nextWaitMs(now: 0), 500)
        XCTAssertEqual(r.nextWaitMs(now: 1_000 * ms), 200)
        XCTAssertEqual(r.nextWaitMs(now: 5_000 * ms), 1, "past the deadline: at least 1 ms")
    }

    func testAnUnreachableBrokerIsAskedAgainUntilTheDeadline() {
        let r = ConnectRetry(timeoutMs: 1_000, start: 0)
        for kind in [ErrorFacts.Kind.transport, .allBrokersDown, .timeout] {
            XCTAssertTrue(r.again(after: ErrorFacts(kind, text: ""), now: 999 * ms, stopRequested: false), "\(kind)")
        }
        XCTAssertFalse(r.again(after: refused, now: 1_000 * ms, stopRequested: false), "the timeout has passed")
        XCTAssertFalse(r.again(after: refused, now: 1 * ms, stopRequested: true), "a signal ends the wait")
    }

    func testAnyOtherAnswerIsFinal() {
        let r = ConnectRetry(timeoutMs: 1_000, start: 0)
        for kind in [ErrorFacts.Kind.unknownTopic, .authorization, .configuration, .unsupported, .other] {
            XCTAssertFalse(r.again(after: ErrorFacts(kind, text: ""), now: 1 * ms, stopRequested: false), "\(kind)")
        }
    }
}
