import Foundation
import XCTest

/// Issue 14: read from where you mean (-o/--from, --until, -p, --no-group, --seek, patterns), with kcat
/// and the Python client as witnesses on the same topics.
final class KPullPositionsTests: XCTestCase {
    private func kcat(_ args: [String]) throws -> [String] {
        guard let kcat = Harness.kcat else { throw XCTSkip("kcat is not installed") }
        let r = try Child(URL(fileURLWithPath: kcat), ["-b", brokers, "-q"] + args).wait(timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.lines
    }

    private func newTopic(_ prefix: String, partitions: Int) throws -> String {
        try requireMock()
        let topic = Harness.unique(prefix)
        XCTAssertEqual(mock.command("topic \(topic) \(partitions)"), "ok")
        return topic
    }

    func testLastFivePerPartitionAreWhatKcatGivesForMinusFive() throws {
        let topic = try newTopic("pos-tail", partitions: 3)
        try produceNumbered(topic, 0..<60)
        let witness = Set(try kcat(["-C", "-t", topic, "-o", "-5", "-e", "-f", "%p:%o\\n"]))
        XCTAssertEqual(witness.count, 15, "kcat: 5 of each of 3 partitions")

        // `-o -5` as a value, in a new group (the default one) and without a group.
        for extra in [[String](), ["--no-group"]] {
            let r = try execute("kpull", ["-b", brokers, "-t", topic, "-o", "-5", "-e"] + extra + Harness.fastConsumer)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(Set(OutLine.parse(r.lines).map(\.position)), witness, "\(extra)")
        }
        XCTAssertEqual(try committed(group: "kpull.\(topic)", topic: topic).sum, 60, "the group's run committed up to each end (3 x 20)")
    }

    func testPartitionTwoFromOffsetTenThreeMessages() throws {
        let topic = try newTopic("pos-p2", partitions: 3)
        let input = (0..<20).map { #"{"n":\#($0)}"# }
        let put = try execute("kput", ["-b", brokers, "-t", topic, "-p", "2"], input: jsonLinesData(input))
        XCTAssertEqual(put.status, 0, put.stderr)
        let witness = try kcat(["-C", "-t", topic, "-p", "2", "-o", "10", "-c", "3", "-f", "%p:%o\\n"])
        XCTAssertEqual(witness, ["2:10", "2:11", "2:12"])

        let started = Date()
        let r = try execute("kpull", ["-b", brokers, "-t", topic, "-p", "2", "-o", "10", "-n", "3"] + Harness.fastConsumer)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(OutLine.parse(r.lines).map(\.position), witness)
        XCTAssertEqual(OutLine.parse(r.lines).map(\.n), [10, 11, 12])
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "no group join to wait for (the mock's first join takes 3 s)")
        XCTAssertEqual(try committed(group: "kpull.\(topic)", topic: topic).sum, 0, "-p without -g: no offsets left behind")
    }

    func testTimeWindowByTheMessagesOwnTimestamps() throws {
        let topic = try newTopic("pos-window", partitions: 1)
        let t0 = 1_796_108_781_000
        let input = (0..<10).map { #"{"partition":0,"value":{"n":\#($0)},"timestamp":\#(t0 + $0 * 1000)}"# }
        let put = try execute("kput", ["-b", brokers, "-t", topic, "--envelope"], input: jsonLinesData(input))
        XCTAssertEqual(put.status, 0, put.stderr)
        XCTAssertEqual(try readTopic(topic).map(\.timestamp), (0..<10).map { t0 + $0 * 1000 }, "kput --envelope set the timestamps")

        // Everything stamped before t0 + 4 s: messages 0...3, judged by the messages' timestamps.
        let until = try execute("kpull", ["-b", brokers, "-t", topic, "--no-group", "--from", "beginning", "--until", "@\(t0 + 4000)"] + Harness.fastConsumer)
        XCTAssertEqual(until.status, 0, until.stderr)
        XCTAssertEqual(OutLine.parse(until.lines).map(\.n), [0, 1, 2, 3])
        // --until N: stop before offset N.
        let upTo = try execute("kpull", ["-b", brokers, "-t", topic, "--no-group", "-o", "2", "--until", "5"] + Harness.fastConsumer)
        XCTAssertEqual(upTo.status, 0, upTo.stderr)
        XCTAssertEqual(OutLine.parse(upTo.lines).map(\.offset), [2, 3, 4])

        // A start at a time is looked up; librdkafka's mock answers -1 to every lookup by time, which
        // means "nothing at or after it": the read starts at the end, and -v says so.
        let since = try execute("kpull", ["-b", brokers, "-t", topic, "--no-group", "-o", "@\(t0 + 2000)", "-e", "-v"] + Harness.fastConsumer)
        XCTAssertEqual(since.status, 0, since.stderr)
        if !onMock {
            XCTAssertEqual(OutLine.parse(since.lines).map(\.n), Array(2..<10), "a real broker finds message 2")
        } else {
            XCTAssertEqual(since.lines, [])
            XCTAssertTrue(since.stderr.contains("no message at or after \(t0 + 2000) ms: starting at the end"), since.stderr)
        }
    }

    func testAGrouplessReadLeavesTheGroupsCommittedOffsetsAsTheyWere() throws {
        let topic = try newTopic("pos-nogroup", partitions: 2)
        try produceNumbered(topic, 0..<40)
        let group = Harness.unique("g")
        let first = try execute("kpull", ["-b", brokers, "-t", topic, "-g", group, "-n", "10"] + Harness.fastConsumer)
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try committed(group: group, topic: topic)
        XCTAssertEqual(before.sum, 10)

        let look = try execute("kpull", ["-b", brokers, "-t", topic, "--no-group", "-e", "-v"] + Harness.fastConsumer)
        XCTAssertEqual(look.status, 0, look.stderr)
        XCTAssertEqual(Set(OutLine.parse(look.lines).map(\.n)), Set(0..<40), "a second look at everything")
        XCTAssertTrue(look.stderr.contains("40 lines written, nothing committed (no group)"), look.stderr)
        XCTAssertEqual(try committed(group: group, topic: topic).offsets, before.offsets, "the group's offsets as they were")
        XCTAssertEqual(try committed(group: "kpull.\(topic)", topic: topic).sum, 0, "and none left under the default group")
    }

    func testSeekReplaysAndCommitsThenAPlainRerunResumes() throws {
        let topic = try newTopic("pos-seek", partitions: 1)
        try produceNumbered(topic, 0..<40)
        let group = Harness.unique("g")
        let args = ["-b", brokers, "-t", topic, "-g", group] + Harness.fastConsumer
        let drain = try execute("kpull", args + ["-e", "-v"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        XCTAssertEqual(drain.lines.count, 40)
        XCTAssertTrue(drain.stderr.contains("40 lines written, 40 committed"), "kpull -v prints its summary: \(drain.stderr)")

        let plain = try execute("kpull", args + ["-o", "5", "-e"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.lines, [], "without --seek, --from applies only where the group has no committed offset")

        let replay = try execute("kpull", args + ["--seek", "-o", "5", "--until", "15"])
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(OutLine.parse(replay.lines).map(\.offset), Array(5..<15))
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[0], 15, "the replay commits the replayed offsets")

        let resume = try execute("kpull", args + ["-e"])
        XCTAssertEqual(resume.status, 0, resume.stderr)
        XCTAssertEqual(OutLine.parse(resume.lines).map(\.offset), Array(15..<40), "a plain rerun resumes")
    }

    /// -p with -g: the partitions are assigned (no join, no rebalance), and the group's offsets are
    /// used and committed: a second run resumes.
    func testPartitionWithAGroupResumesFromTheGroupsCommits() throws {
        let topic = try newTopic("pos-pg", partitions: 2)
        let put = try execute("kput", ["-b", brokers, "-t", topic, "-p", "1"], input: jsonLinesData((0..<20).map { #"{"n":\#($0)}"# }))
        XCTAssertEqual(put.status, 0, put.stderr)
        let group = Harness.unique("g")
        let args = ["-b", brokers, "-t", topic, "-p", "1", "-g", group] + Harness.fastConsumer
        let first = try execute("kpull", args + ["-n", "5"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(OutLine.parse(first.lines).map(\.position), (0..<5).map { "1:\($0)" })
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[1], 5)
        let rest = try execute("kpull", args + ["-e"])
        XCTAssertEqual(rest.status, 0, rest.stderr)
        XCTAssertEqual(OutLine.parse(rest.lines).map(\.offset), Array(5..<20))
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[1], 20)
        XCTAssertNil(try committed(group: group, topic: topic).offsets[0].flatMap { $0 > 0 ? $0 : nil }, "partition 0 untouched")
    }

    func testBadPositionsAreOneLineAndExit64() throws {
        let topic = try newTopic("pos-bad", partitions: 3)
        try produceNumbered(topic, 0..<3)
        let base = ["-b", brokers, "-t", topic] + Harness.fastConsumer
        let cases: [([String], String)] = [
            (["-o", "@2026-13-01"], "--from @2026-13-01"),
            (["-o", "@yesterday"], "--from @yesterday"),
            (["-o", "-0"], "--from -0"),
            (["-o", "-x"], "--from -x"),
            (["--until", "-5"], "--until -5"),
            (["-p", "7", "-e"], "no partition 7"),
            (["-o", "9:5", "-e"], "no partition 9"),
            (["-p", "1", "-o", "0:5", "-e"], "partition 0"),
            (["-p", "a"], "'a' is not a partition number"),
            (["--seek", "-e"], "--seek needs --from"),
            (["-p", "1", "--seek", "-o", "1"], "--seek"),
            (["--no-group", "-g", "x"], "--no-group"),
        ]
        for (extra, expected) in cases {
            let r = try execute("kpull", base + extra)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(extra): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("kpull: ") && r.stderr.contains(expected), "\(extra): \(r.stderr)")
            XCTAssertEqual(r.lines, [])
        }
    }

    func testOffsetPastTheEndIsTheEndSaidAtV() throws {
        let topic = try newTopic("pos-past", partitions: 1)
        try produceNumbered(topic, 0..<5)
        let r = try execute("kpull", ["-b", brokers, "-t", topic, "--no-group", "-o", "100", "-e", "-v"] + Harness.fastConsumer)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines, [])
        XCTAssertTrue(r.stderr.contains("offset 100 is past the end (5): starting at the end"), r.stderr)
    }

    /// A regex subscription: no per-topic existence check (a broker that answers like Kafka would refuse
    /// the pattern as a topic name), so it works with two topics that match and none named like it.
    func testPatternSubscriptionReadsEveryMatchingTopic() throws {
        let stem = Harness.unique("rx")
        let a = stem + "-a", b = stem + "-b"
        for t in [a, b] {
            try requireMock()
            XCTAssertEqual(mock.command("topic \(t) 1"), "ok")
        }
        try produceNumbered(a, 0..<3)
        try produceNumbered(b, 3..<5)
        let r = try execute("kpull", ["-b", brokers, "-t", "^\(stem)-.*", "-g", Harness.unique("g"), "-e"] + Harness.fastConsumer)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Set(OutLine.parse(r.lines).map(\.n)), Set(0..<5))
    }
}
