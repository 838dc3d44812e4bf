import XCTest

@testable import KafkaCore

/// Where partitions start, for -p/--no-group and for rebalances alike (StartPlanner), with the cluster's
/// answers given by the test.
final class StartPlannerTests: XCTestCase {
    private func tp(_ p: Int32, _ offset: Int64 = -1001) -> TopicPartition { TopicPartition(topic: "t", partition: p, offset: offset) }
    private lazy var keys = [tp(0), tp(1)]

    /// Answers the lookups from fixed tables and records which were made.
    final class Cluster: PartitionOffsetLookups {
        var committedAnswer: [TopicPartition]? = []
        var first: [TopicPartition: Int64] = [:]
        var end: [TopicPartition: Int64] = [:]
        var atTime: Result<[TopicPartition: Int64], OffsetLookupFailure> = .success([:])
        var asked: [String] = []

        func committed(_ keys: [TopicPartition]) -> CommittedOffsets? {
            asked.append("committed")
            return committedAnswer.map { CommittedOffsets($0) }
        }
        func firstOffsets(_ keys: [TopicPartition]) -> [TopicPartition: Int64] {
            asked.append("first \(keys.map(\.partition))")
            return first
        }
        func endOffsets(_ keys: [TopicPartition]) -> [TopicPartition: Int64] {
            asked.append("end \(keys.map(\.partition))")
            return end
        }
        func offsets(_ keys: [TopicPartition], atTime ms: Int64) -> Result<[TopicPartition: Int64], OffsetLookupFailure> {
            asked.append("time \(ms)")
            return atTime
        }
    }

    private func planner(start: StartPositions? = nil, from: StartPosition = .end, seek: Bool = false, groupless: Bool = false,
                         reset: Int64? = StartOffset.logicalEnd) -> StartPlanner {
        StartPlanner(.init(start: start, from: from, seek: seek, groupless: groupless, reset: reset))
    }

    func testCommittedOffsetsNegativeMeansNothingCommittedMissingMeansUnknown() {
        let c = CommittedOffsets([tp(0, 5), tp(1, -1001)])
        XCTAssertEqual(c.resume(tp(0)), 5)
        XCTAssertNil(c.resume(tp(1)))
        XCTAssertTrue(c.hasNothingCommitted(tp(1)))
        XCTAssertFalse(c.hasNothingCommitted(tp(2)), "not answered is not 'nothing committed'")
        XCTAssertFalse(c.hasNothingCommitted(tp(0)))
    }

    func testAGroupsPartitionsWithoutACommittedOffsetStartAtTheResetOffset() {
        var p = planner(reset: StartOffset.logicalBeginning)
        let cluster = Cluster()
        cluster.committedAnswer = [tp(0, 5), tp(1, -1001)]
        let plan = p.place(keys, by: .group, lookups: cluster)
        XCTAssertEqual(plan.placement.offsets, [tp(1): StartOffset.logicalBeginning], "p0 resumes where the group committed")
        XCTAssertEqual(cluster.asked, ["committed"], "the committed offsets looked up once, nothing else")
        XCTAssertNil(plan.failure)
    }

    func testWithoutTheGroupsAnswerNothingIsPlaced() {
        var p = planner(start: StartPositions(all: .offset(3)))
        let cluster = Cluster()
        cluster.committedAnswer = nil
        let plan = p.place(keys, by: .group, lookups: cluster)
        XCTAssertEqual(plan.placement, .init(), "left to librdkafka: committed offsets, else --from")
        XCTAssertNil(plan.committed)
    }

    func testToolAndGroupAssignmentsArePlacedByTheSameRules() {
        // -g -p with -o 3: the same answer as a rebalance giving the same partitions.
        for assigner in [StartPlanner.Assigner.tool, .group] {
            var p = planner(start: StartPositions(all: .offset(3)))
            let cluster = Cluster()
            cluster.committedAnswer = [tp(0, 7), tp(1, -1001)]
            cluster.first = [tp(1): 0]
            cluster.end = [tp(1): 10]
            let plan = p.place(keys, by: assigner, lookups: cluster)
            XCTAssertEqual(plan.placement.positioned, [tp(1): 3], "\(assigner): p0 resumes at its committed offset")
            XCTAssertEqual(plan.placement.resets, [:])
            XCTAssertEqual(cluster.asked, ["committed", "first [1]", "end [1]"])
        }
    }

