import XCTest

@testable import KafkaCore

/// -e's drain plan without a broker: where partitions start and end, and when the drain is complete.
final class DrainPlanTests: XCTestCase {
    private func tp(_ p: Int32, _ offset: Int64 = -1001) -> TopicPartition { TopicPartition(topic: "t", partition: p, offset: offset) }
    private let keys: [TopicPartition] = [TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "t", partition: 1)]

    func testNotCompleteBeforeTheFirstAssignment() {
        XCTAssertFalse(DrainPlan().isComplete)
    }

    func testEmptyPartitionsAndPartitionsDrainedEarlierEndAtOnce() {
        var plan = DrainPlan()
        // p0 empty (start 0, end 0); p1 committed at its end by an earlier run (StartPlannerTests: where
        // those starts come from).
        plan.assign(keys, starts: [tp(0): 0, tp(1): 7], ends: [tp(0): 0, tp(1): 7])
        XCTAssertTrue(plan.isComplete, "nothing to wait for")
    }

    func testEndsAtTheEndAsOfTheStartWhileMessagesKeepComing() {
        var plan = DrainPlan()
        plan.assign(keys, starts: [tp(0): 0, tp(1): 0], ends: [tp(0): 3, tp(1): 1])
        XCTAssertFalse(plan.isComplete)
        XCTAssertEqual(plan.admit(offset: 0, timestamp: { nil }, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 1, timestamp: { nil }, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 0, timestamp: { nil }, slot: 1) { self.tp(1) }, .last)
        plan.close(tp(1))
        XCTAssertEqual(plan.admit(offset: 2, timestamp: { nil }, slot: 0) { self.tp(0) }, .last, "offset 2 is the last of 0..<3")
        XCTAssertFalse(plan.isComplete, "not before the last line is written")
        plan.close(tp(0))
        XCTAssertTrue(plan.isComplete)
        // Produced after the start: the next run's.
        XCTAssertEqual(plan.admit(offset: 3, timestamp: { nil }, slot: 0) { self.tp(0) }, .beyondEnd)
        XCTAssertEqual(plan.admit(offset: 1, timestamp: { nil }, slot: 1) { self.tp(1) }, .beyondEnd)
    }

    func testAMessageBeyondTheEndClosesItsPartition() {
        var plan = DrainPlan()
        // Started at the end (--from end): the first message seen was produced after the start.
        plan.assign([tp(0)], starts: [:], ends: [tp(0): 5])
        XCTAssertFalse(plan.isComplete)
        XCTAssertEqual(plan.admit(offset: 5, timestamp: { nil }, slot: 0) { self.tp(0) }, .beyondEnd)
        XCTAssertTrue(plan.isComplete)
    }

    func testUnknownEndsWaitForTheEndOfPartitionEvent() {
        var plan = DrainPlan()
        plan.assign(keys, starts: [tp(0): 0], ends: [:])
        XCTAssertEqual(plan.admit(offset: 100, timestamp: { nil }, slot: 0) { self.tp(0) }, .within, "no end known: everything is within")
        XCTAssertFalse(plan.isComplete)
        plan.reachedEnd(tp(0))
        plan.reachedEnd(tp(1))
        XCTAssertTrue(plan.isComplete)
    }

    func testARevocationOfEverythingWaitsForTheNextAssignment() {
        var plan = DrainPlan()
        plan.assign(keys, starts: [tp(0): 0, tp(1): 0], ends: [tp(0): 2, tp(1): 2])
        _ = plan.admit(offset: 0, timestamp: { nil }, slot: 0) { self.tp(0) }   // the per-slot end is remembered
        plan.revoke(tp(0))
        plan.revoke(tp(1))
        plan.awaitAssignment()
        XCTAssertFalse(plan.isComplete, "another member may hand the partitions back")
        // Reassigned with a new end (more was produced meanwhile): the remembered end is not reused.
        plan.assign([tp(0)], starts: [tp(0): 1], ends: [tp(0): 4])
        XCTAssertEqual(plan.admit(offset: 2, timestamp: { nil }, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 3, timestamp: { nil }, slot: 0) { self.tp(0) }, .last)
        plan.close(tp(0))
        XCTAssertTrue(plan.isComplete)
    }
}

/// --until and -o/--from as offsets: the rules without a broker.
final class StartAndStopTests: XCTestCase {
    private func tp(_ p: Int32) -> TopicPartition { TopicPartition(topic: "t", partition: p) }

