import Foundation
import XCTest

/// kput on hostile input: each line either passes (valid JSON) or is named and rejected; never a crash,
/// never a hang, and the good lines around a bad one still go out.
final class BadInputTests: XCTestCase {
    struct Outcome {
        var result: RunResult
        var named: [Int]
        var rejects: Data
        var delivered: [Data]
    }

    /// Runs kput over `input` with a rejects file and reads the topic back with the witness.
    func put(_ input: Data, extra: [String] = []) throws -> Outcome {
        let topic = Harness.unique("bad")
        let rejects = Harness.tempFile("rejects")
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--rejects", rejects.path] + extra, input: input, timeout: 120)
        XCTAssertNotEqual(r.status, 134, "crashed: \(r.stderr)")
        XCTAssertLessThan(r.status, 128, "killed by a signal: \(r.stderr)")
        let named = r.stderr.split(separator: "\n").compactMap { line -> Int? in
            // "kput: -:LINE: reason"
            let parts = line.split(separator: ":", maxSplits: 3)
            guard parts.count >= 3, parts[0] == "kput", parts[1] == " -" else { return nil }
            return Int(parts[2])
        }
        let delivered = try readTopic(topic).compactMap(\.value)
        return Outcome(result: r, named: named, rejects: (try? Data(contentsOf: rejects)) ?? Data(), delivered: delivered)
    }

