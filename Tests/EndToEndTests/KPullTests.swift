import Foundation
import XCTest

/// kpull (issue 4): commit only what was written, a real drain, quiet on a closed pipe, scale-out.
final class KPullTests: XCTestCase {
    func testCountThenDrainThenNothing() throws {
        let topic = Harness.unique("pull-n")
        let group = Harness.unique("g")
        try produceNumbered(topic, 0..<40)
        let args = ["-b", brokers, "-t", topic, "-g", group] + Harness.fastConsumer

        let first = try execute("kpull", args + ["-n", "10"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.lines.count, 10)
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 10, "-n 10 commits exactly 10")

        let second = try execute("kpull", args + ["-e"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let all = OutLine.parse(first.lines) + OutLine.parse(second.lines)
        XCTAssertEqual(all.count, 40, "no duplicate: \(first.lines.count) + \(second.lines.count)")
        XCTAssertEqual(Set(all.map(\.n)), Set(0..<40), "no gap")
        XCTAssertEqual(Set(all.map(\.position)).count, 40)

        let third = try execute("kpull", args + ["-e"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(third.lines, [], "a drained group gives nothing")
        XCTAssertEqual(third.stderr, "")
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 40)
    }

    func testDrainExitsOnAnEmptyTopicAndWhileAProducerKeepsProducing() throws {
        let empty = Harness.unique("pull-empty")
        try createTopic(empty)
        let r = try execute("kpull", ["-b", brokers, "-t", empty, "-g", Harness.unique("g"), "-e"] + Harness.fastConsumer)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines, [])

        // A producer that keeps going for as long as the drain runs.
        let topic = Harness.unique("pull-busy")
        try produceNumbered(topic, 0..<100)
        let producer = try Child(Harness.tool("kput"), ["-b", brokers, "-t", topic, "-k", "k"], stdin: .pipe)
        let stop = StopFlag()
        // Only the feeder thread writes to the producer's stdin while this one waits for kpull.
        let stdin = UncheckedBox(producer)
        let feeder = Thread {
            var n = 100
            while !stop.value {
                stdin.value.write(#"{"k":"k\#(n)","n":\#(n)}"# + "\n")
                n += 1
                usleep(2_000)
            }
            stdin.value.closeStdin()
        }
        feeder.start()
        defer {
            stop.value = true
            producer.wait()
        }
        let drain = try execute("kpull", ["-b", brokers, "-t", topic, "-g", Harness.unique("g"), "-e"] + Harness.fastConsumer)
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let got = OutLine.parse(drain.lines)
        XCTAssertTrue(Set(0..<100).isSubset(of: Set(got.map(\.n))), "everything there at the start is drained")
        XCTAssertEqual(Set(got.map(\.position)).count, got.count, "no duplicate")
        for (partition, offsets) in Dictionary(grouping: got, by: \.partition) {
            XCTAssertEqual(offsets.map(\.offset).sorted(), Array(0..<offsets.count), "partition \(partition) has no gap")
        }
    }

    func testFormatValueStopsAtAValueThatIsNotOneLine() throws {
        try requireMock()
        let topic = Harness.unique("pull-value")
        XCTAssertEqual(mock.command("topic \(topic) 1"), "ok")
        try witnessProduce(topic, specs: [
            witnessSpec(value: Data(#"{"a":1}"#.utf8)),
            witnessSpec(value: Data("plain text".utf8)),
            witnessSpec(value: Data("two\nlines".utf8)),
            witnessSpec(value: Data(#"{"a":4}"#.utf8)),
        ])
        let group = Harness.unique("g")
        let args = ["-b", brokers, "-t", topic, "-g", group, "-e"] + Harness.fastConsumer
        let r = try execute("kpull", args + ["--format", "value"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertEqual(r.lines, [#"{"a":1}"#, "plain text"])
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kpull: ") && r.stderr.contains("offset 2"), r.stderr)
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[0], 2, "the lines before are committed, nothing after")

        let rerun = try execute("kpull", args)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let lines = rerun.jsonLines
        XCTAssertEqual(lines.map { $0["offset"] as? Int }, [2, 3])
        XCTAssertEqual(lines.first?["value"] as? String, "two\nlines")
        XCTAssertEqual(lines.first?["value_encoding"] as? String, "text")
    }

    /// `kpull | head -1`: the reader goes away after one line; only lines that reached the pipe are committed.
    func testOutputPipeClosedEarlyCommitsNothingUnwritten() throws {
        try requireMock()
        let topic = Harness.unique("pull-pipe")
        XCTAssertEqual(mock.command("topic \(topic) 1"), "ok")
        // Lines longer than the pipe's one page, so at most the line being read can have reached it.
        let big = String(repeating: "x", count: 6000)
        try produceNumbered(topic, 0..<50, padding: big)
        let group = Harness.unique("g")
        let child = try Child(Harness.tool("kpull"), ["-b", brokers, "-t", topic, "-g", group] + Harness.fastConsumer, stdout: .pipe(capacity: 4096))
        let line = child.readLine()
        XCTAssertEqual(line.map { OutLine.parse([$0]).first?.n }, 0)
        child.closeReader()
        let r = child.wait()
        XCTAssertTrue(r.quietPipeExit, "exit \(r.status) \(r.reason)")
        XCTAssertEqual(r.stderr, "", "a closed pipe is not an error")
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 1, "only the line that was read had been written whole")
    }

    func testSignalFinishesCommitsAndExits143() throws {
        let topic = Harness.unique("pull-term")
        let group = Harness.unique("g")
        let child = try Child(Harness.tool("kpull"), ["-b", brokers, "-t", topic, "-g", group] + Harness.fastConsumer)
        try produceNumbered(topic, 0..<100)
        XCTAssertTrue(child.waitFor(timeout: 60) { child.stdoutLines.count >= 100 }, child.stderrText)
        child.signal(SIGTERM)
        let r = child.wait()
        XCTAssertEqual(r.status, 143, r.stderr)
        XCTAssertEqual(r.lines.count, 100)
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 100)
    }

    func testKillNineMidStreamThenRestartEmitsEveryMessage() throws {
        let topic = Harness.unique("pull-kill")
        let group = Harness.unique("g")
        try produceNumbered(topic, 0..<3000)
        let args = ["-b", brokers, "-t", topic, "-g", group] + Harness.fastConsumer
        let first = try Child(Harness.tool("kpull"), args + ["--commit", "sync"])
        XCTAssertTrue(first.waitFor(timeout: 60) { first.stdoutLines.count >= 100 }, first.stderrText)
        first.signal(SIGKILL)
        first.wait()
        let before = OutLine.parse(first.stdoutLines)
        assertCommittedOnlyWritten(group: group, topic: topic, written: before)

        let second = try execute("kpull", args + ["-e"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let after = OutLine.parse(second.lines)
        XCTAssertEqual(Set((before + after).map(\.n)), Set(0..<3000), "every message at least once over the two runs")
    }

    func testTwoMembersSplitThePartitions() throws {
        let topic = Harness.unique("pull-two")
        let group = Harness.unique("g")
        let (a, b) = try twoMembersHoldingFourHundredLines(topic: topic, group: group)
        // One after the other: b leaves, a is given every partition, then a stops (both at once: below).
        b.signal(SIGINT)
        let rb = b.wait()
        // a's latest assignment holds all four partitions (counting assignments instead failed when a loaded
        // machine made the group rebalance more than once before b left).
        XCTAssertTrue(a.waitFor(timeout: 60) {
            let latest = a.stderrText.components(separatedBy: "\n").last { $0.hasPrefix("kpull: assigned") } ?? ""
            return (0..<4).allSatisfy { latest.contains("\(topic)[\($0)]") }
        }, a.stderrText)
        a.signal(SIGINT)
        let ra = a.wait()
        XCTAssertEqual(ra.status, 130)
        XCTAssertEqual(rb.status, 130)
        let la = OutLine.parse(ra.lines), lb = OutLine.parse(rb.lines)
        XCTAssertTrue(Set(la.map(\.partition)).isDisjoint(with: Set(lb.map(\.partition))), "disjoint partitions")
        XCTAssertEqual((la + lb).count, 400, "no duplicate")
        XCTAssertEqual(Set((la + lb).map(\.n)), Set(0..<400), "union complete")
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 400, "a:\n\(ra.stderr)\nb:\n\(rb.stderr)")
    }

    /// Both members stopped at the same instant: the one whose final commit the group refuses while the
    /// other leaves takes part in the rebalance until it is assigned again, then commits; every line
    /// written is committed. (It used to retry its commit during the join, which broke every join round.)
    func testTwoMembersStoppedAtOnceCommitEverythingWritten() throws {
        let topic = Harness.unique("pull-two-stop")
        let group = Harness.unique("g")
        let (a, b) = try twoMembersHoldingFourHundredLines(topic: topic, group: group)
        a.signal(SIGINT)
        b.signal(SIGINT)
        let ra = a.wait(), rb = b.wait()
        XCTAssertEqual(ra.status, 130, ra.stderr)
        XCTAssertEqual(rb.status, 130, rb.stderr)
        XCTAssertFalse((ra.stderr + rb.stderr).contains("cannot commit"), "a:\n\(ra.stderr)\nb:\n\(rb.stderr)")
        let written = OutLine.parse(ra.lines) + OutLine.parse(rb.lines)
        XCTAssertEqual(Set(written.map(\.n)), Set(0..<400))
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 400, "a:\n\(ra.stderr)\nb:\n\(rb.stderr)")
    }

    /// Messages from a foreign producer come out as valid JSON lines that `kput --envelope` turns back
    /// into the identical messages.
    func testForeignMessagesRoundTripThroughKputEnvelope() throws {
        let source = Harness.unique("pull-src")
        let copy = Harness.unique("pull-copy")
        let binary = Data((0...255).map { UInt8($0) })
        try witnessProduce(source, specs: [
            witnessSpec(key: Data("k1".utf8), value: Data(#"{"json":[1,2.5,"x"],"nested":{"a":null}}"#.utf8), partition: 0),
            witnessSpec(key: Data("k2".utf8), value: Data("text with \"quotes\" and \\ and é".utf8), partition: 0),
            witnessSpec(key: Data([0xff, 0x00, 0xfe]), value: binary, partition: 1),
            witnessSpec(key: Data("tomb".utf8), value: nil, partition: 1),
            witnessSpec(value: Data("null".utf8), headers: [("h1", Data("v1".utf8)), ("h1", Data([0x80, 0x81])), ("empty", Data()), ("nil", nil)], partition: 2),
            witnessSpec(value: Data(), timestamp: 1_600_000_000_123, partition: 3),
            witnessSpec(value: Data(" 42 ".utf8), partition: 3),
        ])
        let pull = try execute("kpull", ["-b", brokers, "-t", source, "-g", Harness.unique("g"), "-e"] + Harness.fastConsumer)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(pull.lines.count, 7)
        for line in pull.lines {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), line)
        }
        let put = try execute("kput", ["-b", brokers, "-t", copy, "--envelope", "--keep-partition"], input: pull.stdout)
        XCTAssertEqual(put.status, 0, put.stderr)
        // Same partitions, same order within each: the copy's offsets match the original's.
        func ordered(_ records: [WitnessRecord]) -> [WitnessRecord] { records.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) } }
        let original = ordered(try readTopic(source)), copied = ordered(try readTopic(copy))
        XCTAssertEqual(original.count, 7)
        XCTAssertEqual(copied.count, original.count)
        for (a, b) in zip(original, copied) { XCTAssertEqual(b, a) }
    }
}

private extension KPullTests {
    /// Two kpull members of `group` with a stable split of `topic`, and 400 numbered lines written between them.
    func twoMembersHoldingFourHundredLines(topic: String, group: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Child, Child) {
        let args = ["-b", brokers, "-t", topic, "-g", group, "-v"] + Harness.fastConsumer
        try createTopic(topic, file: file, line: line)
        let a = try Child(Harness.tool("kpull"), args)
        let b = try Child(Harness.tool("kpull"), args)
        XCTAssertTrue(waitForSplit(a, b), "no stable split: \(a.stderrText)\n\(b.stderrText)", file: file, line: line)
        try produceNumbered(topic, 0..<400, file: file, line: line)
        XCTAssertTrue(a.waitFor(timeout: 60) { a.stdoutLines.count + b.stdoutLines.count >= 400 }, file: file, line: line)
        return (a, b)
    }
}
