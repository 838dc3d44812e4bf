import Foundation
import XCTest
@testable import KafkaCore

/// kput's books without a broker: each line ends as rejected, delivered or failed, named and kept.
final class DeliveryLedgerTests: XCTestCase {
    /// The rejects sink, in memory: what the ledger kept, and a sink that fails on its first write.
    final class KeptLines: RejectsSink {
        var bytes: [UInt8] = []
        var failing = false
        func keep(_ piece: UnsafeRawBufferPointer, endOfLine: Bool) throws(OutputFailure) {
            if failing { throw OutputFailure(code: 28, bytesWritten: 0) }  // ENOSPC
            bytes.append(contentsOf: piece)
            if endOfLine { bytes.append(0x0A) }
        }
        func flush() throws(OutputFailure) {
            if failing { throw OutputFailure(code: 28, bytesWritten: 0) }
        }
    }

    var said: [String] = []
    var sink = KeptLines()

    override func setUp() {
        said = []
        sink = KeptLines()
    }

    func makeLedger(rejects: Bool = true) throws -> DeliveryLedger {
        DeliveryLedger(sources: ["-", "b.jsonl"], rejects: rejects ? sink : nil, say: { [unowned self] in said.append($0) })
    }

    func kept() throws -> String { String(decoding: sink.bytes, as: UTF8.self) }

    func testIdsPackSourceAndLine() {
        let id = DeliveryLedger.id(source: 1, line: 12_345)
        XCTAssertEqual(DeliveryLedger.source(of: id), 1)
        XCTAssertEqual(DeliveryLedger.line(of: id), 12_345)
        XCTAssertNotEqual(DeliveryLedger.id(source: 0, line: 1), DeliveryLedger.id(source: 1, line: 1))
        XCTAssertNotEqual(DeliveryLedger.id(source: 0, line: 0), 0, "an id is never 0 (a null opaque)")
    }

    func testRejectedLinesAreNamedCountedAndKeptInOrder() throws {
        let ledger = try makeLedger()
        Array("bad one".utf8).withUnsafeBytes { ledger.rejected($0, id: DeliveryLedger.id(source: 0, line: 3), reason: "why") }
        Array("bad two".utf8).withUnsafeBytes { ledger.rejected($0, id: DeliveryLedger.id(source: 1, line: 7), reason: "because") }
        XCTAssertTrue(ledger.flushRejects())
        XCTAssertEqual(said, ["-:3: why", "b.jsonl:7: because"])
        XCTAssertEqual(ledger.badLines, 2)
        XCTAssertEqual(ledger.delivered + ledger.failed, 0)
        XCTAssertEqual(try kept(), "bad one\nbad two\n")
    }

    func testAnOverlongLineIsNamedOnceAndStreamedPieceByPiece() throws {
        let ledger = try makeLedger()
        let id = DeliveryLedger.id(source: 0, line: 2)
        Array("aaa".utf8).withUnsafeBytes { ledger.overlong($0, id: id, first: true, last: false, maxLineBytes: 16) }
        Array("bbb".utf8).withUnsafeBytes { ledger.overlong($0, id: id, first: false, last: false, maxLineBytes: 16) }
        Array("cc".utf8).withUnsafeBytes { ledger.overlong($0, id: id, first: false, last: true, maxLineBytes: 16) }
        XCTAssertTrue(ledger.flushRejects())
        XCTAssertEqual(said, ["-:2: line longer than 16 bytes"])
        XCTAssertEqual(ledger.badLines, 1)
        XCTAssertEqual(try kept(), "aaabbbcc\n")
    }

