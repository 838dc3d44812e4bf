import XCTest

@testable import KafkaCore

/// issue 23's rules, without a broker or a socket: kput's done prefix (AckPrefix), the reader's
/// written-and-done gate (DoneGate), and the channel's protocol (AckMessage, AckLineBuffer).
final class AcksRulesTests: XCTestCase {
    private func tp(_ p: Int32, _ offset: Int64 = -1001, epoch: Int32 = -1) -> TopicPartition {
        TopicPartition(topic: "pin", partition: p, offset: offset, leaderEpoch: epoch)
    }
    private func sorted(_ l: [TopicPartition]) -> [TopicPartition] { l.sorted { $0.partition < $1.partition } }

    // MARK: - AckPrefix (kput)

    func testOnlyTheAcknowledgedPrefixIsReportedPerSourcePartition() {
        var a = AckPrefix()
        a.sent(1, topic: "pin", partition: 0, offset: 10)
        a.sent(2, topic: "pin", partition: 1, offset: 4)
        a.sent(3, topic: "pin", partition: 0, offset: 12)
        a.acknowledged(3)
        a.acknowledged(2)
        a.advance()
        XCTAssertEqual(a.takeReports(), [], "line 1 is still in flight: nothing after it is done")
        a.acknowledged(1)
        a.advance()
        XCTAssertEqual(sorted(a.takeReports()), [tp(0, 12), tp(1, 4)], "per partition, the highest source offset in the prefix")
        XCTAssertEqual(a.takeReports(), [], "reported once")
        XCTAssertTrue(a.allDone)
    }

    func testABadOrFailedLineBlocksThePrefixForGood() {
        var a = AckPrefix()
        a.sent(1, topic: "pin", partition: 0, offset: 1)
        a.rejected(2)
        a.sent(3, topic: "pin", partition: 0, offset: 3)
        a.acknowledged(1)
        a.acknowledged(3)
        a.advance()
        XCTAssertEqual(a.takeReports(), [tp(0, 1)])
        XCTAssertEqual(a.blockedAt, 2)
        XCTAssertFalse(a.allDone)

        var b = AckPrefix()
        b.sent(1, topic: "pin", partition: 0, offset: 1)
        b.sent(2, topic: "pin", partition: 0, offset: 2)
        b.failed(1)
        b.acknowledged(2)
        b.advance()
        XCTAssertEqual(b.takeReports(), [])
        XCTAssertEqual(b.blockedAt, 1)
    }

    func testManyLinesCompactWithoutLosingOrder() {
        var a = AckPrefix()
        for i in 1...20_000 { a.sent(UInt64(i), topic: "pin", partition: Int32(i % 3), offset: Int64(i)) }
        for i in stride(from: 20_000, through: 1, by: -1) where i != 15_000 { a.acknowledged(UInt64(i)) }
        a.advance()
        XCTAssertEqual(sorted(a.takeReports()), [tp(0, 14_997), tp(1, 14_998), tp(2, 14_999)])
        a.acknowledged(15_000)
        a.advance()
        XCTAssertEqual(sorted(a.takeReports()), [tp(0, 19_998), tp(1, 19_999), tp(2, 20_000)])
        XCTAssertEqual(a.waiting, 0)
    }

    func testGapsBetweenIdsAndTwoTopicsWithOnePartitionNumber() {
        // Ids skip blank lines (and jump between sources): reports find their line all the same; the same
        // partition number of two topics is two partitions, however the lines alternate.
        var a = AckPrefix()
        let ids: [UInt64] = [1, 2, 5, 6, 7, 40, 41]
        for (n, id) in ids.enumerated() {
            a.sent(id, topic: n % 3 == 2 ? "other" : "pin", partition: 0, offset: Int64(n))
        }
        a.acknowledged(3)  // a blank line's id: never sent, nothing happens
        for id in ids.reversed() where id != 2 { a.acknowledged(id) }
        a.advance()
        XCTAssertEqual(a.takeReports(), [tp(0, 0)], "line 2 is in flight")
        a.acknowledged(2)
        a.advance()
        XCTAssertEqual(Set(a.takeReports().map { "\($0.topic) \($0.offset)" }), ["pin 6", "other 5"])
        XCTAssertTrue(a.allDone)
    }

