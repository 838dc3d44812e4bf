import XCTest
@testable import KafkaCore

/// kput's option rules, one test per rule: the options that break it, the exact line, and a neighbour
/// that passes.
final class ProduceArgumentsTests: XCTestCase {
    func args(_ change: (inout ProduceArguments) -> Void = { _ in }) -> ProduceArguments {
        var a = ProduceArguments(topic: "t")
        change(&a)
        return a
    }

    func assertUsage(_ message: String, file: StaticString = #filePath, line: UInt = #line, _ change: (inout ProduceArguments) -> Void) {
        XCTAssertEqual(args(change).problem(), .usage(message), file: file, line: line)
    }

    func testDefaultsPass() { XCTAssertNil(args().problem()) }

    func test01TextAndEnvelopeExcludeEachOther() {
        assertUsage("--text and --envelope cannot be used together") { $0.text = true; $0.envelope = true }
    }
    func test02KeepPartitionNeedsEnvelope() {
        assertUsage("--keep-partition needs --envelope") { $0.keepPartition = true }
        XCTAssertNil(args { $0.keepPartition = true; $0.envelope = true }.problem())
    }
    func test03TopicName() {
        XCTAssertEqual(args { $0.topic = "" }.problem(), .topicName(TopicName.problem("")!))
        XCTAssertEqual(args { $0.topic = "a b" }.problem(), .topicName(TopicName.problem("a b")!))
    }
    func test04KeyFieldNotWithEnvelope() {
        assertUsage("--key-field cannot be used with --envelope (the envelope has the key)") { $0.keyField = "id"; $0.envelope = true }
    }
    func test05KeyFieldNotWithText() {
        assertUsage("--key-field needs JSON lines, not --text") { $0.keyField = "id"; $0.text = true }
    }
    func test06KeyAndKeyFieldExcludeEachOther() {
        assertUsage("--key and --key-field cannot be used together") { $0.keyField = "id"; $0.key = "k" }
    }
    func test07KeyNotWithEnvelope() {
        assertUsage("--key cannot be used with --envelope (the envelope has the key)") { $0.key = "k"; $0.envelope = true }
        XCTAssertNil(args { $0.key = "k"; $0.text = true }.problem())
    }
    func test08TimestampFieldNeedsJSON() {
        assertUsage("--timestamp-field needs JSON lines, not --text") { $0.timestampField = "ts"; $0.text = true }
        assertUsage("--timestamp-field needs JSON lines, not --envelope") { $0.timestampField = "ts"; $0.envelope = true }
    }
    func test09MissingKeyValues() {
        assertUsage("--missing-key must be reject or null") { $0.keyField = "id"; $0.missingKey = "skip" }
        XCTAssertNil(args { $0.keyField = "id"; $0.missingKey = "null" }.problem())
    }
    func test10MissingTimestampValues() {
        assertUsage("--missing-timestamp must be reject or now") { $0.timestampField = "ts"; $0.missingTimestamp = "zero" }
        XCTAssertNil(args { $0.timestampField = "ts"; $0.missingTimestamp = "now" }.problem())
    }
    func test11MissingKeyNeedsKeyField() {
        assertUsage("--missing-key needs -k/--key-field") { $0.missingKey = "null" }
    }
    func test12MissingTimestampNeedsTimestampField() {
        assertUsage("--missing-timestamp needs --timestamp-field") { $0.missingTimestamp = "now" }
    }
    func test13HeaderIsKeyEqualsValue() {
        assertUsage("--header needs KEY=VALUE (got \"novalue\")") { $0.headers = ["a=1", "novalue"] }
        assertUsage("--header needs KEY=VALUE (got \"=v\")") { $0.headers = ["=v"] }
        let job = args { $0.headers = ["a=1=2", "b="] }.job
        XCTAssertEqual(job.headers.map(\.name), ["a", "b"])
        XCTAssertEqual(job.headers.map(\.value), [Array("1=2".utf8), []])
    }
    func test14PartitionerIsOneOfLibrdkafkas() {
        assertUsage("--partitioner must be one of \(ProduceJob.partitioners.joined(separator: ", "))") { $0.partitioner = "java" }
        XCTAssertNil(args { $0.partitioner = "murmur2" }.problem())
    }
    func test15RateRange() {
        for bad in [0, 0.0009, 10_000_001, .nan] {
            assertUsage("--rate must be 0.001...10000000 lines per second") { $0.rate = bad }
        }
        XCTAssertNil(args { $0.rate = 0.001 }.problem())
        XCTAssertNil(args { $0.rate = 10_000_000 }.problem())
    }
    func test16PartitionNotNegative() {
        assertUsage("--partition must be 0 or more") { $0.partition = -1 }
        XCTAssertNil(args { $0.partition = 0 }.problem())
    }
    func test17TimeoutRange() {
        assertUsage("--timeout must be between 0 and 86400 seconds") { $0.timeoutSeconds = 0 }
        assertUsage("--timeout must be between 0 and 86400 seconds") { $0.timeoutSeconds = 86_401 }
        XCTAssertNil(args { $0.timeoutSeconds = 86_400 }.problem())
    }
    func test18MaxLineBytesRange() {
        assertUsage("--max-line-bytes must be 16...1073741824") { $0.maxLineBytes = 15 }
        assertUsage("--max-line-bytes must be 16...1073741824") { $0.maxLineBytes = (1 << 30) + 1 }
        XCTAssertNil(args { $0.maxLineBytes = 16 }.problem())
    }

    func testTheFirstBrokenRuleIsTheOneSaid() {
        // --text with --envelope is said before the bad topic name and the bad rate.
        assertUsage("--text and --envelope cannot be used together") { $0.text = true; $0.envelope = true; $0.topic = ""; $0.rate = 0 }
        XCTAssertEqual(args { $0.topic = ""; $0.rate = 0 }.problem(), .topicName(TopicName.problem("")!))
    }

    func testTheJob() {
        let job = args {
            $0.envelope = true; $0.keepPartition = true; $0.timeoutSeconds = 1.5; $0.files = ["a", "-"]
            $0.rejects = "r"; $0.report = true; $0.maxLineBytes = 100
        }.job
        XCTAssertEqual(job.mode, .envelope)
        XCTAssertTrue(job.keepPartition)
        XCTAssertEqual(job.deliveryTimeoutMs, 1500)
        XCTAssertEqual(job.sources, ["a", "-"])
        XCTAssertEqual(job.rejectsPath, "r")
        XCTAssertTrue(job.report)
        XCTAssertEqual(job.maxLineBytes, 100)
        XCTAssertEqual(args().job.sources, ["-"], "no file: stdin")
        let json = args { $0.keyField = "id"; $0.missingKey = "null"; $0.timestampField = "ts"; $0.missingTimestamp = "now"; $0.key = nil }.job
        XCTAssertEqual(json.mode, .json)
        XCTAssertTrue(json.nullKeyIfMissing)
        XCTAssertTrue(json.nowIfNoTimestamp)
        XCTAssertEqual(args { $0.key = "k" }.job.constantKey, Array("k".utf8))
        XCTAssertEqual(args { $0.text = true }.job.mode, .text)
    }
}
