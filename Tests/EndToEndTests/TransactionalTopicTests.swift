import Foundation
import XCTest

/// Topics written by a transactional producer (Python confluent_kafka, committed and aborted transactions
/// on one partition). kpull and kstream read with librdkafka's default isolation.level=read_committed.
///
/// What the mocks can show, and what they cannot:
/// - librdkafka 2.16's mock writes a transaction marker (a control batch, which takes an offset) at each
///   commit and abort; 2.0.2's writes none, so there these tests are skipped (offsets have no gaps there,
///   nothing to show).
/// - Neither mock hides aborted records from a read_committed reader: it keeps no aborted-transaction
///   index (its Fetch answers carry none), so records flushed and then aborted come back to kpull and to
///   kcat alike (checked 2026-12-04 on both). "Nothing aborted is shown" therefore cannot be proven here,
///   and these tests assert neither way: they check that kpull ends (-e, --until, a groupless -o -N) and
///   that it reads the very offsets kcat (also read_committed) reads, markers counted as offsets.
final class TransactionalTopicTests: XCTestCase {
    /// Three transactions on partition 0 of a 1-partition topic: 3 committed, 2 aborted, 2 committed.
    static let producer = """
        import sys
        from confluent_kafka import Producer
        brokers, topic = sys.argv[1], sys.argv[2]
        p = Producer({"bootstrap.servers": brokers, "transactional.id": "txn-" + topic})
        p.init_transactions(30)
        n = 0
        for count, commit in ((3, True), (2, False), (2, True)):
            p.begin_transaction()
            for _ in range(count):
                n += 1
                p.produce(topic, value=('{"n":%d,"commit":%s}' % (n, "true" if commit else "false")).encode(), partition=0)
            p.flush(30)
            (p.commit_transaction if commit else p.abort_transaction)(30)
        """

    /// kcat's offsets for `arguments` (read_committed by default, as kpull).
    func kcatOffsets(_ topic: String, _ arguments: [String]) throws -> [Int] {
        let kcat = try XCTUnwrap(Harness.kcat, "kcat is the reference")
        let r = try Child(URL(fileURLWithPath: kcat), ["-b", brokers, "-C", "-t", topic, "-e", "-q", "-f", "%o\\n",
                                                        "-X", "fetch.wait.max.ms=10"] + arguments).wait(timeout: 60)
        XCTAssertEqual(r.status, 0, "kcat: \(r.stderr)")
        return r.lines.compactMap { Int($0) }
    }

    func kpullOffsets(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        let r = try execute("kpull", ["-b", brokers] + arguments + Harness.fastConsumer, timeout: 60, file: file, line: line)
        XCTAssertEqual(r.status, 0, "kpull \(arguments) ends with 0: \(r.stderr)", file: file, line: line)
        return r.jsonLines.compactMap { $0["offset"] as? Int }
    }

    /// The topic, filled; skips on a mock that writes no markers.
    func transactionalTopic() throws -> String {
        try requireMock()
        let topic = Harness.unique("txn")
        try createTopic(topic, partitions: 1)
        let r = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.producer, brokers, topic]).wait(timeout: 120)
        XCTAssertEqual(r.status, 0, "transactional producer: \(r.stderr)")
        // 7 records; with a marker after each of the 3 transactions the partition ends at offset 10.
        let high = try XCTUnwrap(try kmetaHigh(topic))
        try XCTSkipIf(high == 7, "this librdkafka's mock (2.0.2's) writes no transaction markers: offsets have no gaps to count")
        XCTAssertEqual(high, 10, "7 records and 3 markers")
        return topic
    }

    func kmetaHigh(_ topic: String) throws -> Int? {
        let r = try execute("kmeta", ["partitions", "-t", topic, "-b", brokers])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.jsonLines.first?["high"] as? Int
    }

    func testDrainsEndAndReadTheOffsetsKcatReads() throws {
        let topic = try transactionalTopic()
        let reference = try kcatOffsets(topic, ["-o", "beginning"])
        XCTAssertFalse(reference.isEmpty)
        XCTAssertFalse(reference.contains(3) || reference.contains(6) || reference.contains(9), "markers are not messages: \(reference)")
        XCTAssertEqual(try kpullOffsets(["-t", topic, "--no-group", "-o", "beginning", "-e"]), reference)
        XCTAssertEqual(try kpullOffsets(["-t", topic, "-g", Harness.unique("txn-g"), "-e"]), reference, "a group's drain")
        // The group's committed offset is past the last marker: a second drain finds nothing.
        let group = Harness.unique("txn-g2")
        XCTAssertEqual(try kpullOffsets(["-t", topic, "-g", group, "-e"]), reference)
        XCTAssertEqual(try kpullOffsets(["-t", topic, "-g", group, "-e"]), [])
    }

    func testUntilEndsAtAnOffsetAndAtTheEnd() throws {
        let topic = try transactionalTopic()
        let reference = try kcatOffsets(topic, ["-o", "beginning"])
        XCTAssertEqual(try kpullOffsets(["-t", topic, "--no-group", "-o", "beginning", "--until", "end"]), reference)
        // --until 7: offsets before 7, the marker at 6 counted (kcat -o beginning, cut the same way).
        XCTAssertEqual(try kpullOffsets(["-t", topic, "--no-group", "-o", "beginning", "--until", "7"]), reference.filter { $0 < 7 })
        // --until at a marker's offset (9, the last one) ends there too.
        XCTAssertEqual(try kpullOffsets(["-t", topic, "--no-group", "-o", "beginning", "--until", "9"]), reference.filter { $0 < 9 })
    }

    func testTheLastNCountOffsetsMarkersIncludedAsKcatDoes() throws {
        let topic = try transactionalTopic()
        for n in [1, 3, 5, 10] {
            let reference = try kcatOffsets(topic, ["-o", "-\(n)"])
            XCTAssertEqual(try kpullOffsets(["-t", topic, "--no-group", "-o", "-\(n)", "-e"]), reference, "-o -\(n)")
        }
        // The last marker alone: -o -1 starts at 9, which holds no message.
        XCTAssertEqual(try kpullOffsets(["-t", topic, "--no-group", "-o", "-1", "-e"]), [])
    }
}
