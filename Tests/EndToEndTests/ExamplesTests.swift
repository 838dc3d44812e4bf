import Foundation
import XCTest

/// Runs every script in examples/ against this test process's cluster (kmock, or $KAFKA_BROKERS), with
/// the built tools first in PATH, so that none of them rots. Each test uses its own topics and groups.
final class ExamplesTests: XCTestCase {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    func run(_ script: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120,
             file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        var env = environment
        env["KAFKA_BROKERS"] = brokers
        env["PATH"] = Harness.binDir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let child = try Child(URL(fileURLWithPath: "/usr/bin/env"),
                              ["bash", Self.examples.appendingPathComponent(script).path] + arguments, environment: env)
        return child.wait(timeout: timeout, file: file, line: line)
    }

    func scratchDirectory() throws -> URL {
        let dir = Harness.tempFile("example")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testProduceLinesThenPullWithJq() throws {
        let topic = Harness.unique("ex-orders")
        let put = try run("produce-lines.sh", [topic])
        XCTAssertEqual(put.status, 0, put.stderr)
        XCTAssertEqual(put.jsonLines.count, 3, "one --report line per keyed line: \(put.stdoutText)")
        XCTAssertEqual(put.jsonLines.compactMap { $0["line"] as? Int }.sorted(), [1, 2, 3], "in the order of acknowledgement")
        XCTAssertEqual(try readTopic(topic).count, 4)
        XCTAssertEqual(try readTopic(topic + ".text").map(\.valueText), ["hello, kafka"])

        let pull = try run("pull-jq.sh", [topic, Harness.unique("ex-report")])
        XCTAssertEqual(pull.status, 0, pull.stderr)
        let out = pull.lines
        let big = out.filter { $0.hasPrefix("{\"id\":") }
        XCTAssertEqual(Set(big), [#"{"id":2,"user":"bob","amount":120}"#, #"{"id":4,"user":"cy","amount":250}"#], pull.stdoutText)
        XCTAssertEqual(out.last, #"[{"user":"ann","total":37},{"user":"bob","total":120},{"user":"cy","total":250}]"#)
    }

    func testJSONLinesToAnAvroTopic() throws {
        let registry = try RegistryClientTests.realRegistry.map { RegistryClientTests.Registry(real: $0) } ?? RegistryClientTests.Registry()
        defer { registry.stop() }
        let topic = Harness.unique("ex-avro")
        try createTopic(topic, partitions: 1)
        let r = try run("jsonl-to-avro.sh", [topic], environment: ["SCHEMA_REGISTRY_URL": registry.url])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(#"kput: -:2: $.amount: "#), r.stderr)
        XCTAssertEqual(r.lines, ["kput exited 65; kept in --rejects:", #"{"id":5,"user":"eve","amount":"a lot"}"#])
        let script = RegistryClientTests.root.appendingPathComponent("Tests/witness/registry_consume.py").path
        let read = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, registry.url, "consume", brokers, topic]).wait(timeout: 90)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(read.jsonLines.map { $0["key"] as? Int }, [1, 2, 3, 4])
        XCTAssertEqual(read.jsonLines.map { ($0["value"] as? [String: Any])?["amount"] as? String }, ["30.00", "120.50", "7.00", "1.25"])
        XCTAssertEqual((read.jsonLines.first?["value"] as? [String: Any])?["coupon"] as? String, "SPRING")
    }

    func testKstreamUnderLogrotate() throws {
        let dir = try scratchDirectory()
        let r = try run("kstream-logrotate.sh", [Harness.unique("ex-log"), dir.path])
        XCTAssertEqual(r.status, 0, "kstream stops with 0 on SIGTERM: \(r.stderr)")
        let rotated = lines(fileText(dir.appendingPathComponent("events.log.1")))
        let current = lines(fileText(dir.appendingPathComponent("events.log")))
        // Every line whole and once: 1...5 before the rotation, 6...10 after kstream reopened the path.
        let n = { (lines: [String]) in
            lines.map { line -> Int in
                let env = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return (env?["value"] as? [String: Int])?["n"] ?? -1
            }.sorted()
        }
        XCTAssertEqual(n(rotated), [1, 2, 3, 4, 5], r.stdoutText)
        XCTAssertEqual(n(current), [6, 7, 8, 9, 10], r.stdoutText)
    }

    func testCronDrainUnderFlock() throws {
        let topic = Harness.unique("ex-drain")
        let spool = try scratchDirectory()
        let files = { () -> [URL] in
            ((try? FileManager.default.contentsOfDirectory(at: spool, includingPropertiesForKeys: nil)) ?? [])
                .filter { $0.pathExtension == "jsonl" }.sorted { $0.path < $1.path }
        }
        let put = try execute("kput", ["-b", brokers, "-t", topic], input: Data((1...5).map { "{\"i\":\($0)}\n" }.joined().utf8))
        XCTAssertEqual(put.status, 0, put.stderr)

        // While another run holds the lock, a run leaves at once, successfully, having read nothing.
        let lock = spool.appendingPathComponent(".\(topic).lock").path
        let script = Self.examples.appendingPathComponent("cron-drain.sh").path
        let env = ["KAFKA_BROKERS": brokers, "PATH": Harness.binDir.path + ":/usr/bin:/bin"]
        let busy = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["flock", lock, "bash", script, topic, spool.path], environment: env).wait()
        XCTAssertEqual(busy.status, 0, busy.stderr)
        XCTAssertTrue(busy.stderr.contains("still running"), busy.stderr)
        XCTAssertEqual(files(), [])

        let first = try run("cron-drain.sh", [topic, spool.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(files().count, 1)
        XCTAssertEqual(files().first.map { lines(fileText($0)) }?.count, 5)

        // Drained: the next run writes no file.
        let again = try run("cron-drain.sh", [topic, spool.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(files().count, 1)

        let more = try execute("kput", ["-b", brokers, "-t", topic], input: Data("{\"i\":6}\n{\"i\":7}\n".utf8))
        XCTAssertEqual(more.status, 0, more.stderr)
        let third = try run("cron-drain.sh", [topic, spool.path])
        XCTAssertEqual(third.status, 0, third.stderr)
        let all = files().flatMap { lines(fileText($0)) }.compactMap { line -> Int? in
            let env = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (env?["value"] as? [String: Int])?["i"]
        }
        XCTAssertEqual(all.sorted(), [1, 2, 3, 4, 5, 6, 7], "every message in exactly one file")
        XCTAssertEqual(files().count, 2)
    }

    func testCopyTopicByteForByte() throws {
        let source = Harness.unique("ex-src")
        let dest = Harness.unique("ex-dst")
        // Binary and text keys and values, headers (binary, null, duplicate), a tombstone, set timestamps.
        try witnessProduce(source, specs: [
            #"{"key":"azE=","value":"eyJhIjoxfQ==","timestamp":1700000000000,"headers":[["h","dg=="],["h","dw=="],["n",null]]}"#,
            #"{"key":"/wA=","value":"AP8B","timestamp":1700000000001,"headers":[["bin","gIE="]]}"#,
            #"{"value":"cGxhaW4gdGV4dA==","timestamp":1700000000002}"#,
            #"{"key":"dG9tYg==","timestamp":1700000000003}"#,
            #"{"value":"bnVsbA==","timestamp":1700000000004}"#,
            #"{"value":"IHsiYSI6MX0g","timestamp":1700000000005}"#,
        ])
        let rejects = Harness.tempFile("copy-rejects.jsonl")
        let r = try run("copy-topic.sh", [source, dest, Harness.unique("ex-copy")], environment: ["REJECTS": rejects.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: rejects.path), "no rejects: the empty file is removed")
        func comparable(_ records: [WitnessRecord]) -> [String] {
            records.map { "\($0.key?.base64EncodedString() ?? "-") \($0.value?.base64EncodedString() ?? "-") \($0.timestamp) \($0.headers.map { "\($0.key)=\($0.value?.base64EncodedString() ?? "null")" })" }.sorted()
        }
        let original = try readTopic(source)
        XCTAssertEqual(original.count, 6)
        XCTAssertEqual(comparable(try readTopic(dest)), comparable(original))
    }

    func testReplayRejects() throws {
        let topic = Harness.unique("ex-replay")
        let dir = try scratchDirectory()
        let r = try run("replay-rejects.sh", [topic, dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdoutText.contains("kput exited 65"), r.stdoutText)
        XCTAssertTrue(r.stderr.contains("input.jsonl:2:"), "the bad line is named: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("input.jsonl:4:"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.jsonl").path))
        let values = try readTopic(topic).compactMap(\.valueText).sorted()
        XCTAssertEqual(values, (1...4).map { "{\"id\":\($0),\"ok\":true}" })
    }

    func testDailyWindow() throws {
        try requireMock()
        let topic = Harness.unique("ex-day")
        XCTAssertEqual(mock.command("topic \(topic) 1"), "ok")
        // Two messages the day before, three on the day, two the day after: 10:00 local time each.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let day = calendar.date(from: DateComponents(year: 2026, month: 11, day: 30, hour: 10))!
        let ms = { (offsetDays: Int, i: Int) in
            Int(calendar.date(byAdding: .day, value: offsetDays, to: day)!.timeIntervalSince1970 * 1000) + i
        }
        let stamps = [ms(-1, 0), ms(-1, 1), ms(0, 0), ms(0, 1), ms(0, 2), ms(1, 0), ms(1, 1)]
        let input = stamps.enumerated().map { #"{"partition":0,"value":{"i":\#($0.offset)},"timestamp":\#($0.element)}"# }
        let put = try execute("kput", ["-b", brokers, "-t", topic, "--envelope"], input: jsonLinesData(input))
        XCTAssertEqual(put.status, 0, put.stderr)
        let dir = try scratchDirectory()
        let values = { (url: URL) in
            lines(fileText(url)).compactMap { line -> Int? in
                let env = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return (env?["value"] as? [String: Int])?["i"]
            }
        }
        // Up to the end of 2026-11-30: --until cuts at the next midnight by the messages' timestamps.
        let upTo = try run("daily-window.sh", [topic, dir.path, "2026-11-30"], environment: ["FROM": "beginning"])
        XCTAssertEqual(upTo.status, 0, upTo.stderr)
        XCTAssertEqual(upTo.lines, [dir.appendingPathComponent("\(topic).2026-11-30.jsonl").path])
        XCTAssertEqual(values(URL(fileURLWithPath: upTo.lines.first ?? "/")), [0, 1, 2, 3, 4])
        // The real start, @2026-11-30: the mock answers every lookup by time with "none" (start at the end).
        let window = try run("daily-window.sh", [topic, dir.path, "2026-11-30"])
        XCTAssertEqual(window.status, 0, window.stderr)
        XCTAssertEqual(values(URL(fileURLWithPath: window.lines.first ?? "/")), [], "kmock: no lookup by time")
        XCTAssertEqual(try committed(group: "kpull.\(topic)", topic: topic).sum, 0, "no offsets left behind")
    }

    func testLagAlertMailsWhenTheDrainFallsBehind() throws {
        let topic = Harness.unique("ex-lag")
        let group = Harness.unique("ex-nightly")
        XCTAssertEqual(mock.command("topic \(topic) 2"), "ok")
        let put = try execute("kput", ["-b", brokers, "-t", topic], input: Data((1...30).map { "{\"i\":\($0)}\n" }.joined().utf8))
        XCTAssertEqual(put.status, 0, put.stderr)
        let pull = try execute("kpull", ["-b", brokers, "-t", topic, "-g", group, "-n", "10"] + Harness.fastConsumer)
        XCTAssertEqual(pull.status, 0, pull.stderr)

        // A fake mail(1) first in PATH: it appends its arguments and the message to a file.
        let dir = try scratchDirectory()
        let outbox = dir.appendingPathComponent("outbox")
        let mail = dir.appendingPathComponent("mail")
        try "#!/bin/sh\n{ echo \"mail $*\"; cat; echo .; } >> \"\(outbox.path)\"\n".write(to: mail, atomically: true, encoding: .utf8)
        chmod(mail.path, 0o755)
        let script = Self.examples.appendingPathComponent("lag-alert.sh").path
        let env = ["KAFKA_BROKERS": brokers,
                   "PATH": dir.path + ":" + Harness.binDir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        func alert(_ arguments: [String]) throws -> RunResult {
            try Child(URL(fileURLWithPath: "/usr/bin/env"), ["bash", script] + arguments, environment: env).wait(timeout: 60)
        }
        let mails = { ((try? String(contentsOf: outbox, encoding: .utf8)) ?? "") }

        // 20 behind, limit 50: quiet, no mail.
        let calm = try alert([group, "50", "ops@example.com", topic])
        XCTAssertEqual(calm.status, 0, calm.stderr)
        XCTAssertEqual(mails(), "")

        // Limit 10: one mail, its subject with the total, its body naming the partitions behind.
        let behind = try alert([group, "10", "ops@example.com", topic])
        XCTAssertEqual(behind.status, 1, behind.stderr)
        let sent = mails()
        XCTAssertTrue(sent.hasPrefix("mail -s kafka: group \(group) is 20 behind (limit 10) ops@example.com\n"), sent)
        XCTAssertTrue(sent.contains("over --max-lag 10"), sent)
        XCTAssertTrue(sent.contains("\(topic) "), sent)

        // After the drain: quiet again, whatever the limit (default topics: those the group committed on).
        let drain = try execute("kpull", ["-b", brokers, "-t", topic, "-g", group, "-e"] + Harness.fastConsumer)
        XCTAssertEqual(drain.status, 0, drain.stderr)
        try FileManager.default.removeItem(at: outbox)
        let drained = try alert([group, "0"])
        XCTAssertEqual(drained.status, 0, drained.stderr)
        XCTAssertEqual(mails(), "")

        // A group that never committed cannot be checked: that is mailed too (to root by default).
        let unknown = try alert([Harness.unique("ex-nobody"), "0"])
        XCTAssertEqual(unknown.status, 69, unknown.stderr)
        XCTAssertTrue(mails().hasPrefix("mail -s kafka: cannot check the lag of group"), mails())
        XCTAssertTrue(mails().contains(" root\n"), mails())
    }

    /// issue 23: the cron pipeline with --acks leaves the group at the end of its input and pout holding
    /// exactly the filtered messages; a second run finds nothing new.
    func testCronPipelineCommitsOnlyWhatIsDone() throws {
        let pin = Harness.unique("ex-pin"), pout = Harness.unique("ex-pout")
        let dir = try scratchDirectory()
        try createTopic(pin, partitions: 6)
        try createTopic(pout, partitions: 6)
        let put = try execute("kput", ["-b", brokers, "-t", pin, "-k", "n"], input: Data((0..<90).map { "{\"n\":\($0)}\n" }.joined().utf8))
        XCTAssertEqual(put.status, 0, put.stderr)
        let first = try run("cron-pipeline.sh", [pin, pout, dir.path])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try readTopic(pout).count, 60, "the 60 messages jq keeps")
        XCTAssertEqual(try committed(group: "pipeline.\(pin)", topic: pin).sum, 90, "the dropped ones committed too")
        let again = try run("cron-pipeline.sh", [pin, pout, dir.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try readTopic(pout).count, 60, "nothing read twice")
    }
}
