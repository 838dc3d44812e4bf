import Foundation
import XCTest

/// Faults from the reliability issue that the per-tool suites do not already cover. Each test states its
/// expected counts and checks them by reading the topic back with the witness.
final class FaultTests: FaultInjectingTestCase {
    /// The leader of some partitions goes down mid-stream with the idempotent producer: nothing is lost.
    /// The mock does not dedupe retries (README, "kmock, the local cluster"), so duplicates are counted and printed, not forbidden.
    func testLeaderDownWithIdempotenceLosesNothing() throws {
        try requireMock()
        let topic = Harness.unique("leader-down")
        XCTAssertEqual(mock.command("topic \(topic) 3"), "ok")
        for p in 0..<3 { XCTAssertEqual(mock.command("leader \(topic) \(p) \(p + 1)"), "ok") }
        let fifo = try StdinFIFO()
        defer { fifo.close() }
        let kput = try Child(
            Harness.tool("kput"), ["-b", brokers, "-t", topic, "--report", "-X", "reconnect.backoff.max.ms=500"],
            stdin: .file(fifo.url))
        let lines = (1...3000).map { #"{"n":\#($0)}"# }
        fifo.write(lines[0..<1000], while: kput)
        XCTAssertTrue(kput.waitFor(timeout: 60) { lineCount(kput.stdoutURL) >= 1000 })
        XCTAssertEqual(mock.command("down 2"), "ok")
        fifo.write(lines[1000..<2000], while: kput)
        usleep(3_000_000)
        XCTAssertEqual(mock.command("up 2"), "ok")
        fifo.write(lines[2000..<3000], while: kput)
        fifo.close()
        let r = kput.wait(timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let values = try readTopic(topic).compactMap(\.valueText)
        let counts = values.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        let lost = lines.filter { counts[$0] == nil }
        let duplicated = counts.values.reduce(0) { $0 + max(0, $1 - 1) }
        print("leader down 3 s with idempotence: \(lines.count) lines, \(lost.count) lost, \(duplicated) duplicated (the mock does not dedupe)")
        XCTAssertEqual(lost.count, 0)
        XCTAssertEqual(reportLines(r.stdout).count, 3000, "every line reported once")
    }

    /// A non-retriable Produce error: the lines of the failed requests are named, and exit is 75; the
    /// others are delivered. Named count equals the count missing from the topic.
    func testNonRetriableProduceErrorsAreNamedAndExit75() throws {
        try requireMock()
        let topic = Harness.unique("nonretriable")
        let rejects = Harness.tempFile("rejects")
        // Prime the topic, so the injected errors hit our Produce requests and not some earlier test's.
        XCTAssertEqual(try execute("kput", ["-b", brokers, "-t", topic], input: Data("{\"warm\":1}\n".utf8)).status, 0)
        XCTAssertEqual(mock.command("errors Produce 2 TOPIC_AUTHORIZATION_FAILED"), "ok")
        let lines = (1...200).map { #"{"n":\#($0)}"# }
        let r = try execute(
            "kput", ["-b", brokers, "-t", topic, "--rejects", rejects.path, "--report", "-X", "linger.ms=50"],
            input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 75, r.stderr)
        let named = namedLines(r.stderr)
        XCTAssertGreaterThan(named.count, 0, r.stderr)
        let inTopic = Set(try readTopic(topic).compactMap(\.valueText))
        let missing = lines.enumerated().filter { !inTopic.contains($0.element) }.map { $0.offset + 1 }
        XCTAssertEqual(named.sorted(), missing, "named lines are exactly the ones not in the topic")
        XCTAssertEqual(Set(reportLines(r.stdout).map(\.line)), Set(1...200).subtracting(missing), "reported = delivered")
        let kept = String(decoding: try Data(contentsOf: rejects), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(kept), Set(missing.map { lines[$0 - 1] }))
    }

    /// A topic that does not exist (Metadata says UNKNOWN_TOPIC_OR_PART, as Kafka does when no one has
    /// created it): kput and a drain (`kpull -e`) say so in one line and exit 69, no hang; kpull without
    /// -e and kstream say once that they wait for it, and read it within seconds of its creation, each
    /// from its first message (kstream's `--from end` is the end as of its start: the topic was not
    /// there). On 2.0.2's mock, which creates every topic a consumer asks about, `topic-error` stands for
    /// "not created yet"; on current mocks the topic really is missing until kput creates it.
    func testMissingTopicStopsKputAndADrainWhileConsumersWaitForIt() throws {
        try requireMock()
        let topic = Harness.unique("missing")
        XCTAssertEqual(mock.command("topic-error \(topic) UNKNOWN_TOPIC_OR_PART"), "ok")
        let put = try execute("kput", ["-b", brokers, "-t", topic, "--connect-timeout", "5"], input: Data("{}\n".utf8))
        XCTAssertEqual(put.status, 69, put.stderr)
        XCTAssertEqual(put.stderr.split(separator: "\n").count, 1, put.stderr)
        XCTAssertTrue(put.stderr.contains(topic), put.stderr)
        let drain = try execute("kpull", ["-b", brokers, "-t", topic, "-e", "--connect-timeout", "5"] + Harness.fastConsumer, timeout: 30)
        XCTAssertEqual(drain.status, 69, drain.stderr)
        XCTAssertEqual(drain.stderr.split(separator: "\n").count, 1, drain.stderr)
        XCTAssertTrue(drain.stderr.contains("topic \"\(topic)\" does not exist"), drain.stderr)

        let waiting = "does not exist yet; waiting for it to be created"
        let pull = try Child(Harness.tool("kpull"), ["-b", brokers, "-t", topic, "--connect-timeout", "5"] + Harness.fastConsumer)
        let stream = try Child(Harness.tool("kstream"), ["-b", brokers, "-t", topic, "--connect-timeout", "5"] + Harness.fastConsumer)
        for c in [pull, stream] {
            XCTAssertTrue(c.waitFor(timeout: 20) { c.stderrText.contains(waiting) }, c.stderrText)
        }
        sleep(3)   // three more looks at the topic: still one line each
        for c in [pull, stream] {
            XCTAssertTrue(c.process.isRunning, c.stderrText)
            XCTAssertEqual(c.stderrText.split(separator: "\n").count, 1, c.stderrText)
        }

        mock.command("topic-error \(topic) 0")
        let created = Date()
        let lines = (0..<5).map { "{\"n\":\($0)}" }
        let produced = try execute("kput", ["-b", brokers, "-t", topic], input: jsonLinesData(lines))
        XCTAssertEqual(produced.status, 0, produced.stderr)
        for c in [pull, stream] {
            XCTAssertTrue(c.waitFor(timeout: 30) { c.stdoutLines.count >= 5 }, c.stderrText)
            XCTAssertEqual(Set(c.stdoutLines.compactMap { RunResult(status: 0, stdout: Data($0.utf8), stderr: "").jsonLines.first }
                .compactMap { ($0["value"] as? [String: Any])?["n"] as? Int }), Set(0..<5), c.stderrText)
        }
        print("consumers started before their topic: all 5 messages read \(String(format: "%.1f", Date().timeIntervalSince(created))) s after the topic was created")
        pull.signal(SIGTERM)
        stream.signal(SIGTERM)
        XCTAssertEqual(pull.wait().status, 143, pull.stderrText)
        XCTAssertEqual(stream.wait().status, 0, stream.stderrText)
        XCTAssertEqual(try committed(group: "kpull.\(topic)", topic: topic).sum, 5)
    }

    /// Authorization failures are configuration problems: exit 78 with one line.
    func testTopicAuthorizationFailureIsAConfigurationError() throws {
        try requireMock()
        let topic = Harness.unique("denied")
        XCTAssertEqual(mock.command("topic-error \(topic) TOPIC_AUTHORIZATION_FAILED"), "ok")
        let put = try execute("kput", ["-b", brokers, "-t", topic, "--connect-timeout", "5"], input: Data("{}\n".utf8))
        XCTAssertEqual(put.status, 78, put.stderr)
        XCTAssertEqual(put.stderr.split(separator: "\n").count, 1, put.stderr)
        let pull = try execute("kpull", ["-b", brokers, "-t", topic, "-e", "--connect-timeout", "5"] + Harness.fastConsumer)
        XCTAssertEqual(pull.status, 78, pull.stderr)
    }

    func testBadConfigFiles() throws {
        let missing = try execute("kput", ["-b", brokers, "-t", "x", "-F", "/nonexistent/client.properties"], input: Data())
        XCTAssertEqual(missing.status, 78, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/client.properties"), missing.stderr)
        let file = Harness.tempFile("bad.properties")
        try "# comment\nlinger.ms=5\nthis line has no equals sign\n".write(to: file, atomically: true, encoding: .utf8)
        let malformed = try execute("kpull", ["-b", brokers, "-t", "x", "-F", file.path])
        XCTAssertEqual(malformed.status, 78, malformed.stderr)
        XCTAssertTrue(malformed.stderr.contains(":3:"), "names the line: \(malformed.stderr)")
        try "socket.timeout.ms=not-a-number\n".write(to: file, atomically: true, encoding: .utf8)
        let invalid = try execute("kstream", ["-b", brokers, "-t", "x", "-F", file.path])
        XCTAssertEqual(invalid.status, 78, invalid.stderr)
        XCTAssertEqual(invalid.stderr.split(separator: "\n").count, 1, invalid.stderr)
    }

    /// Secrets given with -X or -F never appear, even with -v and librdkafka's debug output.
    func testSecretsNeverAppearInVerboseOrDebugOutput() throws {
        try requireMock()
        let secret = "s3cr3t-\(UUID().uuidString.prefix(8))"
        let topic = Harness.unique("secret")
        let r = try execute(
            "kput",
            ["-b", brokers, "-t", topic, "-v", "-X", "debug=conf,generic", "-X", "sasl.password=\(secret)",
             "-X", "ssl.key.password=\(secret)"],
            input: Data("{\"a\":1}\n".utf8))
        XCTAssertEqual(r.status, 0, String(r.stderr.suffix(2000)))
        XCTAssertTrue(r.stderr.contains("librdkafka"), "debug output was shown")
        XCTAssertFalse(r.stderr.contains(secret))
        XCTAssertFalse(r.stdoutText.contains(secret))
        XCTAssertFalse(r.stderr.contains("%7|"), "librdkafka lines go through our diagnostics")
    }

    // MARK: - Consumer commits under faults

    /// OffsetCommit keeps failing: kpull writes at most 10,000 lines (plus one 64 KiB output buffer) beyond
    /// its last commit, then takes nothing new; after --commit-timeout it exits 75 with nothing committed.
    /// Once commits work again, a drain emits everything (nothing was skipped).
    func testFailingCommitsBoundWhatKpullWritesAhead() throws {
        try requireMock()
        let topic = Harness.unique("commit-fail")
        let group = Harness.unique("g")
        let total = 30_000
        let put = try execute("kput", ["-b", brokers, "-t", topic], input: jsonLinesData((1...total).map { #"{"n":\#($0)}"# }))
        XCTAssertEqual(put.status, 0, put.stderr)
        XCTAssertEqual(mock.command("errors OffsetCommit 100000 GROUP_AUTHORIZATION_FAILED"), "ok")
        let stuck = try execute(
            "kpull", ["-b", brokers, "-t", topic, "-g", group, "--commit-timeout", "4"] + Harness.fastConsumer, timeout: 60)
        XCTAssertEqual(stuck.status, 75, stuck.stderr)
        XCTAssertTrue(stuck.stderr.contains("no commit has succeeded"), stuck.stderr)
        print("with every commit failing, kpull wrote \(stuck.lines.count) lines ahead of its commits")
        XCTAssertGreaterThanOrEqual(stuck.lines.count, 10_000)
        XCTAssertLessThanOrEqual(stuck.lines.count, 10_000 + 1_000)
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 0)

        XCTAssertEqual(mock.command("clear OffsetCommit"), "ok")
        let drain = try execute("kpull", ["-b", brokers, "-t", topic, "-g", group, "-e"] + Harness.fastConsumer, timeout: 60)
        XCTAssertEqual(drain.status, 0, drain.stderr)
        XCTAssertEqual(drain.lines.count, total)
        XCTAssertEqual(try committed(group: group, topic: topic).sum, total)
    }

    /// The group coordinator goes down while kpull drains: commits are retried when it is back; every
    /// message is written, and at the end all of them are committed.
    func testCoordinatorDownDuringCommits() throws {
        try requireMock()
        let topic = Harness.unique("coord-down")
        let group = Harness.unique("g")
        let total = 20_000
        XCTAssertEqual(mock.command("coordinator \(group) 3"), "ok")
        // Small batches, and (below) 10 ms on every response: the mock answers a fetch with one batch per
        // partition, so the drain takes hundreds of round trips, seconds, and the outage lands mid-drain
        // however fast kpull is.
        let put = try execute(
            "kput", ["-b", brokers, "-t", topic, "-X", "linger.ms=0", "-X", "batch.num.messages=20"],
            input: jsonLinesData((1...total).map { #"{"n":\#($0)}"# }))
        XCTAssertEqual(put.status, 0, put.stderr)
        for id in 1...3 { XCTAssertEqual(mock.command("rtt \(id) 10"), "ok") }
        let kpull = try Child(
            Harness.tool("kpull"),
            ["-b", brokers, "-t", topic, "-g", group, "-e", "-X", "reconnect.backoff.max.ms=500"] + Harness.fastConsumer)
        XCTAssertTrue(kpull.waitFor(timeout: 30) { lineCount(kpull.stdoutURL) > 0 })
        XCTAssertEqual(mock.command("down 3"), "ok")
        let atOutage = lineCount(kpull.stdoutURL)
        XCTAssertTrue(kpull.process.isRunning, "the outage must happen mid-drain")
        XCTAssertLessThan(atOutage, total, "the outage must happen mid-drain")
        usleep(2_000_000)
        XCTAssertEqual(mock.command("up 3"), "ok")
        let r = kpull.wait(timeout: 90)
        XCTAssertEqual(r.status, 0, r.stderr)
        let values = Set(r.lines.compactMap { line -> Int? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (o["value"] as? [String: Any])?["n"] as? Int
        })
        XCTAssertEqual(values.count, total, "every message written")
        XCTAssertEqual(try committed(group: group, topic: topic).sum, total)
    }

    /// Output to a full disk (/dev/full): kpull exits 74 and commits nothing; kput --report exits 74 but
    /// still delivers (the report is not the job) and says why.
    func testOutputDiskFull() throws {
        let topic = Harness.unique("full")
        let group = Harness.unique("g")
        let put = try execute("kput", ["-b", brokers, "-t", topic], input: jsonLinesData((1...500).map { #"{"n":\#($0)}"# }))
        XCTAssertEqual(put.status, 0, put.stderr)
        let script = "\"$0\" \"$@\" > /dev/full"
        let pull = try Child(URL(fileURLWithPath: "/bin/sh"),
                             ["-c", script, Harness.tool("kpull").path, "-b", brokers, "-t", topic, "-g", group, "-e"] + Harness.fastConsumer)
        let r = pull.wait(timeout: 60)
        XCTAssertEqual(r.status, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("No space left on device"), r.stderr)
        XCTAssertEqual(try committed(group: group, topic: topic).sum, 0, "nothing committed that was not written")

        let topic2 = Harness.unique("full-report")
        let input = Harness.tempFile("in.jsonl")
        try jsonLinesData((1...100).map { #"{"n":\#($0)}"# }).write(to: input)
        let report = try Child(URL(fileURLWithPath: "/bin/sh"),
                               ["-c", "\"$0\" \"$@\" < \"$IN\" > /dev/full", Harness.tool("kput").path, "-b", brokers, "-t", topic2, "--report"],
                               environment: ["IN": input.path])
        let rr = report.wait(timeout: 60)
        XCTAssertEqual(rr.status, 74, rr.stderr)
        XCTAssertTrue(rr.stderr.contains("No space left on device"), rr.stderr)
        XCTAssertEqual(try readTopic(topic2).count, 100)
    }

    /// SIGTERM while every broker is down: kpull and kstream end within a bound (no commit is sent and
    /// librdkafka's close, which would wait for a coordinator, is skipped: kpull at once, kstream once
    /// librdkafka's own queued auto-commits time out, within session.timeout.ms, 6 s here), exit 75 when
    /// lines written could not be committed (0 or 143 when everything was), and nothing unwritten is
    /// committed.
    func testSigtermWhileEveryBrokerIsDownEndsWithinABound() throws {
        try requireMock()
        let topic = Harness.unique("outage")
        try createTopic(topic, partitions: 3)
        let put = try execute("kput", ["-b", brokers, "-t", topic], input: jsonLinesData((1...40).map { #"{"n":\#($0)}"# }))
        XCTAssertEqual(put.status, 0, put.stderr)
        let log = Harness.tempFile("outage.log")
        let streamGroup = Harness.unique("g-stream"), pullGroup = Harness.unique("g-pull")
        let stream = try Child(Harness.tool("kstream"), ["-b", brokers, "-t", topic, "-g", streamGroup, "--from", "beginning", "-o", log.path] + Harness.fastConsumer)
        let pull = try Child(Harness.tool("kpull"), ["-b", brokers, "-t", topic, "-g", pullGroup] + Harness.fastConsumer)
        XCTAssertTrue(stream.waitFor(timeout: 30) { lineCount(log) >= 40 }, stream.stderrText)
        XCTAssertTrue(pull.waitFor(timeout: 30) { pull.stdoutLines.count >= 40 }, pull.stderrText)
        for id in 1...3 { XCTAssertEqual(mock.command("down \(id)"), "ok") }
        XCTAssertTrue(stream.waitFor(timeout: 20) { stream.stderrText.contains("lost the cluster") }, stream.stderrText)
        sleep(3)   // librdkafka says all brokers are down once each has failed to reconnect
        for (name, child, stopped, bound) in [("kstream", stream, Int32(0), 9.0), ("kpull", pull, Int32(143), 3.0)] {
            let start = Date()
            child.signal(SIGTERM)
            let r = child.wait(timeout: 30)
            let took = Date().timeIntervalSince(start)
            print("\(name): SIGTERM with every broker down: exit \(r.status) after \(String(format: "%.1f", took)) s")
            XCTAssertLessThan(took, bound, "\(name) within the bound: \(r.stderr)")
            XCTAssertTrue(r.status == 75 || r.status == stopped, "\(name): \(r.status) \(r.stderr)")
            if r.status == 75 { XCTAssertTrue(r.stderr.contains("will be read again"), r.stderr) }
        }
        for id in 1...3 { XCTAssertEqual(mock.command("up \(id)"), "ok") }
        XCTAssertLessThanOrEqual(try committed(group: streamGroup, topic: topic).sum, lineCount(log), "nothing unwritten committed")
        XCTAssertLessThanOrEqual(try committed(group: pullGroup, topic: topic).sum, pull.stdoutLines.count)
    }
}
