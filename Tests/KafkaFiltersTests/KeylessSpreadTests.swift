import XCTest
@testable import KafkaCore

/// Keyless lines go to one partition at a time, in runs, round-robin.
final class KeylessSpreadTests: XCTestCase {
    func testNoSpreadWithoutAPartitionCount() {
        XCTAssertNil(KeylessSpread(partitions: 0))
        XCTAssertNil(KeylessSpread(partitions: -1))
    }

    func testARunEndsAfterMaxLinesThenTheNextPartition() throws {
        var spread = try XCTUnwrap(KeylessSpread(partitions: 3, start: 2))
        let first = (0..<KeylessSpread.maxLines).map { _ in spread.next(size: 10) }
        XCTAssertEqual(Set(first), [2])
        XCTAssertEqual(spread.next(size: 10), 0, "wraps round after the last partition")
        for _ in 1..<KeylessSpread.maxLines { XCTAssertEqual(spread.next(size: 10), 0) }
        XCTAssertEqual(spread.next(size: 10), 1)
    }

    func testARunEndsAfterMaxBytes() throws {
        var spread = try XCTUnwrap(KeylessSpread(partitions: 4, start: 0))
        XCTAssertEqual(spread.next(size: KeylessSpread.maxBytes - 1), 0)
        XCTAssertEqual(spread.next(size: 1), 0, "the run holds maxBytes")
        XCTAssertEqual(spread.next(size: 1), 1, "then moves on")
    }

    func testAPauseEndsARunButOnlyAStartedOne() throws {
        var spread = try XCTUnwrap(KeylessSpread(partitions: 4, start: 1))
        spread.inputPaused()
        XCTAssertEqual(spread.next(size: 1), 1, "nothing sent yet: no run to end")
        spread.inputPaused()
        XCTAssertEqual(spread.next(size: 1), 2)
        spread.inputPaused()
        spread.inputPaused()
        XCTAssertEqual(spread.next(size: 1), 3, "two pauses in a row end one run")
    }

    func testEveryPartitionGetsAnEvenShare() throws {
        var spread = try XCTUnwrap(KeylessSpread(partitions: 7))
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<(7 * KeylessSpread.maxLines * 3) { counts[Int(spread.next(size: 100))] += 1 }
        XCTAssertEqual(counts, [Int](repeating: 3 * KeylessSpread.maxLines, count: 7))
    }

    func testTheStartIsSpreadOverPartitions() {
        let starts = Set((0..<200).compactMap { _ -> Int32? in
            var spread = KeylessSpread(partitions: 8)
            return spread?.next(size: 1)
        })
        XCTAssertGreaterThan(starts.count, 4, "a random start, not always partition 0")
        XCTAssertTrue(starts.allSatisfy { (0..<8).contains($0) })
    }
}
