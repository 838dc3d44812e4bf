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
        let producer = try Child(Harness.tool("kput"), ["-b", brokers, "-t", topic, "-k", "k"], stdinPipe: true)
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
        XCTAssertEqual(MockBroker.shared.command("topic \(topic) 1"), "ok")
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
        XCTAssertEqual(MockBroker.shared.command("topic \(topic) 1"), "ok")
        // Lines longer than the pipe's one page, so at most the line being read can have reached it.
        let big = String(repeating: "x", count: 6000)
        try produceNumbered(topic, 0..<50, padding: big)
        let group = Harness.unique("g")
        let child = try PipedChild("kpull", ["-b", brokers, "-t", topic, "-g", group] + Harness.fastConsumer, pipeCapacity: 4096)
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
        XCTAssertTrue(a.waitFor(timeout: 60) { a.stderrText.components(separatedBy: "kpull: assigned").count == 3 }, a.stderrText)
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

// MARK: - Helpers shared by the consumer tests

/// The partitions a consumer run with -v holds now, from its "assigned"/"revoked" lines.
func currentAssignment(_ stderr: String) -> Set<Int> {
    var held = Set<Int>()
    for line in stderr.split(separator: "\n") {
        let words = line.split(separator: " ")
        guard words.count >= 2 else { continue }
        let partitions = words.dropFirst(2).compactMap { w -> Int? in
            guard let open = w.lastIndex(of: "["), w.last == "]" else { return nil }
            return Int(w[w.index(after: open)..<w.index(before: w.endIndex)])
        }
        if words[1] == "assigned" { held.formUnion(partitions) }
        if words[1] == "revoked" { held.subtract(partitions) }
    }
    return held
}

/// One output line of kpull/kstream, reduced to what the tests compare.
struct OutLine: Hashable {
    var partition: Int
    var offset: Int
    var n: Int
    var position: String { "\(partition):\(offset)" }

    /// Parses envelope lines whose value is `{"k":...,"n":N,...}`; a line that is not one fails the test.
    static func parse(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) -> [OutLine] {
        lines.compactMap { text in
            guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let p = o["partition"] as? Int, let off = o["offset"] as? Int,
                let n = (o["value"] as? [String: Any])?["n"] as? Int
            else {
                XCTFail("not an envelope line: \(text.prefix(200))", file: file, line: line)
                return nil
            }
            return OutLine(partition: p, offset: off, n: n)
        }
    }
}

extension XCTestCase {
    /// Waits until two members (run with -v) hold disjoint, non-empty assignments covering all four
    /// partitions of a new topic: the group has settled and each partition has one reader.
    func waitForSplit(_ a: Child, _ b: Child, partitions: Int = 4) -> Bool {
        a.waitFor(timeout: 60) {
            let pa = currentAssignment(a.stderrText), pb = currentAssignment(b.stderrText)
            return !pa.isEmpty && !pb.isEmpty && pa.isDisjoint(with: pb) && pa.union(pb).count == partitions
        }
    }

    /// Produces `{"k":"k<i>","n":i}` for each i, keyed by k so they spread over the partitions.
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

    func produceNumbered(_ topic: String, _ range: Range<Int>, padding: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        let pad = padding.isEmpty ? "" : #","pad":"\#(padding)""#
        let input = range.map { #"{"k":"k\#($0)","n":\#($0)\#(pad)}"# }
        let r = try execute("kput", ["-b", brokers, "-t", topic, "-k", "k"], input: jsonLinesData(input), file: file, line: line)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    }

    /// Every committed offset covers only lines that were written: for each partition, every offset
    /// below the committed one appears in `written`.
    func assertCommittedOnlyWritten(group: String, topic: String, written: [OutLine], file: StaticString = #filePath, line: UInt = #line) {
        guard let offsets = try? committed(group: group, topic: topic).offsets else { return XCTFail("witness", file: file, line: line) }
        let seen = Dictionary(grouping: written, by: \.partition).mapValues { Set($0.map(\.offset)) }
        for (partition, committed) in offsets where committed > 0 {
            let have = seen[partition] ?? []
            let missing = (0..<committed).filter { !have.contains($0) }
            XCTAssertEqual(missing, [], "partition \(partition) committed at \(committed) but these were never written", file: file, line: line)
        }
    }

    /// A witness spec: base64 key/value/headers.
    func witnessSpec(key: Data? = nil, value: Data?, headers: [(String, Data?)] = [], timestamp: Int? = nil, partition: Int? = nil) -> String {
        var o: [String: Any] = [:]
        if let key { o["key"] = key.base64EncodedString() }
        if let value { o["value"] = value.base64EncodedString() }
        if !headers.isEmpty {
            o["headers"] = headers.map { name, value -> [Any] in [name, value.map { $0.base64EncodedString() as Any } ?? NSNull()] }
        }
        if let timestamp { o["timestamp"] = timestamp }
        if let partition { o["partition"] = partition }
        return String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// A flag the test sets and a feeder thread reads; the lock makes the unchecked Sendable safe.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

/// Hands a value to another thread; the user says why that is safe where it is made.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A child whose stdout is a pipe the test reads itself and can close early, as `| head -1` does.
/// (Harness's `Child` writes stdout to a file, which never closes on the writer.)
final class PipedChild {
    let process = Process()
    private let pipe = Pipe()
    let stderrURL = Harness.tempFile("err")
    private var readerOpen = true

    init(_ tool: String, _ arguments: [String], pipeCapacity: Int32? = nil) throws {
        process.executableURL = Harness.tool(tool)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KAFKA_BROKERS")
        process.environment = env
        if let pipeCapacity {
            let F_SETPIPE_SZ: Int32 = 1031  // Linux
            XCTAssertGreaterThan(fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETPIPE_SZ, pipeCapacity), 0)
        }
        process.standardOutput = pipe
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? pipe.fileHandleForWriting.close()
    }

    /// Reads one line a byte at a time, so nothing after it leaves the pipe; nil when none comes within
    /// `timeout` (a failure guard, not a timing assertion).
    func readLine(timeout: TimeInterval = 60) -> String? {
        let fd = pipe.fileHandleForReading.fileDescriptor
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var b: UInt8 = 0
            guard read(fd, &b, 1) == 1 else { return nil }
            if b == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
        }
        return nil
    }

    func closeReader() {
        guard readerOpen else { return }
        readerOpen = false
        try? pipe.fileHandleForReading.close()
    }

    struct Outcome {
        var status: Int32
        var reason: Process.TerminationReason
        var stderr: String
        /// 0, 141, or killed by SIGPIPE: what `cmd | head -1` may see.
        var quietPipeExit: Bool { (reason == .exit && (status == 0 || status == 141)) || (reason == .uncaughtSignal && status == SIGPIPE) }
    }

    func wait(timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            XCTFail("\(process.executableURL!.lastPathComponent) did not exit within \(timeout)s", file: file, line: line)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        closeReader()
        return Outcome(status: process.terminationStatus, reason: process.terminationReason,
                       stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
    }
}
