import XCTest
@testable import KafkaCore

/// The line decoders of kput's three input modes, without a broker: what each sends, skips or rejects.
final class ProduceLineDecoderTests: XCTestCase {
    struct Sent: Equatable {
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [String] = []
        var timestamp: Int64?
        var partition: Int32?
    }

    /// Runs `decode` on `line`, copying out what it sent (the views are valid only during the call).
    func run(_ line: String, _ decode: (UnsafeRawBufferPointer, (OutgoingRecord) -> Void) -> LineVerdict) -> (LineVerdict, [Sent]) {
        var sent: [Sent] = []
        let verdict = Array(line.utf8).withUnsafeBytes { bytes in
            decode(bytes) { r in
                sent.append(Sent(key: r.key.map { Array($0) }, value: r.value.map { Array($0) },
                                 headers: (r.headers ?? []).map { "\($0.name)=\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "<null>")" },
                                 timestamp: r.timestamp, partition: r.partition))
            }
        }
        return (verdict, sent)
    }

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: - text

    func testTextSendsEveryNonEmptyLineAsItIs() {
        let d = TextLineDecoder()
        XCTAssertEqual(run("not {json", d.decode).1, [Sent(key: nil, value: bytes("not {json"))])
        XCTAssertEqual(run("  ", d.decode).1, [Sent(key: nil, value: bytes("  "))], "blank but not empty: sent")
        let (verdict, sent) = run("", d.decode)
        XCTAssertEqual(verdict, .blank)
        XCTAssertEqual(sent, [])
    }

    // MARK: - json