    // MARK: - DoneGate (kpull, kstream)

    func testOnlyOffsetsBothWrittenAndDoneGoOn() {
        var g = DoneGate(maxOutstanding: 100)
        XCTAssertEqual(g.wrote([(tp(0, 10, epoch: 3), 0, 10)]), [], "written, nothing done yet")
        XCTAssertEqual(g.outstanding, 10)
        XCTAssertEqual(g.done(tp(0, 4)), tp(0, 5), "done up to 4: commit 5 (no epoch: that message's is unknown)")
        XCTAssertEqual(g.outstanding, 10, "a write-out batch counts until its last line is done")
        XCTAssertEqual(g.done(tp(0, 9)), tp(0, 10, epoch: 3), "all written is done: the written offset, its epoch")
        XCTAssertEqual(g.outstanding, 0)
        XCTAssertNil(g.done(tp(0, 9)), "nothing moved")
        XCTAssertNil(g.done(tp(1, 9)), "a partition never written (or not held) is ignored")
    }

    func testDoneBeyondWrittenCommitsOnlyWhatWasWritten() {
        var g = DoneGate()
        _ = g.wrote([(tp(0, 5), 0, 5)])
        XCTAssertEqual(g.done(tp(0, 100)), tp(0, 5))
        XCTAssertEqual(g.wrote([(tp(0, 8), 5, 3)]), [tp(0, 8)], "already reported done: goes on when written")
    }

    func testEndCommitsEverythingWrittenAndTheBoundHoldsBack() {
        var g = DoneGate(maxOutstanding: 6)
        _ = g.wrote([(tp(0, 3), 0, 3), (tp(1, 13), 10, 3)])
        XCTAssertTrue(g.full)
        XCTAssertEqual(g.done(tp(1, 12)), tp(1, 13))
        XCTAssertFalse(g.full)
        XCTAssertEqual(g.ended(), [tp(0, 3)], "kput's end: the trailing lines the filter dropped are done")
        XCTAssertEqual(g.outstanding, 0)
    }

    func testARevokedPartitionIsForgottenAndStaleReportsIgnored() {
        var g = DoneGate()
        _ = g.wrote([(tp(0, 10), 0, 10)])
        g.revoked([tp(0)])
        XCTAssertEqual(g.outstanding, 0)
        XCTAssertNil(g.done(tp(0, 9)), "no longer held")
        _ = g.wrote([(tp(0, 30), 20, 10)])
        XCTAssertNil(g.done(tp(0, 9)), "below what was written since it came back: stale")
        XCTAssertEqual(g.done(tp(0, 24)), tp(0, 25))
    }

    // MARK: - The protocol

    func testMessagesRoundTripAndJunkIsRefused() {
        for m: AckMessage in [.writer, .ok, .busy, .end, .done(tp(5, 123)), .fail("stdin:3 was not delivered")] {
            XCTAssertEqual(AckMessage.parse(Substring(m.line.dropLast())), m, m.line)
        }
        XCTAssertEqual(AckMessage.fail("a\nb").line, "fail a b\n", "one line whatever the reason")
        for junk in ["done pin 0", "done pin -1 4", "done pin 0 x", "hello", "done  0 1", ""] {
            XCTAssertNil(AckMessage.parse(Substring(junk)), junk)
        }
        var b = AckLineBuffer()
        XCTAssertEqual(b.received(Array("done pin 1 7\ndo".utf8)), [.done(tp(1, 7))])
        XCTAssertEqual(b.received(Array("ne pin 1 9\nend\n".utf8)), [.done(tp(1, 9)), .end], "a line split across reads")
        XCTAssertNil(b.received(Array("nonsense\n".utf8)))
        var c = AckLineBuffer()
        XCTAssertNil(c.received([UInt8](repeating: 65, count: 5000)), "an overlong line is a broken peer")
    }
}