    func testAFailedMessageKeepsItsHeldLineNotItsPayload() throws {
        let ledger = try makeLedger()
        let held = DeliveryLedger.id(source: 0, line: 1)
        let plain = DeliveryLedger.id(source: 0, line: 2)
        Array(#"{"value":"v"}"#.utf8).withUnsafeBytes { ledger.holdLine($0, id: held) }
        Array("v".utf8).withUnsafeBytes { ledger.failed(held, payload: $0, reason: .notDelivered("x")) }
        Array("payload".utf8).withUnsafeBytes { ledger.failed(plain, payload: $0, reason: .notSent("y")) }
        ledger.failed(DeliveryLedger.id(source: 0, line: 3), payload: nil, reason: .notSentSecondSignal)
        XCTAssertTrue(ledger.flushRejects())
        XCTAssertEqual(try kept(), "{\"value\":\"v\"}\npayload\n\n", "the envelope line, not its value; a tombstone as an empty line")
        XCTAssertEqual(ledger.failed, 3)
        XCTAssertEqual(said, ["-:1: not delivered: x", "-:2: not sent: y", "-:3: not sent: stopped by a second signal"])
    }

    func testAnAcknowledgedMessageIsCountedAndItsHeldLineDropped() throws {
        let ledger = try makeLedger()
        let id = DeliveryLedger.id(source: 0, line: 1)
        Array("line".utf8).withUnsafeBytes { ledger.holdLine($0, id: id) }
        ledger.acknowledged(id)
        // Should a stray failure report come for the same id, the dropped line is not what is kept.
        Array("value".utf8).withUnsafeBytes { ledger.failed(id, payload: $0, reason: .notDelivered("late")) }
        XCTAssertTrue(ledger.flushRejects())
        XCTAssertEqual(ledger.delivered, 1)
        XCTAssertEqual(try kept(), "value\n")
    }

    func testMessagesNeverReportedCountAsFailed() throws {
        let ledger = try makeLedger(rejects: false)
        ledger.neverReported(0)
        XCTAssertEqual(said, [])
        ledger.neverReported(4)
        XCTAssertEqual(ledger.failed, 4)
        XCTAssertEqual(said.count, 1)
        XCTAssertTrue(ledger.flushRejects(), "no rejects file: nothing to fail")
    }

    func testAnUnwritableRejectsFileIsNamedOnceAndRemembered() throws {
        sink.failing = true
        let ledger = DeliveryLedger(sources: ["-"], rejects: sink, say: { [unowned self] in said.append($0) })
        Array("x".utf8).withUnsafeBytes { ledger.rejected($0, id: DeliveryLedger.id(source: 0, line: 1), reason: "bad") }
        XCTAssertFalse(ledger.flushRejects())
        XCTAssertTrue(ledger.rejectsFailed)
        Array("y".utf8).withUnsafeBytes { ledger.rejected($0, id: DeliveryLedger.id(source: 0, line: 2), reason: "bad") }
        XCTAssertFalse(ledger.flushRejects(), "still failed")
        XCTAssertEqual(said.filter { $0.hasPrefix("rejects file:") }.count, 1)
    }

    /// issue 24: an envelope naming a partition the topic lacks is a bad line (65), kept as written.
    func testALineFoundBadWhenQueuedIsABadLineNotAFailedDelivery() throws {
        let ledger = try makeLedger()
        let id = DeliveryLedger.id(source: 1, line: 4)
        Array(#"{"partition":7,"value":1}"#.utf8).withUnsafeBytes { ledger.holdLine($0, id: id) }
        ledger.rejectedWhenQueued(id, reason: EnvelopeLineDecoder.unknownPartition(7, topic: "t", partitions: 2))
        XCTAssertTrue(ledger.flushRejects())
        XCTAssertEqual(said, [#"b.jsonl:4: partition 7: topic "t" has 2 partitions (0-1)"#])
        XCTAssertEqual([ledger.badLines, ledger.failed], [1, 0])
        XCTAssertEqual(try kept(), #"{"partition":7,"value":1}"# + "\n")
        XCTAssertEqual(EnvelopeLineDecoder.unknownPartition(3, topic: "t", partitions: 1), #"partition 3: topic "t" has 1 partition (0-0)"#)
    }
}
