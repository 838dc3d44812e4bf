import XCTest

@testable import KafkaCore

/// Leader epochs on commits until the cluster refuses one (LeaderEpochFallback): the rule that used to
/// run inside librdkafka's offset-commit callback, in the binding.
final class LeaderEpochFallbackTests: XCTestCase {
    private func tp(_ p: Int32, _ offset: Int64, epoch: Int32 = -1) -> TopicPartition {
        TopicPartition(topic: "t", partition: p, offset: offset, leaderEpoch: epoch)
    }

    func testEpochsAreCarriedUntilTheFirstRefusalThenNever() {
        var f = LeaderEpochFallback()
        XCTAssertEqual(f.outgoing([tp(0, 5, epoch: 3)]).map(\.leaderEpoch), [3])
        XCTAssertFalse(f.commitAnswered(refusedForEpoch: false), "another failure changes nothing")
        XCTAssertEqual(f.outgoing([tp(0, 5, epoch: 3)]).map(\.leaderEpoch), [3])
        XCTAssertTrue(f.commitAnswered(refusedForEpoch: true), "the first refused commit goes again at once, without epochs")
        XCTAssertEqual(f.outgoing([tp(0, 5, epoch: 3), tp(1, 9, epoch: 4)]).map(\.leaderEpoch), [-1, -1])
        XCTAssertEqual(f.outgoing([tp(0, 5, epoch: 3)]).map(\.offset), [5], "the same offsets, never fewer")
        XCTAssertFalse(f.commitAnswered(refusedForEpoch: true), "a later refusal is not retried again")
    }

    func testOffsetsTheAutoCommitHadRefusedAreStoredAgainWithout() {
        var f = LeaderEpochFallback()
        XCTAssertEqual(f.autoCommitRefused([tp(0, -1001)]), [], "a logical offset stands for nothing written")
        XCTAssertFalse(f.refused)
        let again = f.autoCommitRefused([tp(0, 7, epoch: 2), tp(1, -1001)])
        XCTAssertEqual(again, [tp(0, 7)])
        XCTAssertEqual(again.map(\.leaderEpoch), [-1])
        XCTAssertTrue(f.refused, "and every later commit and store goes without")
        XCTAssertFalse(f.commitAnswered(refusedForEpoch: true))
    }
}
