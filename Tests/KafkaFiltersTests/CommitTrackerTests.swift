import XCTest

@testable import KafkaCore

/// The commit rules kpull and kstream learnt in CI, driven without a broker (CommitTracker).
final class CommitTrackerTests: XCTestCase {
    private let ms: UInt64 = 1_000_000
    private func tp(_ p: Int32, _ offset: Int64 = -1001) -> TopicPartition { TopicPartition(topic: "t", partition: p, offset: offset) }
    private func kpull(max: Int = 10_000, timeoutMs: UInt64 = 60_000) -> CommitTracker {
        CommitTracker(maxUncommittedLines: max, commitTimeoutNs: timeoutMs * 1_000_000)
    }
    private func sorted(_ l: [TopicPartition]?) -> [TopicPartition]? { l?.sorted { $0.partition < $1.partition } }

    func testOnlyWrittenOffsetsAreDueAndOneCommitIsInFlightAtATime() {
        var c = kpull()
        XCTAssertNil(c.asyncCommitDue(now: 0), "nothing written, nothing to commit")
        c.wrote([tp(0, 5), tp(1, 3)])
        XCTAssertEqual(sorted(c.asyncCommitDue(now: 0)), [tp(0, 5), tp(1, 3)])
        c.sent([tp(0, 5), tp(1, 3)], linesWritten: 8)
        c.wrote([tp(0, 9)])
        XCTAssertNil(c.asyncCommitDue(now: 0), "one in flight: the next waits for it")
        c.inFlightSucceeded()
        XCTAssertEqual(c.linesCommitted, 8)
        XCTAssertEqual(c.asyncCommitDue(now: 0), [tp(0, 9)], "the next carries what was written since; p1 is done")
        c.sent([tp(0, 9)], linesWritten: 12)
        c.inFlightSucceeded()
        XCTAssertNil(c.asyncCommitDue(now: 0))
        XCTAssertTrue(c.pending.isEmpty)
    }

    func testACommitOfOlderOffsetsLeavesNewerOnesPending() {
        var c = kpull()
        c.wrote([tp(0, 5)])
        c.wrote([tp(0, 7)])
        c.succeeded([tp(0, 5)], coveringLines: 5)
        XCTAssertEqual(c.pending.offsets, [tp(0, 7)])
    }

    /// CI: a commit that reaches the coordinator between JoinGroup and SyncGroup restarts the join, so
    /// between a revocation and the next assignment or message no commit is sent.
    func testNoCommitWhileRejoiningAfterARevocation() {
        var c = kpull()
        c.wrote([tp(0, 5)])
        c.revoked()
        XCTAssertTrue(c.rejoining)
        XCTAssertFalse(c.mayCommit)
        XCTAssertNil(c.asyncCommitDue(now: 10_000 * ms), "however long it has been")
        c.assigned()
        XCTAssertEqual(c.assignments, 1)
        XCTAssertEqual(c.asyncCommitDue(now: 10_000 * ms), [tp(0, 5)])

        c.revoked()
        c.fetching()   // a message arrived: a cooperative rebalance may assign nothing new
        XCTAssertEqual(c.asyncCommitDue(now: 10_000 * ms), [tp(0, 5)])
    }

    /// CI: the group refuses commits while it rebalances; the offsets stay pending, nothing is sent until
    /// this member is assigned again, and then exactly those offsets are recommitted.
    func testARefusedCommitStaysPendingAndIsRecommittedAfterTheAssignment() {
        var c = kpull()
        c.wrote([tp(0, 5), tp(2, 1)])
        c.sent(c.asyncCommitDue(now: 0)!, linesWritten: 6)
        XCTAssertFalse(c.inFlightFailed(.rebalancing, now: 0), "a rebalance is not worth a warning")
        XCTAssertNil(c.inFlight)
        XCTAssertEqual(sorted(c.pending.offsets), [tp(0, 5), tp(2, 1)])
        XCTAssertNil(c.asyncCommitDue(now: 5_000 * ms), "rejoining: no retry")
        c.assigned()
        XCTAssertEqual(sorted(c.recommitDue), [tp(0, 5), tp(2, 1)])
        // The new generation gave partition 2 to another member: a late commit could move its offset back.
        XCTAssertTrue(c.keepOnly([tp(0)]))
        XCTAssertEqual(c.recommitDue, [tp(0, 5)])
        c.succeeded([tp(0, 5)], coveringLines: 6)
        XCTAssertNil(c.recommitDue)
        XCTAssertNil(c.failingSince)
    }