    func testUntilAnOffsetEndsBeforeItOrAtTheEndAsOfTheStartWhicheverComesFirst() {
        var plan = DrainPlan(stopOffset: 13)
        plan.assign([tp(0), tp(1), tp(2)], starts: [tp(0): 10, tp(1): 0, tp(2): 20], ends: [tp(0): 100, tp(1): 5, tp(2): 30])
        XCTAssertEqual(plan.admit(offset: 12, timestamp: { nil }, slot: 0) { self.tp(0) }, .last, "stop before offset 13")
        plan.close(tp(0))
        XCTAssertEqual(plan.admit(offset: 4, timestamp: { nil }, slot: 1) { self.tp(1) }, .last, "the end (5) comes first")
        plan.close(tp(1))
        XCTAssertTrue(plan.isComplete, "partition 2 starts past the stop: done at once")
    }

    func testUntilATimeEndsBeforeTheFirstMessageStampedAtOrPastIt() {
        var plan = DrainPlan(stopTime: 1_000)
        plan.assign([tp(0)], starts: [tp(0): 0], ends: [tp(0): 10])
        var asked = 0
        XCTAssertEqual(plan.admit(offset: 0, timestamp: { asked += 1; return 999 }, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 1, timestamp: { nil }, slot: 0) { self.tp(0) }, .within, "no timestamp: not judged by time")
        XCTAssertEqual(plan.admit(offset: 2, timestamp: { 1_000 }, slot: 0) { self.tp(0) }, .beyondEnd)
        XCTAssertTrue(plan.isComplete)
        XCTAssertEqual(asked, 1)
        var untimed = DrainPlan()
        untimed.assign([tp(0)], starts: [tp(0): 0], ends: [tp(0): 10])
        _ = untimed.admit(offset: 0, timestamp: { XCTFail("no stop time: no timestamp read"); return nil }, slot: 0) { self.tp(0) }
    }

    func testStartOffsets() {
        typealias S = StartOffset
        XCTAssertEqual(S.resolve(.beginning, low: 3, high: 9).offset, 3)
        XCTAssertEqual(S.resolve(.end, low: 3, high: 9).offset, 9)
        XCTAssertEqual(S.resolve(.offset(5), low: 3, high: 9), S.Resolved(offset: 5))
        let past = S.resolve(.offset(50), low: 3, high: 9)
        XCTAssertEqual(past.offset, 9, "an offset past the end is the end")
        XCTAssertNotNil(past.note, "and said at -v")
        XCTAssertEqual(S.resolve(.offset(1), low: 3, high: 9).offset, 3)
        XCTAssertEqual(S.resolve(.beforeEnd(5), low: 0, high: 40), S.Resolved(offset: 35), "the last 5")
        XCTAssertEqual(S.resolve(.beforeEnd(5), low: 0, high: 3).offset, 0, "fewer held than asked: all of them")
        XCTAssertEqual(S.resolve(.beforeEnd(5), low: nil, high: nil).offset, S.logicalTail(5))
        XCTAssertEqual(S.resolve(.timestamp(1_000), low: 0, high: 40, atTime: 17), S.Resolved(offset: 17))
        let none = S.resolve(.timestamp(1_000), low: 0, high: 40, atTime: -1)
        XCTAssertEqual(none.offset, 40, "-1 (the mock's answer to every lookup by time): nothing at or after it, start at the end")
        XCTAssertNotNil(none.note)
        XCTAssertEqual(S.resolve(.timestamp(1_000), low: nil, high: nil, atTime: nil).offset, S.logicalEnd)
    }

    /// A partition without a committed offset is assigned at auto.offset.reset's logical offset, in every
    /// spelling librdkafka takes; "error" (and anything unknown) leaves it to librdkafka.
    func testAutoOffsetResetNamesItsLogicalOffset() {
        typealias S = StartOffset
        for v in ["smallest", "earliest", "beginning", "Earliest"] { XCTAssertEqual(S.forReset(v), S.logicalBeginning, v) }
        for v in ["largest", "latest", "end"] { XCTAssertEqual(S.forReset(v), S.logicalEnd, v) }
        XCTAssertNil(S.forReset("error"))
        XCTAssertNil(S.forReset(nil))
    }
}
