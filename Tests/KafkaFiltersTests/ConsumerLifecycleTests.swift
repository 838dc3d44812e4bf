import XCTest

@testable import KafkaCore

/// The consumer's lifecycle without a broker (ConsumerLifecycle): each rule once buried in the session's
/// flags, named by the phase it belongs to.
final class ConsumerLifecycleTests: XCTestCase {
    private func running(_ membership: ConsumerLifecycle.Membership = .subscribed) -> ConsumerLifecycle {
        var l = ConsumerLifecycle()
        l.started(membership)
        return l
    }

    // MARK: starting

    func testStartingTopicsThatAllAppearedAfterTheStartAreReadFromTheirBeginning() {
        let l = ConsumerLifecycle()
        XCTAssertEqual(l.phase, .starting)
        XCTAssertEqual(l.topicsFound(appeared: 2, named: 2, from: .end), .readNewTopicsFromBeginning,
                       "every message of a topic created after the start is newer than the start")
        XCTAssertNil(l.topicsFound(appeared: 1, named: 2, from: .end), "a topic there before keeps its end as the start")
        XCTAssertNil(l.topicsFound(appeared: 0, named: 1, from: .end))
        XCTAssertNil(l.topicsFound(appeared: 1, named: 1, from: .beginning), "already from the beginning")
        XCTAssertNil(l.topicsFound(appeared: 1, named: 2, from: .end), "a pattern counts as named: it is not waited for")
    }

    func testStartingASignalWhileWaitingEndsWithoutACommitAndLeaves() {
        // A signal during the start (waiting for a topic): no partitions were had, so nothing is committed,
        // and librdkafka's close runs (nothing to wait for); kpull exits 130, kstream 0.
        var l = ConsumerLifecycle()
        XCTAssertFalse(l.takesMessages, "nothing is taken before the start is done")
        XCTAssertEqual(l.finish(commits: true), .init(commit: .none, leaveGroup: true))
        XCTAssertEqual(l.phase, .finishing)
        var kstream = l
        XCTAssertEqual(l.closed(signal: .interrupted, signalIsExitStatus: true), .interrupted)
        XCTAssertEqual(kstream.closed(signal: .terminated, signalIsExitStatus: false), .ok)
        XCTAssertEqual(l.phase, .closed)
    }

    func testStartingAFailureStopsBeforeReading() {
        var l = ConsumerLifecycle()
        l.failed(.unavailable, "no broker answered")
        XCTAssertTrue(l.isStopping)
        XCTAssertEqual(l.phase, .stopping)
        l.started(.subscribed)
        XCTAssertFalse(l.takesMessages, "a stopped start does not become a run")
        XCTAssertEqual(l.closed(signal: nil, signalIsExitStatus: true), .unavailable)
    }

    // MARK: running

    func testRunningTheLinkIsSaidLostOnceAndBackOnce() {
        var l = running()
        XCTAssertTrue(l.takesMessages)
        XCTAssertNil(l.messageArrived())
        XCTAssertEqual(l.transportFailed(allBrokersDown: false), .sayLinkLost)
        XCTAssertNil(l.transportFailed(allBrokersDown: false), "once per outage, not per retry")
        XCTAssertEqual(l.link, .lost)
        XCTAssertNil(l.transportFailed(allBrokersDown: true))
        XCTAssertEqual(l.link, .unreachable)
        XCTAssertEqual(l.messageArrived(), .sayLinkBack)
        XCTAssertEqual(l.link, .connected)
        XCTAssertTrue(l.isConnected)
        XCTAssertEqual(l.transportFailed(allBrokersDown: true), .sayLinkLost)
        XCTAssertEqual(l.link, .unreachable)
    }

    func testRunningTheFirstStopReasonIsKeptAndTheWorstStatus() {
        var l = running()
        l.stop("output closed")
        XCTAssertFalse(l.takesMessages)
        l.failed(.dataError, "bad value")
        XCTAssertEqual(l.stopReason, "output closed")
        XCTAssertEqual(l.status, .dataError)
    }

    // MARK: finishing