    func testEachHostileLineIsNamedAndTheRestFlows() throws {
        let good = Data(#"{"ok":true}"#.utf8)
        let bad: [(String, Data)] = [
            ("malformed", Data(#"{"a":}"#.utf8)),
            ("truncated", Data(#"{"a":[1,2"#.utf8)),
            ("invalid UTF-8", Data([0x22, 0xC3, 0x28, 0x22])),
            ("overlong UTF-8", Data([0x22, 0xC0, 0xAF, 0x22])),
            ("NUL in string", Data([0x22, 0x61, 0x00, 0x62, 0x22])),
            ("NUL outside", Data([0x7B, 0x7D, 0x00])),
            ("lone high surrogate", Data(#""\ud800""#.utf8)),
            ("lone low surrogate", Data(#""\udc00x""#.utf8)),
            ("too deep", Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)),
            ("leading zero", Data("012".utf8)),
            ("bare minus", Data("-".utf8)),
            ("two documents", Data("{} {}".utf8)),
            ("single quotes", Data("{'a':1}".utf8)),
            ("trailing comma", Data("[1,]".utf8)),
            ("control char in string", Data([0x22, 0x09, 0x22])),
        ]
        let edgeGood: [Data] = [
            Data("-0".utf8), Data("1E+2".utf8), Data("1e-999".utf8), Data("123456789012345678901234567890".utf8),
            Data(#""\ud83d\ude00""#.utf8), Data("[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]".utf8), Data(#"  {"spaced": 1}  "#.utf8),
        ]
        var input: [Data] = []
        var expectedBad: [Int] = []
        for (_, b) in bad {
            input.append(good)
            input.append(b)
            expectedBad.append(input.count)
        }
        input.append(contentsOf: edgeGood)
        input.append(good)
        let o = try put(lineData(input))
        XCTAssertEqual(o.result.status, 65, o.result.stderr)
        XCTAssertEqual(o.named, expectedBad, o.result.stderr)
        XCTAssertEqual(o.delivered.count, input.count - bad.count)
        XCTAssertEqual(Set(o.delivered), Set([good] + edgeGood))
        XCTAssertEqual(o.rejects, lineData(bad.map(\.1)), "every bad line kept raw in the rejects file")
    }

    func testCRLFAndNoTrailingNewline() throws {
        let o = try put(Data("{\"a\":1}\r\n{\"b\":2}\r\n{\"c\":3}".utf8))
        XCTAssertEqual(o.result.status, 0, o.result.stderr)
        XCTAssertEqual(Set(o.delivered.map { String(decoding: $0, as: UTF8.self) }), [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
    }

    func testEmptyAndBlankInput() throws {
        let empty = try put(Data())
        XCTAssertEqual(empty.result.status, 0, empty.result.stderr)
        XCTAssertEqual(empty.delivered.count, 0)
        let blank = try put(Data("\n\n   \n\t\n".utf8))
        XCTAssertEqual(blank.result.status, 0, blank.result.stderr)
        XCTAssertEqual(blank.delivered.count, 0)
    }

    func testHundredMegabyteLineIsRejectedWithoutHoldingIt() throws {
        var input = Data(#"{"before":1}"#.utf8 + [0x0A])
        input.append(Data(repeating: 0x61, count: 100 << 20))
        input.append(0x0A)
        input.append(Data(#"{"after":1}"#.utf8 + [0x0A]))
        let o = try put(input)
        XCTAssertEqual(o.result.status, 65, o.result.stderr)
        XCTAssertEqual(o.named, [2], o.result.stderr)
        XCTAssertEqual(o.delivered.count, 2)
        XCTAssertEqual(o.rejects.count, (100 << 20) + 1, "the whole over-long line is kept in rejects")
    }

    func testBinaryFile() throws {
        var rng = SystemRandomNumberGenerator()
        let bytes = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let o = try put(bytes)
        XCTAssertEqual(o.result.status, 65, String(o.result.stderr.prefix(500)))
        // Every line is named or delivered: nothing disappears.
        let lineCount = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
        XCTAssertEqual(o.named.count + o.delivered.count + blankCount(bytes), lineCount)
    }

    private func blankCount(_ data: Data) -> Int {
        data.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
            var l = Array(line)
            if l.last == 0x0D { l.removeLast() }
            return l.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        }.count
    }

    func testBadEnvelopes() throws {
        let good = #"{"value":{"ok":1}}"#
        let bad = [
            #"{"value":1,"key":5}"#,  // key must be a string
            #"{"value":"@@@","value_encoding":"base64"}"#,  // bad base64
            #"{"value":"x","value_encoding":"hex"}"#,  // unknown encoding
            #"{"value":1,"value":2}"#,  // duplicate member
            #"{"value":1,"headers":{"a":"b"}}"#,  // headers must be an array
            #"{"value":1,"headers":[{"value":"v"}]}"#,  // header without key
            #"{"value":1,"timestamp":"yesterday"}"#,  // timestamp must be an integer
            #"{"value":1,"partition":1.5}"#,
            #"[1,2]"#,  // not an object
            #"{"value":1,"key":"a","key_encoding":"rot13"}"#,
        ]
        var input: [String] = []
        var expected: [Int] = []
        for b in bad {
            input.append(good)
            input.append(b)
            expected.append(input.count)
        }
        let o = try put(Data((input.joined(separator: "\n") + "\n").utf8), extra: ["--envelope"])
        XCTAssertEqual(o.result.status, 65, o.result.stderr)
        XCTAssertEqual(o.named, expected, o.result.stderr)
        XCTAssertEqual(o.delivered.count, bad.count)
        XCTAssertEqual(String(decoding: o.rejects, as: UTF8.self), bad.joined(separator: "\n") + "\n")
    }

    /// issue 24: `--envelope --keep-partition` with a line naming a partition the topic lacks is a bad
    /// line of the input (65, named, kept in --rejects), not a failed delivery (75); the lines around it go.
    func testAnEnvelopeNamingAPartitionTheTopicLacksIsABadLine() throws {
        let topic = Harness.unique("bad-partition")
        try createTopic(topic, partitions: 2)
        let rejects = Harness.tempFile("rejects")
        let lines = [#"{"partition":0,"value":{"i":1}}"#, #"{"partition":7,"value":{"i":2}}"#, #"{"partition":1,"value":{"i":3}}"#]
        let r = try execute("kput", ["-b", brokers, "-t", topic, "--envelope", "--keep-partition", "--rejects", rejects.path],
                            input: Data((lines.joined(separator: "\n") + "\n").utf8), timeout: 120)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:2: partition 7: topic \"\(topic)\" has 2 partitions (0-1)"), r.stderr)
        XCTAssertFalse(r.stderr.contains("not sent"), r.stderr)
        XCTAssertEqual(String(decoding: (try? Data(contentsOf: rejects)) ?? Data(), as: UTF8.self), lines[1] + "\n")
        let records = try readTopic(topic)
        XCTAssertEqual(records.map(\.partition).sorted(), [0, 1], "the good lines went where they asked")
    }
}