    func testJSONValidatesAndSendsTheLineUnchanged() {
        let d = JSONLineDecoder()
        XCTAssertEqual(run(#"{"a":1}"#, d.decode).1, [Sent(key: nil, value: bytes(#"{"a":1}"#))])
        XCTAssertEqual(run(" \t ", d.decode).0, .blank)
        let (verdict, sent) = run(#"{"a":}"#, d.decode)
        guard case .bad = verdict else { return XCTFail("\(verdict)") }
        XCTAssertEqual(sent, [], "a bad line is never sent")
    }

    func testJSONKeyFieldStringNumberEscapedAndFirstWins() {
        let d = JSONLineDecoder(keyField: "id")
        XCTAssertEqual(run(#"{"v":1,"id":"abc"}"#, d.decode).1.first?.key, bytes("abc"))
        XCTAssertEqual(run(#"{"id":-1.5e3}"#, d.decode).1.first?.key, bytes("-1.5e3"), "a number's text")
        XCTAssertEqual(run(#"{"id":"tab\there"}"#, d.decode).1.first?.key, bytes("tab\there"), "escapes decoded")
        XCTAssertEqual(run(#"{"\u0069d":"escaped-name"}"#, d.decode).1.first?.key, bytes("escaped-name"), "an escaped name matches")
        XCTAssertEqual(run(#"{"id":"first","id":"second"}"#, d.decode).1.first?.key, bytes("first"))
        XCTAssertEqual(run(#"{"idx":"no","i":"no"}"#, d.decode).1.first?.key, nil, "a longer or shorter name does not match")
        let line = #"{"id":"k","v":2}"#
        XCTAssertEqual(run(line, d.decode).1.first?.value, bytes(line), "the value is the whole line")
    }

    func testJSONKeyFieldMissingIsABadLine() {
        let d = JSONLineDecoder(keyField: "id")
        for line in [#"{"v":5}"#, #"{"id":null}"#, #"{"id":{"nested":1}}"#, #"{"id":[1]}"#, #"{"id":true}"#, "[1,2,3]", "7"] {
            let (verdict, sent) = run(line, d.decode)
            guard case .bad(let why) = verdict else { XCTFail("\(line): \(verdict)"); continue }
            XCTAssertTrue(why.contains(#"no string or number member "id""#), why)
            XCTAssertEqual(sent, [], line)
        }
    }

    func testJSONKeyFieldMissingGivesANullKeyWhenAskedWithANoteOnlyAtVerbose() {
        let quiet = JSONLineDecoder(keyField: "id", nullKeyIfMissing: true)
        XCTAssertEqual(run(#"{"v":5}"#, quiet.decode).0, .sent)
        let noting = JSONLineDecoder(keyField: "id", nullKeyIfMissing: true, noteNullKeys: true)
        let (verdict, sent) = run(#"{"id":{"nested":1}}"#, noting.decode)
        XCTAssertEqual(verdict, .sentWithNote(#"no string or number member "id"; null key"#))
        XCTAssertEqual(sent.first?.key, nil)
        XCTAssertEqual(run("[1,2,3]", noting.decode).1.first?.key, nil, "valid JSON that is not an object: null key")
        guard case .bad = run(#"{"id":"x","broken":}"#, noting.decode).0 else { return XCTFail("invalid JSON with -k is bad") }
    }

    func testJSONTimestampFieldEpochMillisOrRFC3339() {
        let d = JSONLineDecoder(timestampField: "ts")
        XCTAssertEqual(run(#"{"ts":1700000000000}"#, d.decode).1.first?.timestamp, 1_700_000_000_000)
        XCTAssertEqual(run(#"{"ts":"1700000000000"}"#, d.decode).1.first?.timestamp, 1_700_000_000_000, "epoch ms as a string")
        XCTAssertEqual(run(#"{"ts":"2023-11-14T22:13:20Z"}"#, d.decode).1.first?.timestamp, 1_700_000_000_000)
        XCTAssertEqual(run(#"{"ts":"2023-11-14T23:13:20.5+01:00"}"#, d.decode).1.first?.timestamp, 1_700_000_000_500)
        XCTAssertEqual(run(#"{"ts":0}"#, d.decode).1.first?.timestamp, 0)
        let line = #"{"v":1,"ts":5}"#
        XCTAssertEqual(run(line, d.decode).1, [Sent(key: nil, value: bytes(line), timestamp: 5)], "the line is still the value")
    }

    func testJSONTimestampFieldMissingOrUnreadableIsABadLine() {
        let d = JSONLineDecoder(timestampField: "ts")
        for line in [#"{"v":1}"#, #"{"ts":null}"#, #"{"ts":-5}"#, #"{"ts":1.5}"#, #"{"ts":1e12}"#, #"{"ts":"yesterday"}"#,
                     #"{"ts":"2023-11-14T22:13:20"}"#, #"{"ts":99999999999999999999}"#, #"{"ts":true}"#] {
            let (verdict, sent) = run(line, d.decode)
            guard case .bad = verdict else { XCTFail("\(line): \(verdict)"); continue }
            XCTAssertEqual(sent, [], line)
        }
        let now = JSONLineDecoder(timestampField: "ts", nowIfNoTimestamp: true)
        XCTAssertEqual(run(#"{"v":1}"#, now.decode).1.first?.timestamp, .some(nil), "stamped by the producer")
        guard case .bad = run(#"{"ts":"yesterday"}"#, now.decode).0 else { return XCTFail("unreadable is bad even with now") }
    }

    func testJSONKeyAndTimestampInOnePass() {
        let d = JSONLineDecoder(keyField: "k", timestampField: "t")
        XCTAssertEqual(run(#"{"t":7,"x":{"k":"inner"},"k":"outer"}"#, d.decode).1.first.map { [$0.key, $0.timestamp.map { Array(String($0).utf8) }] },
                       [bytes("outer"), bytes("7")], "top-level members only")
        guard case .bad = run(#"{"k":"a"}"#, d.decode).0 else { return XCTFail("no timestamp") }
        guard case .bad = run(#"{"t":1}"#, d.decode).0 else { return XCTFail("no key") }
    }

    // MARK: - envelope

    func testEnvelopeProducesItsParts() {
        let d = EnvelopeLineDecoder()
        let (verdict, sent) = run(#"{"partition":3,"timestamp":1700000000000,"key":"k","headers":[{"key":"h","value":"v"},{"key":"n","value":null}],"value":{"a":1}}"#, d.decode)
        XCTAssertEqual(verdict, .sent)
        XCTAssertEqual(sent, [Sent(key: bytes("k"), value: bytes(#"{"a":1}"#), headers: ["h=v", "n=<null>"], timestamp: 1_700_000_000_000, partition: nil)])
        XCTAssertEqual(run(#"{"key":"k"}"#, d.decode).1, [Sent(key: bytes("k"), value: nil)], "no value: a tombstone")
    }

    func testEnvelopeKeepPartitionHonoursTheLinesPartition() {
        let d = EnvelopeLineDecoder(keepPartition: true)
        XCTAssertEqual(run(#"{"partition":3,"value":1}"#, d.decode).1.first?.partition, 3)
        XCTAssertEqual(run(#"{"partition":-1,"value":1}"#, d.decode).1.first?.partition, nil, "-1: unknown, the partitioner decides")
    }

    func testEnvelopeBadLinesAreBad() {
        let d = EnvelopeLineDecoder()
        for line in [#"{"value":1"#, "[1]", #"{"timestamp":"x"}"#, #"{"headers":[1]}"#] {
            let (verdict, sent) = run(line, d.decode)
            guard case .bad = verdict else { XCTFail("\(line): \(verdict)"); continue }
            XCTAssertEqual(sent, [], line)
        }
        XCTAssertEqual(run("   ", d.decode).0, .blank)
    }
}
