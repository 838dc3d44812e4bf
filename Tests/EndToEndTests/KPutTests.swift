import Foundation
import XCTest

/// kput end to end: built binary, kmock over TCP, the topic read back by the witness (a foreign client).
/// The promise under test: every input line is delivered or named (`kput: source:line: reason`), never both,
/// never neither.
final class KPutTests: XCTestCase {
    // MARK: - Bad lines among good ones

    func testTenThousandLinesWithBadOnesMixedIn() throws {
        let topic = Harness.unique("kput-mixed")
        let rejects = Harness.tempFile("rejects")
        let maxLine = 1024
        var input = Data()
        var good: [Data] = []
        var bad: [(line: Int, bytes: Data)] = []
        for n in 1...10_000 {
            let line: Data
            var isBad = true
            switch n % 53 {
            case 7: line = Data(#"{"n":\#(n),"broken":}"#.utf8)  // malformed
            case 14: line = Data(#"{"n":\#(n),"list":[1,2"#.utf8)  // truncated
            case 21: line = Data(#"{"n":\#(n),"s":""#.utf8) + Data([0xC3, 0x28]) + Data(#""}"#.utf8)  // invalid UTF-8
            case 28: line = Data(#"{"n":\#(n),"s":"a"#.utf8) + Data([0x00]) + Data(#"b"}"#.utf8)  // NUL
            case 35:  // over-long, though valid JSON; the first one longer than the reader's 256 KiB chunk
                let pad = n == 35 ? 300_000 : maxLine
                line = Data(#"{"n":\#(n),"pad":""#.utf8) + Data(repeating: 0x61, count: pad) + Data(#""}"#.utf8)
            case 42:  // blank: skipped, not named
                line = Data(["", "   ", "\t", " \t "][n % 4].utf8)
                isBad = false
            default:
                line = Data(#"{"n":\#(n),"v":"good \#(n)","u":"\#u{e9}\#u{1F600}"}"#.utf8)
                good.append(line)
                isBad = false
            }
            if isBad { bad.append((n, line)) }
            input.append(line)
            // Some CRLF endings on good lines, and no newline after the last line.
            if n % 97 == 0 && !isBad { input.append(0x0D) }
            if n < 10_000 { input.append(0x0A) }
        }
        let r = try execute(
            "kput", ["-b", brokers, "-t", topic, "--rejects", rejects.path, "--max-line-bytes", String(maxLine)],
            input: input, timeout: 120)
        XCTAssertEqual(r.status, 65, String(r.stderr.prefix(2000)))
        XCTAssertEqual(r.stdout.count, 0, "stdout carries data only (--report)")

        // Every good line delivered exactly once.
        let values = try readTopic(topic).compactMap(\.value)
        XCTAssertEqual(values.count, good.count)
        XCTAssertEqual(multiset(values), multiset(good))

        // Every bad line named, by its line number, once; nothing else on stderr.
        let named = namedLines(r.stderr)
        XCTAssertEqual(named, bad.map(\.line), String(r.stderr.prefix(2000)))
        XCTAssertEqual(r.stderr.split(separator: "\n").count, bad.count, String(r.stderr.prefix(2000)))
        XCTAssertTrue(r.stderr.contains("-:35: line longer than 1024 bytes"), String(r.stderr.prefix(500)))
        XCTAssertTrue(r.stderr.contains("invalid UTF-8"))

        // And kept raw, in order, in the rejects file.
        let kept = try Data(contentsOf: rejects)
        XCTAssertEqual(kept, bad.reduce(into: Data()) { $0.append($1.bytes + [0x0A]) })
    }

    // MARK: - Faults

    func testBrokersDownForSecondsMidStreamEveryLineDelivered() throws {
        try requireMock()
        let topic = Harness.unique("kput-down")
        let fifo = try StdinFIFO()
        defer { fifo.close() }
        let kput = try Child(
            Harness.tool("kput"),
            ["-b", brokers, "-t", topic, "--report", "-X", "reconnect.backoff.max.ms=1000"], stdin: fifo.url)
        let lines = (1...3000).map { #"{"n":\#($0),"phase":"\#($0 <= 1000 ? "before" : $0 <= 2000 ? "down" : "after")"}"# }

        fifo.write(lines[0..<1000], while: kput)
        XCTAssertTrue(kput.waitFor(timeout: 60) { lineCount(kput.stdoutURL) >= 1000 }, "reports while the input is still open")
        defer { for id in 1...3 { MockBroker.shared.command("up \(id)") } }
        for id in 1...3 { XCTAssertEqual(MockBroker.shared.command("down \(id)"), "ok") }
        fifo.write(lines[1000..<2000], while: kput)
        sleep(3)
        for id in 1...3 { XCTAssertEqual(MockBroker.shared.command("up \(id)"), "ok") }
        fifo.write(lines[2000...], while: kput)
        fifo.close()

        let r = kput.wait(timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(namedLines(r.stderr), [], r.stderr)
        let reported = reportLines(r.stdout)
        XCTAssertEqual(reported.map(\.line).sorted(), Array(1...3000), "each line acknowledged once")
        // The mock does not deduplicate retries (see mock-cluster notes): assert none lost.
        let values = Set(try readTopic(topic).compactMap(\.valueText))
        XCTAssertTrue(Set(lines).isSubset(of: values), "lost: \(Set(lines).subtracting(values).count)")
    }

    func testInjectedProduceErrorsAreRetried() throws {
        try requireMock()
        let topic = Harness.unique("kput-errors")
        let lines = (1...2000).map { #"{"n":\#($0)}"# }
        defer { MockBroker.shared.command("clear Produce") }
        // Make the topic exist and known, so the errors hit Produce requests of this run.
        XCTAssertEqual(MockBroker.shared.command("topic \(topic) 4"), "ok")
        XCTAssertEqual(MockBroker.shared.command("errors Produce 3 NOT_LEADER_FOR_PARTITION"), "ok")
        let r = try execute(
            "kput", ["-b", brokers, "-t", topic, "--report", "-X", "linger.ms=50", "-v", "-X", "debug=msg"],
            input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 0, String(r.stderr.suffix(2000)))
        XCTAssertTrue(r.stderr.contains("Not leader for partition"), "the injected errors hit this run")
        XCTAssertEqual(namedLines(r.stderr), [])
        XCTAssertEqual(reportLines(r.stdout).count, 2000)
        XCTAssertEqual(MockBroker.shared.command("errors Produce 2 NOT_ENOUGH_REPLICAS"), "ok")
        let r2 = try execute("kput", ["-b", brokers, "-t", topic, "-X", "linger.ms=50"], input: jsonLinesData(lines))
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let values = try readTopic(topic).compactMap(\.valueText)
        XCTAssertEqual(Set(values), Set(lines), "every line delivered")
        XCTAssertGreaterThanOrEqual(values.count, 4000)
    }

    func testDeliveryThatCannotSucceedNamesEveryLineAndExits75() throws {
        try requireMock()
        let topic = Harness.unique("kput-fail")
        let rejects = Harness.tempFile("rejects")
        let fifo = try StdinFIFO()
        defer { fifo.close() }
        let kput = try Child(
            Harness.tool("kput"), ["-b", brokers, "-t", topic, "--report", "--timeout", "3", "--rejects", rejects.path],
            stdin: fifo.url)
        let lines = (1...500).map { #"{"n":\#($0)}"# }
        fifo.write(lines[0..<200], while: kput)
        XCTAssertTrue(kput.waitFor(timeout: 60) { lineCount(kput.stdoutURL) >= 200 })
        // Nothing is in flight now, so what follows is cleanly never written.
        defer { for id in 1...3 { MockBroker.shared.command("up \(id)") } }
        for id in 1...3 { XCTAssertEqual(MockBroker.shared.command("down \(id)"), "ok") }
        fifo.write(lines[200...], while: kput)
        fifo.close()
        let r = kput.wait(timeout: 90)
        for id in 1...3 { XCTAssertEqual(MockBroker.shared.command("up \(id)"), "ok") }

        XCTAssertEqual(r.status, 75, String(r.stderr.prefix(2000)))
        let named = namedLines(r.stderr)
        XCTAssertEqual(named.sorted(), Array(201...500), String(r.stderr.prefix(2000)))
        XCTAssertEqual(reportLines(r.stdout).map(\.line).sorted(), Array(1...200))
        let values = try readTopic(topic).compactMap(\.valueText)
        XCTAssertEqual(named.count, lines.count - values.count, "named = not in the topic")
        XCTAssertEqual(Set(values), Set(lines[0..<200]))
        let kept = String(decoding: try Data(contentsOf: rejects), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(kept.sorted(), lines[200...].sorted(), "undelivered lines kept raw")
    }

    func testMessageTooLargeForTheBrokerIsNamedAndExits75() throws {
        let topic = Harness.unique("kput-large")
        let rejects = Harness.tempFile("rejects")
        // Under --max-line-bytes (1 MiB) but over message.max.bytes (1,000,000): a failed delivery, not a bad line.
        let big = #"{"big":""# + String(repeating: "b", count: 1_000_100) + #""}"#
        let lines = [#"{"a":1}"#, big, #"{"a":3}"#]
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--rejects", rejects.path], input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 75, r.stderr)
        XCTAssertEqual(namedLines(r.stderr), [2], r.stderr)
        XCTAssertEqual(try Data(contentsOf: rejects), Data((big + "\n").utf8))
        XCTAssertEqual(Set(try readTopic(topic).compactMap(\.valueText)), [#"{"a":1}"#, #"{"a":3}"#])
    }

    // MARK: - Envelope

    func testEnvelopeBinaryKeyValueHeadersAndTombstonesByteExact() throws {
        let topic = Harness.unique("kput-env")
        let ts: Int64 = 1_700_000_000_123
        let binary = Data([0x00, 0xFF, 0x80, 0x0A, 0x0D, 0x22])
        let lines = [
            // binary key and value, every kind of header (text, base64, null, empty, duplicate name)
            #"{"topic":"elsewhere","partition":3,"offset":99,"timestamp":\#(ts),"key":"\#(binary.base64EncodedString())","key_encoding":"base64","headers":[{"key":"h","value":"v1"},{"key":"bin","value":"\#(binary.base64EncodedString())","encoding":"base64"},{"key":"nul","value":null},{"key":"h","value":""}],"value_encoding":"base64","value":"\#(Data(binary.reversed()).base64EncodedString())"}"#,
            // tombstone with a key
            #"{"timestamp":\#(ts + 1),"key":"gone"}"#,
            #"{"timestamp":\#(ts + 2),"key":"gone too","value":null}"#,
            // raw JSON value, embedded verbatim (spaces kept), no key
            #"{"timestamp":\#(ts + 3),"value":{"a": [1, 2.50, "\u00e9"]}}"#,
            // text value with a newline, empty key
            #"{"timestamp":\#(ts + 4),"key":"","value_encoding":"text","value":"line one\nline two \u00e9"}"#,
            // empty value (not a tombstone)
            #"{"timestamp":\#(ts + 5),"value_encoding":"text","value":""}"#,
        ]
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--envelope", "-p", "1"], input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try readTopic(topic)
        XCTAssertEqual(records.count, 6)
        XCTAssertTrue(records.allSatisfy { $0.partition == 1 }, "-p wins over the envelope's partition")
        XCTAssertEqual(records.map(\.offset), Array(0...5), "in input order")
        XCTAssertEqual(records.map(\.timestamp), (0...5).map { Int(ts) + $0 })

        XCTAssertEqual(records[0].key, binary)
        XCTAssertEqual(records[0].value, Data(binary.reversed()))
        XCTAssertEqual(records[0].headers, [
            .init(key: "h", value: Data("v1".utf8)), .init(key: "bin", value: binary), .init(key: "nul", value: nil),
            .init(key: "h", value: Data()),
        ])
        XCTAssertEqual(records[1].key, Data("gone".utf8))
        XCTAssertNil(records[1].value, "tombstone")
        XCTAssertEqual(records[2].key, Data("gone too".utf8))
        XCTAssertNil(records[2].value, "tombstone")
        XCTAssertNil(records[3].key)
        XCTAssertEqual(records[3].valueText, #"{"a": [1, 2.50, "\u00e9"]}"#)
        XCTAssertEqual(records[4].key, Data())
        XCTAssertEqual(records[4].valueText, "line one\nline two \u{e9}")
        XCTAssertEqual(records[5].value, Data(), "empty, not null")
        XCTAssertTrue(records.dropFirst().allSatisfy(\.headers.isEmpty))
    }

    func testEnvelopeKeepPartition() throws {
        let topic = Harness.unique("kput-keep")
        let lines = (0..<8).map { #"{"partition":\#($0 % 4),"offset":\#($0),"value":{"i":\#($0)}}"# }
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--envelope", "--keep-partition"], input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try readTopic(topic)
        XCTAssertEqual(records.count, 8)
        for rec in records {
            let i = try XCTUnwrap(rec.valueText.flatMap { Int($0.dropFirst(5).dropLast()) })
            XCTAssertEqual(rec.partition, i % 4, "partition member honoured")
        }
    }

    func testKpullThenKputEnvelopeCopiesByteExact() throws {
        let source = Harness.unique("kput-copy-a")
        let target = Harness.unique("kput-copy-b")
        let b64 = { (bytes: [UInt8]) in Data(bytes).base64EncodedString() }
        var specs: [String] = []
        for i in 0..<40 {
            let value = i % 10 == 9 ? "null" : "\"\(b64(i % 3 == 0 ? [0xFF, 0x00, UInt8(i)] : Array(#"{"i":\#(i)}"#.utf8)))\""
            let key = i % 4 == 0 ? "null" : "\"\(b64(i % 2 == 0 ? [0x80, UInt8(i)] : Array("k\(i)".utf8)))\""
            specs.append(#"{"partition":\#(i % 4),"timestamp":\#(1_600_000_000_000 + i),"key":\#(key),"value":\#(value),"headers":[["h","\#(b64([0xC3, 0x28]))"],["t","\#(b64(Array("x\(i)".utf8)))"]]}"#)
        }
        try witnessProduce(source, specs: specs)
        let pull = try execute("kpull", ["-b", brokers, "-t", source, "-g", Harness.unique("g"), "-e"] + Harness.fastConsumer)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(pull.lines.count, 40, pull.stderr)
        let put = try execute("kput", ["-b", brokers, "-t", target, "--envelope", "--keep-partition"], input: pull.stdout)
        XCTAssertEqual(put.status, 0, put.stderr)
        let order = { (x: WitnessRecord, y: WitnessRecord) in (x.partition, x.offset) < (y.partition, y.offset) }
        let a = try readTopic(source).sorted(by: order), b = try readTopic(target).sorted(by: order)
        XCTAssertEqual(a.count, 40)
        XCTAssertEqual(b, a, "same partitions, offsets, keys, values, headers and timestamps")
    }

    // MARK: - Report, sources, keys, modes

    func testReportMatchesTopicAcrossSeveralSources() throws {
        let topic = Harness.unique("kput-report")
        let fileA = Harness.tempFile("a.jsonl"), fileB = Harness.tempFile("b.jsonl")
        let a = (1...400).map { #"{"src":"a","n":\#($0)}"# }
        let s = (1...300).map { #"{"src":"stdin","n":\#($0)}"# }
        let b = (1...300).map { #"{"src":"b","n":\#($0)}"# }
        try jsonLinesData(a).write(to: fileA)
        try jsonLinesData(b).write(to: fileB)
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--report", fileA.path, "-", fileB.path], input: jsonLinesData(s))
        XCTAssertEqual(r.status, 0, r.stderr)
        let reported = reportLines(r.stdout)
        XCTAssertEqual(reported.count, 1000)
        let bySource = ["\(fileA.path)": a, "-": s, "\(fileB.path)": b]
        let records = try readTopic(topic)
        let byPosition = Dictionary(uniqueKeysWithValues: records.map { ("\($0.partition)/\($0.offset)", $0.valueText ?? "") })
        XCTAssertEqual(records.count, 1000)
        var seen = Set<String>()
        for rep in reported {
            XCTAssertEqual(rep.topic, topic)
            let expected = try XCTUnwrap(bySource[rep.source].flatMap { $0.indices.contains(rep.line - 1) ? $0[rep.line - 1] : nil }, "\(rep)")
            XCTAssertEqual(byPosition["\(rep.partition)/\(rep.offset)"], expected, "\(rep)")
            XCTAssertTrue(seen.insert("\(rep.source):\(rep.line)").inserted, "reported twice: \(rep)")
        }
    }

    /// `kput --report | head -1`: the report's reader leaves early; kput keeps delivering, says nothing, exits 0.
    func testReportReaderClosingEarlyIsQuietAndEveryLineStillDelivered() throws {
        let topic = Harness.unique("kput-report-head")
        let input = Harness.tempFile("in.jsonl")
        try jsonLinesData((1...20_000).map { #"{"n":\#($0)}"# }).write(to: input)
        let script = "\"$0\" -b \"$1\" -t \"$2\" --report < \"$3\" | head -1; echo \"status=${PIPESTATUS[0]}\" >&2"
        let child = try Child(
            URL(fileURLWithPath: "/bin/bash"), ["-c", script, Harness.tool("kput").path, brokers, topic, input.path])
        let r = child.wait(timeout: 60)
        XCTAssertEqual(r.lines.count, 1, r.stdoutText)
        XCTAssertEqual(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "status=0")
        XCTAssertEqual(try readTopic(topic).count, 20_000)
    }

    func testMissingInputFileIsNamedAndTheOthersStillGo() throws {
        let topic = Harness.unique("kput-missing")
        let missing = Harness.tempFile("nope.jsonl").path
        let r = try execute("kput", ["-b", brokers, "-t", topic, missing, "-"], input: jsonLinesData([#"{"a":1}"#]))
        XCTAssertEqual(r.status, 74, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kput: \(missing)"), r.stderr)
        XCTAssertEqual(try readTopic(topic).compactMap(\.valueText), [#"{"a":1}"#])
    }

    func testPartitionThatDoesNotExistIsOneLineNotOnePerLine() throws {
        let topic = Harness.unique("kput-p99")
        let r = try execute("kput", ["-b", brokers, "-t", topic, "-p", "99"], input: jsonLinesData([#"{"a":1}"#, #"{"a":2}"#]))
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("-p 99"), r.stderr)
    }

    func testKeyFieldStringNumberAndMissing() throws {
        let topic = Harness.unique("kput-key")
        let lines = [
            #"{"id":"abc","v":1}"#,
            #"{"v":2,"id":"tab\there \u00e9 \ud83d\ude00"}"#,
            #"{"id":42,"v":3}"#,
            #"{"id":-1.5e3,"v":4}"#,
            #"{"v":5}"#,
            #"{"id":{"nested":1},"v":6}"#,
            #"[1,2,3]"#,
            #"{"\u0069d":"escaped-name","v":8}"#,
            #"{"id":"first","id":"second","v":9}"#,
        ]
        let r = try execute("kput", ["-b", brokers, "-t", topic, "-k", "id", "-p", "0", "-v", "-z", "gzip"], input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:5: no string or number member \"id\"; null key"), r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:6: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:7: "), r.stderr)
        let records = try readTopic(topic)
        XCTAssertEqual(records.compactMap(\.valueText), lines, "values unchanged, in order")
        XCTAssertEqual(records.map { $0.key.map { String(decoding: $0, as: UTF8.self) } }, [
            "abc", "tab\there \u{e9} \u{1F600}", "42", "-1.5e3", nil, nil, nil, "escaped-name", "first",
        ])
        let quiet = try execute("kput", ["-b", brokers, "-t", topic, "-k", "id"], input: jsonLinesData([#"{"v":5}"#]))
        XCTAssertEqual(quiet.stderr, "", "the null-key note is for -v only")
    }

    func testTextModeSendsLinesAsTheyAre() throws {
        let topic = Harness.unique("kput-text")
        let input = Data("hello\nnot {json\r\n\n  \n\u{e9}t\u{e9}\n".utf8) + Data([0xFF, 0xFE, 0x0A])
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--text", "-p", "2"], input: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        let values = try readTopic(topic).compactMap(\.value)
        XCTAssertEqual(values, [Data("hello".utf8), Data("not {json".utf8), Data("  ".utf8), Data("\u{e9}t\u{e9}".utf8), Data([0xFF, 0xFE])])
    }

    // MARK: - Signals

    func testSigtermDuringLargeStdinDeliversWhatWasReadAndExits143() throws {
        let topic = Harness.unique("kput-term")
        let fifo = try StdinFIFO()
        defer { fifo.close() }
        let kput = try Child(Harness.tool("kput"), ["-b", brokers, "-t", topic, "--report"], stdin: fifo.url)
        let line = { (n: Int) in #"{"n":\#(n),"pad":"\#(String(repeating: "x", count: 60))"}"# }
        // Keep the pipe full (kput is reading hard) and signal once the first deliveries are reported.
        var next = 1
        var pending = Data()
        var signalled = false
        while next <= 2_000_000 && kput.process.isRunning {
            if pending.isEmpty {
                for n in next..<(next + 500) { pending.append(contentsOf: Array(line(n).utf8) + [0x0A]) }
                next += 500
            }
            pending.removeFirst(fifo.writeSome(pending))
            if !signalled, next > 2000, fileSize(kput.stdoutURL) >= 60_000 {  // ≥ 1000 report lines
                kput.signal(SIGTERM)
                signalled = true
                break
            }
            if !pending.isEmpty { usleep(1000) }
        }
        XCTAssertTrue(signalled, "kput read the whole input before any report appeared")
        let r = kput.wait(timeout: 120)
        XCTAssertEqual(r.status, 143, String(r.stderr.prefix(2000)))

        let reported = reportLines(r.stdout).map(\.line)
        let named = namedLines(r.stderr)
        XCTAssertEqual(named, [], "no fault: everything read was delivered")
        let last = try XCTUnwrap(stoppedAfter(r.stderr), r.stderr)
        XCTAssertEqual(reported.sorted(), Array(1...last), "every line read was delivered and reported, once")
        let values = try readTopic(topic).compactMap(\.valueText)
        XCTAssertEqual(multiset(values.map { Data($0.utf8) }), multiset((1...last).map { Data(line($0).utf8) }),
                       "the topic holds exactly what was claimed")
    }

    func testSecondSignalPurgesAndStillNamesEveryUndeliveredLine() throws {
        try requireMock()
        let topic = Harness.unique("kput-int2")
        let rejects = Harness.tempFile("rejects")
        let fifo = try StdinFIFO()
        defer { fifo.close() }
        let kput = try Child(
            Harness.tool("kput"), ["-b", brokers, "-t", topic, "--report", "--timeout", "120", "--rejects", rejects.path],
            stdin: fifo.url)
        let lines = (1...400).map { #"{"n":\#($0)}"# }
        fifo.write(lines[0..<100], while: kput)
        XCTAssertTrue(kput.waitFor(timeout: 60) { lineCount(kput.stdoutURL) >= 100 })
        defer { for id in 1...3 { MockBroker.shared.command("up \(id)") } }
        for id in 1...3 { XCTAssertEqual(MockBroker.shared.command("down \(id)"), "ok") }
        fifo.write(lines[100...], while: kput)
        usleep(500_000)  // let kput read them; the assertions below hold either way
        kput.signal(SIGINT)
        XCTAssertTrue(kput.waitFor(timeout: 30) { kput.stderrText.contains("stopped reading") }, kput.stderrText)
        XCTAssertTrue(kput.process.isRunning, "with brokers down and --timeout 120, the first signal waits for deliveries")
        kput.signal(SIGINT)
        let r = kput.wait(timeout: 60)
        for id in 1...3 { XCTAssertEqual(MockBroker.shared.command("up \(id)"), "ok") }

        XCTAssertEqual(r.status, 130, String(r.stderr.prefix(2000)))
        let last = try XCTUnwrap(stoppedAfter(r.stderr), r.stderr)
        let reported = reportLines(r.stdout).map(\.line)
        let named = namedLines(r.stderr)
        XCTAssertEqual(Set(reported), Set(1...100))
        XCTAssertEqual(named.sorted(), last > 100 ? Array(101...last) : [], String(r.stderr.prefix(2000)))
        XCTAssertEqual(Set(reported).union(named).sorted(), Array(1...last), "every line read is reported or named")
        let values = try readTopic(topic).compactMap(\.valueText)
        XCTAssertEqual(Set(values), Set(lines[0..<100]))
        XCTAssertEqual(values.count, 100)
        let kept = String(decoding: try Data(contentsOf: rejects), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(kept.sorted(), named.map { lines[$0 - 1] }.sorted())
    }

    // MARK: - Partitions

    /// Keyless lines go to one partition at a time, 1,000 lines per run, round-robin from a random partition;
    /// each partition keeps its lines in order. Read back by the witness.
    func testKeylessLinesGoOutInRunsRoundRobinOverEveryPartition() throws {
        try requireMock()
        let topic = Harness.unique("kput-spread")
        XCTAssertEqual(MockBroker.shared.command("topic \(topic) 8"), "ok")
        let file = Harness.tempFile("spread.jsonl")
        try jsonLinesData((0..<9_000).map { #"{"n":\#($0)}"# }).write(to: file)
        let r = try execute("kput", ["-b", brokers, "-t", topic, file.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try readTopic(topic)
        XCTAssertEqual(records.count, 9_000)
        var partitionOf: [Int: Int] = [:]
        for (partition, group) in Dictionary(grouping: records, by: \.partition) {
            let numbers = group.sorted { $0.offset < $1.offset }.compactMap { rec -> Int? in
                guard let v = rec.valueText, let o = try? JSONSerialization.jsonObject(with: Data(v.utf8)) as? [String: Int] else { return nil }
                return o["n"]
            }
            XCTAssertEqual(numbers, numbers.sorted(), "partition \(partition) keeps input order")
            for n in numbers { partitionOf[n] = partition }
        }
        XCTAssertEqual(partitionOf.count, 9_000)
        let start = try XCTUnwrap(partitionOf[0])
        for run in 0..<9 {
            let expected = (start + run) % 8
            let lines = (run * 1_000)..<((run + 1) * 1_000)
            XCTAssertEqual(Set(lines.map { partitionOf[$0] ?? -1 }), [expected], "run \(run) of 1,000 lines on partition \(expected)")
        }

        // A run also ends at 256 KiB: lines of 1 KiB go 256 to a partition.
        let big = Harness.unique("kput-spread-bytes")
        XCTAssertEqual(MockBroker.shared.command("topic \(big) 4"), "ok")
        let pad = String(repeating: "x", count: 1_024 - #"{"n":"000","p":""}"#.count)
        let bigLines = (0..<600).map { String(format: #"{"n":"%03d","p":"%@"}"#, $0, pad) }
        XCTAssertEqual(bigLines[0].utf8.count, 1_024)
        let rb = try execute("kput", ["-b", brokers, "-t", big, "--report"], input: jsonLinesData(bigLines))
        XCTAssertEqual(rb.status, 0, rb.stderr)
        let byLine = Dictionary(uniqueKeysWithValues: reportLines(rb.stdout).map { ($0.line, $0.partition) })
        let first = try XCTUnwrap(byLine[1])
        for (line, partition) in byLine {
            XCTAssertEqual(partition, (first + (line - 1) / 256) % 4, "line \(line)")
        }
    }

    /// A pause in the input ends a run: each burst typed into a pipe goes to the next partition.
    func testKeylessBurstsSeparatedByPausesGoToSuccessivePartitions() throws {
        try requireMock()
        let topic = Harness.unique("kput-bursts")
        XCTAssertEqual(MockBroker.shared.command("topic \(topic) 4"), "ok")
        let kput = try Child(Harness.tool("kput"), ["-b", brokers, "-t", topic, "--report"], stdinPipe: true)
        for burst in 0..<3 {
            kput.write((0..<5).map { #"{"burst":\#(burst),"i":\#($0)}"# + "\n" }.joined())
            XCTAssertTrue(kput.waitFor(timeout: 30) { kput.stdoutLines.count == (burst + 1) * 5 }, kput.stderrText)
        }
        kput.closeStdin()
        let r = kput.wait(timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        let reported = reportLines(r.stdout).sorted { $0.line < $1.line }
        XCTAssertEqual(reported.map(\.line), Array(1...15))
        let first = reported[0].partition
        for rep in reported {
            XCTAssertEqual(rep.partition, (first + (rep.line - 1) / 5) % 4, "line \(rep.line)")
        }
        let records = try readTopic(topic)
        XCTAssertEqual(records.count, 15)
        XCTAssertEqual(Set(records.map(\.partition)).count, 3, "three bursts, three partitions")
    }

    /// Keyed lines are left to librdkafka's partitioner: every line with the same key on the same partition.
    func testKeyedLinesKeepOnePartitionPerKey() throws {
        try requireMock()
        let topic = Harness.unique("kput-keyed")
        XCTAssertEqual(MockBroker.shared.command("topic \(topic) 8"), "ok")
        let lines = (0..<2_000).map { #"{"user":"u\#($0 % 10)","i":\#($0)}"# }
        let r = try execute("kput", ["-b", brokers, "-t", topic, "-k", "user"], input: jsonLinesData(lines))
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try readTopic(topic)
        XCTAssertEqual(records.count, 2_000)
        let partitionsByKey = Dictionary(grouping: records) { $0.key.map { String(decoding: $0, as: UTF8.self) } ?? "" }
            .mapValues { Set($0.map(\.partition)) }
        XCTAssertEqual(partitionsByKey.count, 10)
        for (key, partitions) in partitionsByKey { XCTAssertEqual(partitions.count, 1, "key \(key)") }
        XCTAssertGreaterThan(Set(partitionsByKey.values.compactMap(\.first)).count, 1, "ten keys do not all hash to one partition")
    }
}