    func testWithoutAGroupEveryPartitionStartsWhereFromPutsIt() {
        var p = planner(from: .beginning, groupless: true, reset: StartOffset.logicalBeginning)
        let cluster = Cluster()
        cluster.first = [tp(0): 4]
        let plan = p.place(keys, by: .tool, lookups: cluster)
        XCTAssertEqual(plan.placement.positioned, [tp(0): 4, tp(1): StartOffset.logicalBeginning])
        XCTAssertFalse(cluster.asked.contains("committed"), "no group, no committed offsets")
    }

    func testNewTopicsStartAtTheirBeginning() {
        var p = planner(from: .end, groupless: true)
        p.newTopicsFromBeginning = true
        let plan = p.place(keys, by: .tool, lookups: Cluster())
        XCTAssertEqual(plan.placement.positioned, [tp(0): StartOffset.logicalBeginning, tp(1): StartOffset.logicalBeginning])
        var g = planner(from: .end)
        g.newTopicsFromBeginning = true
        let cluster = Cluster()
        cluster.committedAnswer = [tp(0, -1001), tp(1, -1001)]
        XCTAssertEqual(g.place(keys, by: .group, lookups: cluster).placement.resets,
                       [tp(0): StartOffset.logicalBeginning, tp(1): StartOffset.logicalBeginning])
    }

    func testSeekPlacesEachPartitionOncePerRun() {
        var p = planner(start: StartPositions(all: .offset(2)), seek: true)
        let cluster = Cluster()
        cluster.committedAnswer = [tp(0, 9), tp(1, 9)]
        cluster.end = [tp(0): 10, tp(1): 10]
        XCTAssertEqual(p.place(keys, by: .group, lookups: cluster).placement.positioned, [tp(0): 2, tp(1): 2], "--seek overrides the group")
        XCTAssertEqual(p.place(keys, by: .group, lookups: cluster).placement.positioned, [:], "a later rebalance leaves them be")
    }

    func testAFailedTimeLookupFailsThePlacement() {
        var p = planner(start: StartPositions(all: .timestamp(1_000)), groupless: true)
        let cluster = Cluster()
        cluster.atTime = .failure(OffsetLookupFailure("cannot look up offsets by time (1000): timed out"))
        let plan = p.place(keys, by: .tool, lookups: cluster)
        XCTAssertEqual(plan.failure?.message, "cannot look up offsets by time (1000): timed out")
        XCTAssertEqual(plan.placement.positioned, [:])
    }

    func testDrainStartsAtCommittedOffsetsElseWhereFromPutsThem() {
        let p = planner(from: .beginning)
        let cluster = Cluster()
        cluster.first = [tp(0): 0]
        cluster.end = [tp(0): 0, tp(1): 7]
        // p0 empty (start 0, end 0); p1 committed at its end by an earlier run.
        let (starts, ends) = p.drainBounds(keys, positioned: [:], committed: CommittedOffsets([tp(0, -1001), tp(1, 7)]), lookups: cluster)
        XCTAssertEqual(starts, [tp(0): 0, tp(1): 7])
        XCTAssertEqual(ends, [tp(0): 0, tp(1): 7])
        XCTAssertEqual(cluster.asked, ["end [0, 1]", "first [0]"], "only partitions without a committed offset are looked up")
    }

    func testDrainNeedsNoStartLookupWhenEveryPartitionIsCommittedOrPlaced() {
        let p = planner(from: .beginning)
        let cluster = Cluster()
        let (starts, _) = p.drainBounds(keys, positioned: [tp(1): 2], committed: CommittedOffsets([tp(0, 3), tp(1, 4)]), lookups: cluster)
        XCTAssertEqual(starts, [tp(0): 3, tp(1): 2], "a placed partition starts where it was placed")
        XCTAssertEqual(cluster.asked, ["end [0, 1]"])
    }
}
