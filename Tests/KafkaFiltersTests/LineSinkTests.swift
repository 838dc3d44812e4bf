import XCTest

@testable import KafkaFilters

/// LineSink's accounting of partial writes: only lines written in full count as written.
final class LineSinkTests: XCTestCase {
    func testOnlyLinesWrittenInFullCount() {
        var lines = BufferedLines()
        // Three lines of slot 0 (offsets 0, 1, 2) and one of slot 1, ending at bytes 10, 20, 30, 40.
        lines.appended(slot: 0, next: 1, end: 10)
        lines.appended(slot: 1, next: 8, end: 20)
        lines.appended(slot: 0, next: 2, end: 30)
        lines.appended(slot: 0, next: 3, end: 40)
        let (next, count, _) = lines.written(bytes: 29)
        XCTAssertEqual(count, 2, "the third line is cut at byte 29")
        XCTAssertEqual(next.mapValues(\.next), [0: 1, 1: 8])
        XCTAssertTrue(lines.isEmpty, "the buffer is emptied either way")
    }

    func testAWholeWriteCountsEveryLineAndTheLastOffsetPerSlot() {
        var lines = BufferedLines()
        lines.appended(slot: 0, next: 1, end: 10)
        lines.appended(slot: 0, next: 2, end: 20)
        lines.appended(slot: 2, next: 5, end: 25)
        let (next, count, _) = lines.written(bytes: 25)
        XCTAssertEqual(count, 3)
        XCTAssertEqual(next.mapValues(\.next), [0: 2, 2: 5])
    }

    func testNothingWrittenCountsNothing() {
        var lines = BufferedLines()
        lines.appended(slot: 0, next: 1, end: 10)
        let (next, count, _) = lines.written(bytes: 0)
        XCTAssertEqual(count, 0)
        XCTAssertTrue(next.isEmpty)
    }

    func testStatsAreDueOnlyAfterTheInterval() {
        var s = StatsTicker(intervalSeconds: 2, now: 0)
        XCTAssertNil(s.due(messages: 100, now: 1_999_999_999))
        XCTAssertEqual(s.due(messages: 100, now: 2_000_000_000), 50)
        XCTAssertNil(s.due(messages: 300, now: 3_000_000_000))
        XCTAssertEqual(s.due(messages: 300, now: 4_000_000_000), 100)
    }
}
