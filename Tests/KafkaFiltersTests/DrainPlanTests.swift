import XCTest

@testable import KafkaFilters

/// -e's drain plan without a broker: where partitions start and end, and when the drain is complete.
final class DrainPlanTests: XCTestCase {
    private func tp(_ p: Int32, _ offset: Int64 = -1001) -> TopicPartition { TopicPartition(topic: "t", partition: p, offset: offset) }
    private let keys: [TopicPartition] = [TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "t", partition: 1)]

    func testNotCompleteBeforeTheFirstAssignment() {
        XCTAssertFalse(DrainPlan().isComplete)
    }

    func testEmptyPartitionsAndPartitionsDrainedEarlierEndAtOnce() {
        var plan = DrainPlan()
        // p0 empty (start 0, end 0); p1 committed at its end by an earlier run.
        let starts = DrainPlan.starts(for: keys, committed: [tp(0, -1001), tp(1, 7)]) { uncommitted in
            XCTAssertEqual(uncommitted, [self.tp(0)], "only partitions without a committed offset are looked up")
            return [self.tp(0): 0]
        }
        XCTAssertEqual(starts, [tp(0): 0, tp(1): 7])
        plan.assign(keys, starts: starts, ends: [tp(0): 0, tp(1): 7])
        XCTAssertTrue(plan.isComplete, "nothing to wait for")
    }

    func testNoLookupWhenEveryPartitionHasACommittedOffset() {
        let starts = DrainPlan.starts(for: keys, committed: [tp(0, 3), tp(1, 4)]) { _ in
            XCTFail("no reset lookup")
            return [:]
        }
        XCTAssertEqual(starts, [tp(0): 3, tp(1): 4])
    }

    func testEndsAtTheEndAsOfTheStartWhileMessagesKeepComing() {
        var plan = DrainPlan()
        plan.assign(keys, starts: [tp(0): 0, tp(1): 0], ends: [tp(0): 3, tp(1): 1])
        XCTAssertFalse(plan.isComplete)
        XCTAssertEqual(plan.admit(offset: 0, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 1, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 0, slot: 1) { self.tp(1) }, .last)
        plan.close(tp(1))
        XCTAssertEqual(plan.admit(offset: 2, slot: 0) { self.tp(0) }, .last, "offset 2 is the last of 0..<3")
        XCTAssertFalse(plan.isComplete, "not before the last line is written")
        plan.close(tp(0))
        XCTAssertTrue(plan.isComplete)
        // Produced after the start: the next run's.
        XCTAssertEqual(plan.admit(offset: 3, slot: 0) { self.tp(0) }, .beyondEnd)
        XCTAssertEqual(plan.admit(offset: 1, slot: 1) { self.tp(1) }, .beyondEnd)
    }

    func testAMessageBeyondTheEndClosesItsPartition() {
        var plan = DrainPlan()
        // Started at the end (--from end): the first message seen was produced after the start.
        plan.assign([tp(0)], starts: [:], ends: [tp(0): 5])
        XCTAssertFalse(plan.isComplete)
        XCTAssertEqual(plan.admit(offset: 5, slot: 0) { self.tp(0) }, .beyondEnd)
        XCTAssertTrue(plan.isComplete)
    }

    func testUnknownEndsWaitForTheEndOfPartitionEvent() {
        var plan = DrainPlan()
        plan.assign(keys, starts: [tp(0): 0], ends: [:])
        XCTAssertEqual(plan.admit(offset: 100, slot: 0) { self.tp(0) }, .within, "no end known: everything is within")
        XCTAssertFalse(plan.isComplete)
        plan.reachedEnd(tp(0))
        plan.reachedEnd(tp(1))
        XCTAssertTrue(plan.isComplete)
    }

    func testARevocationOfEverythingWaitsForTheNextAssignment() {
        var plan = DrainPlan()
        plan.assign(keys, starts: [tp(0): 0, tp(1): 0], ends: [tp(0): 2, tp(1): 2])
        _ = plan.admit(offset: 0, slot: 0) { self.tp(0) }   // the per-slot end is remembered
        plan.revoke(tp(0))
        plan.revoke(tp(1))
        plan.awaitAssignment()
        XCTAssertFalse(plan.isComplete, "another member may hand the partitions back")
        // Reassigned with a new end (more was produced meanwhile): the remembered end is not reused.
        plan.assign([tp(0)], starts: [tp(0): 1], ends: [tp(0): 4])
        XCTAssertEqual(plan.admit(offset: 2, slot: 0) { self.tp(0) }, .within)
        XCTAssertEqual(plan.admit(offset: 3, slot: 0) { self.tp(0) }, .last)
        plan.close(tp(0))
        XCTAssertTrue(plan.isComplete)
    }
}