    func testFinishingShutdownWithTheClusterUnreachableSendsNoCommitAndSkipsTheClose() {
        var l = running()
        _ = l.transportFailed(allBrokersDown: true)
        XCTAssertEqual(l.finish(commits: true), .init(commit: .abandonUnreachable, leaveGroup: false),
                       "a commit and a close would each wait for a coordinator")
        var groupless = running(.assignedByTool)
        _ = groupless.transportFailed(allBrokersDown: true)
        XCTAssertEqual(groupless.finish(commits: false), .init(commit: .none, leaveGroup: false))
        var lostOnly = running()
        _ = lostOnly.transportFailed(allBrokersDown: false)
        XCTAssertEqual(lostOnly.finish(commits: true), .init(commit: .final, leaveGroup: true),
                       "one broker lost is not the cluster unreachable: the final commit is tried")
        var back = running()
        _ = back.transportFailed(allBrokersDown: true)
        _ = back.messageArrived()
        XCTAssertEqual(back.finish(commits: true), .init(commit: .final, leaveGroup: true))
    }

    func testFinishingTheFinalCommitsGiveUp() {
        let l = running()
        func step(_ l: ConsumerLifecycle, failures: Int, rebalancing: Bool = false, fatal: Bool = false, late: Bool = false, now: Bool = false)
            -> ConsumerLifecycle.FinalCommitStep
        {
            l.afterFinalCommitFailure(failures: failures, rebalancing: rebalancing, fatal: fatal, pastDeadline: late, stopNow: now)
        }
        XCTAssertEqual(step(l, failures: 4), .retryAfterPause)
        XCTAssertEqual(step(l, failures: 5), .giveUp, "five tries while the cluster answers")
        XCTAssertEqual(step(l, failures: 1, fatal: true), .giveUp)
        XCTAssertEqual(step(l, failures: 1, late: true), .giveUp, "past the deadline")
        XCTAssertEqual(step(l, failures: 1, now: true), .giveUp, "a second SIGINT/SIGTERM")
        XCTAssertEqual(step(l, failures: 9, rebalancing: true), .awaitRejoin, "a rebalance is waited out, not counted")
        XCTAssertEqual(step(running(.assignedByTool), failures: 1, rebalancing: true), .retryAfterPause, "no group to rejoin")
        var lost = running()
        _ = lost.transportFailed(allBrokersDown: false)
        XCTAssertEqual(step(lost, failures: 1), .giveUp, "one try once the cluster was lost")
        XCTAssertEqual(ConsumerLifecycle.finalCommitPatienceMs(sessionTimeoutMs: 45_000), 50_000)
        XCTAssertEqual(ConsumerLifecycle.finalCommitPatienceMs(sessionTimeoutMs: 1_000), 10_000)
        XCTAssertEqual(ConsumerLifecycle.finalCommitPatienceMs(sessionTimeoutMs: 300_000), 60_000)
    }

    func testFinishingARebalanceIsServedButPlacesNothingAndCommitsNothing() {
        var l = running()
        XCTAssertTrue(l.placesAssignedPartitions)
        XCTAssertTrue(l.commitsBeforeRevoke(rejoining: false, lost: false))
        XCTAssertTrue(l.writesOut)
        _ = l.finish(commits: true)
        XCTAssertFalse(l.placesAssignedPartitions, "an assignment while finishing looks nothing up")
        XCTAssertFalse(l.commitsBeforeRevoke(rejoining: false, lost: false), "the final commit has been made or given up on")
        XCTAssertFalse(l.writesOut, "the final write-out came before finishing")
        XCTAssertFalse(l.takesMessages, "a message polled while rejoining is not taken")
    }

    func testRunningARevocationCommitsFirstOnlyWhereTheGroupCanTakeIt() {
        var l = running()
        XCTAssertFalse(l.commitsBeforeRevoke(rejoining: true, lost: false), "between JoinGroup and SyncGroup")
        XCTAssertFalse(l.commitsBeforeRevoke(rejoining: false, lost: true), "the group has moved on")
        _ = l.transportFailed(allBrokersDown: true)
        XCTAssertFalse(l.commitsBeforeRevoke(rejoining: false, lost: false), "no broker to take it")
    }
}