    func testFailedCommitsAreRetriedNoSoonerThanTheSpacingAndSaidOncePerStreak() {
        var c = kpull()
        c.wrote([tp(0, 1)])
        XCTAssertTrue(c.failed(.other, now: 1_000 * ms), "the first failure is said")
        XCTAssertNil(c.asyncCommitDue(now: 1_199 * ms))
        XCTAssertEqual(c.asyncCommitDue(now: 1_200 * ms), [tp(0, 1)])
        XCTAssertFalse(c.failed(.other, now: 1_200 * ms), "the second of a streak is not")
        c.succeeded([tp(0, 1)], coveringLines: 1)
        c.wrote([tp(0, 2)])
        XCTAssertTrue(c.failed(.other, now: 2_000 * ms), "a new streak is said again")
    }

    /// FaultTests.testFailingCommitsBoundWhatKpullWritesAhead, as a rule.
    func testTheBacklogBoundHoldsReadingOnlyWhileCommitsFail() {
        var c = kpull(max: 100)
        c.wrote([tp(0, 150)])
        XCTAssertFalse(c.backlogFull(linesWritten: 150), "healthy commits (or one merely in flight) never hold reading")
        c.sent([tp(0, 150)], linesWritten: 150)
        _ = c.inFlightFailed(.other, now: 0)
        XCTAssertTrue(c.backlogFull(linesWritten: 150))
        c.succeeded([tp(0, 150)], coveringLines: 150)
        XCTAssertFalse(c.backlogFull(linesWritten: 150))
        c.wrote([tp(0, 249)])
        _ = c.failed(.other, now: 0)
        XCTAssertFalse(c.backlogFull(linesWritten: 249), "99 beyond the last commit")
        XCTAssertTrue(c.backlogFull(linesWritten: 250), "100 beyond the last commit")
        XCTAssertFalse(CommitTracker(maxUncommittedLines: nil, commitTimeoutNs: nil).backlogFull(linesWritten: .max),
            "kstream: no bound")
    }

    func testTheCommitTimeoutCountsFromTheFirstFailureOfAStreak() {
        var c = kpull(timeoutMs: 60_000)
        c.wrote([tp(0, 1)])
        XCTAssertFalse(c.failingTooLong(now: 100_000 * ms), "no failure, no timeout")
        _ = c.failed(.other, now: 1_000 * ms)
        _ = c.failed(.other, now: 30_000 * ms)
        XCTAssertFalse(c.failingTooLong(now: 61_000 * ms))
        XCTAssertTrue(c.failingTooLong(now: 61_001 * ms))
        c.succeeded([tp(0, 1)], coveringLines: 1)
        XCTAssertFalse(c.failingTooLong(now: 200_000 * ms), "a success ends the streak")
        XCTAssertFalse(CommitTracker(maxUncommittedLines: nil, commitTimeoutNs: nil).failingTooLong(now: .max))
    }

    func testAnAbandonedInFlightCommitLeavesItsOffsetsPending() {
        var c = kpull()
        c.wrote([tp(0, 3)])
        c.sent([tp(0, 3)], linesWritten: 3)
        c.dropInFlight()
        XCTAssertNil(c.inFlight)
        XCTAssertEqual(c.pending.offsets, [tp(0, 3)])
        XCTAssertEqual(c.linesCommitted, 0)
    }

    func testCommitPolicies() {
        XCTAssertTrue(CommitPolicy.storedOffsets.autoCommit)
        XCTAssertTrue(CommitPolicy.storedOffsets.storesOffsets)
        XCTAssertNil(CommitPolicy.storedOffsets.explicitMode)
        XCTAssertFalse(CommitPolicy.storedOffsets.boundsBacklog)
        XCTAssertTrue(CommitPolicy.storedOffsets.commits)
        XCTAssertFalse(CommitPolicy.none.commits)
        XCTAssertFalse(CommitPolicy.none.autoCommit)
        XCTAssertFalse(CommitPolicy.none.storesOffsets)
        XCTAssertNil(CommitPolicy.none.explicitMode)
        for mode in CommitMode.allCases {
            let p = CommitPolicy.explicit(mode)
            XCTAssertFalse(p.autoCommit)
            XCTAssertFalse(p.storesOffsets)
            XCTAssertEqual(p.explicitMode, mode)
            XCTAssertTrue(p.boundsBacklog)
            XCTAssertTrue(p.commits)
        }
    }
}
