import XCTest
@testable import KafkaCore

final class EnvelopeReaderTests: XCTestCase {
    private func decode(_ text: String) throws -> EnvelopeRecord {
        try Array(text.utf8).withUnsafeBytes { try Envelope.decode($0) }
    }

    private func error(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return (error as? EnvelopeError)?.description ?? "unexpected error type: \(error)"
        }
    }

    func testFullRecord() throws {
        let record = try decode(#"{"topic":"t","partition":3,"offset":42,"timestamp":1700000000000,"key":"k","#
            + #""headers":[{"key":"h","value":"v"},{"key":"h","value":null},{"key":"b","value":"/w==","encoding":"base64"},{"key":"m"}],"#
            + #""value":{"a": [1, 2]}}"# + "\r\n")
        XCTAssertEqual(record, EnvelopeRecord(
            topic: "t", partition: 3, offset: 42, timestamp: 1_700_000_000_000, key: Array("k".utf8),
            value: Array(#"{"a": [1, 2]}"#.utf8),
            headers: [EnvelopeHeader(key: "h", value: Array("v".utf8)), EnvelopeHeader(key: "h", value: nil),
                      EnvelopeHeader(key: "b", value: [0xFF]), EnvelopeHeader(key: "m", value: nil)]))
    }

    func testMinimalAndTombstones() throws {
        XCTAssertEqual(try decode("{}"), EnvelopeRecord())
        XCTAssertEqual(try decode(#"{"value":null}"#), EnvelopeRecord())
        XCTAssertEqual(try decode(#"{"value":null,"value_encoding":"base64"}"#), EnvelopeRecord())
        XCTAssertEqual(try decode(#"{"key":null,"topic":null,"partition":null,"headers":null}"#), EnvelopeRecord())
    }

    func testValueEncodings() throws {
        XCTAssertEqual(try decode(#"{"value":"abc"}"#).value, Array(#""abc""#.utf8), "raw JSON keeps its quotes")
        XCTAssertEqual(try decode(#"{"value_encoding":"text","value":"a\nb\u00e9"}"#).value, Array("a\nbé".utf8))
        XCTAssertEqual(try decode(#"{"value":"null","value_encoding":"text"}"#).value, Array("null".utf8))
        XCTAssertEqual(try decode(#"{"value_encoding":"text","value":""}"#).value, [])
        XCTAssertEqual(try decode(#"{"value_encoding":"base64","value":"/wAB"}"#).value, [0xFF, 0x00, 0x01])
        XCTAssertEqual(try decode(#"{"value_encoding":"base64","value":""}"#).value, [])
        XCTAssertEqual(try decode(#"{"value" : -1.5e3 }"#).value, Array("-1.5e3".utf8))
        XCTAssertEqual(try decode(#"{"\u0076alue":true}"#).value, Array("true".utf8), "escaped member names match")
    }

    func testKeys() throws {
        XCTAssertEqual(try decode(#"{"key":"k\u00e9"}"#).key, Array("ké".utf8))
        XCTAssertEqual(try decode(#"{"key":"wA==","key_encoding":"base64"}"#).key, [0xC0])
        XCTAssertEqual(try decode(#"{"key_encoding":"base64","key":null}"#).key, nil)
        XCTAssertEqual(try decode(#"{"key":"x","key_encoding":"text"}"#).key, Array("x".utf8))
        XCTAssertEqual(try decode(#"{"key":""}"#).key, [])
    }

    func testUnknownMembersAreIgnored() throws {
        XCTAssertEqual(try decode(#"{"extra":{"value":1,"value":2},"x":[1],"value":5,"keys":"no"}"#),
                       EnvelopeRecord(value: Array("5".utf8)))
    }

    func testIntegers() throws {
        XCTAssertEqual(try decode(#"{"partition":-1,"offset":-9223372036854775808,"timestamp":9223372036854775807}"#),
                       EnvelopeRecord(partition: -1, offset: Int64.min, timestamp: Int64.max))
        XCTAssertEqual(try decode(#"{"partition":2147483647,"offset":9223372036854775807,"timestamp":0}"#),
                       EnvelopeRecord(partition: Int32.max, offset: Int64.max, timestamp: 0))
        XCTAssertEqual(try decode(#"{"partition":-0}"#).partition, 0)
    }

    func testErrors() {
        let cases: [(String, String)] = [
            (#"{"value":1,"value":2}"#, #"duplicate member "value""#),
            (#"{"key":"a","k\u0065y":"b"}"#, #"duplicate member "key""#),
            (#"{"key_encoding":"hex","key":"00"}"#, #"member "key_encoding": unknown encoding "hex""#),
            (#"{"value_encoding":"Base64","value":"AA=="}"#, #"member "value_encoding": unknown encoding "Base64""#),
            (#"{"value_encoding":"x\u0000\"y","value":""}"#, #"member "value_encoding": unknown encoding "x\x00\x22y""#),
            (#"{"value_encoding":1,"value":""}"#, #"member "value_encoding" must be a string"#),
            (#"{"partition":1.0}"#, #"member "partition" must be an integer"#),
            (#"{"partition":"1"}"#, #"member "partition" must be an integer"#),
            (#"{"partition":1e2}"#, #"member "partition" must be an integer"#),
            (#"{"partition":-2}"#, #"member "partition" is out of range (-1...2147483647)"#),
            (#"{"partition":2147483648}"#, #"member "partition" is out of range (-1...2147483647)"#),
            (#"{"offset":9223372036854775808}"#, #"member "offset" is out of range (-9223372036854775808...9223372036854775807)"#),
            (#"{"offset":-9223372036854775809}"#, #"member "offset" is out of range (-9223372036854775808...9223372036854775807)"#),
            (#"{"timestamp":-1}"#, #"member "timestamp" is out of range (0...9223372036854775807)"#),
            (#"{"timestamp":true}"#, #"member "timestamp" must be an integer"#),
            (#"{"topic":1}"#, #"member "topic" must be a string"#),
            (#"{"key":1}"#, #"member "key" must be a string or null"#),
            (#"{"key":"!!","key_encoding":"base64"}"#, #"bad base64 in "key""#),
            (#"{"value_encoding":"base64","value":"Zh=="}"#, #"bad base64 in "value""#),
            (#"{"value_encoding":"text","value":1}"#, #"member "value" must be a string when value_encoding is "text""#),
            (#"{"value_encoding":"base64","value":[]}"#, #"member "value" must be a string when value_encoding is "base64""#),
            (#"{"headers":{}}"#, #"member "headers" must be an array"#),
            (#"{"headers":[1]}"#, "header 0 must be an object"),
            (#"{"headers":[{"key":"a"},{"value":"v"}]}"#, #"header 1: missing member "key""#),
            (#"{"headers":[{"key":1}]}"#, #"header 0: member "key" must be a string"#),
            (#"{"headers":[{"key":"a","key":"b"}]}"#, #"header 0: duplicate member "key""#),
            (#"{"headers":[{"key":"a","value":1}]}"#, #"header 0: member "value" must be a string or null"#),
            (#"{"headers":[{"key":"a","value":"x","encoding":"hex"}]}"#, #"header 0: member "encoding": unknown encoding "hex""#),
            (#"{"headers":[{"key":"a","value":"!","encoding":"base64"}]}"#, #"bad base64 in header 0 "value""#),
            ("[1]", "envelope must be a JSON object"),
            ("\"x\"", "envelope must be a JSON object"),
            ("", "invalid JSON at byte 0: empty input"),
            ("{\"value\":1,}", "invalid JSON at byte 11: unexpected '}'"),
            ("{\"value\":1} {}", "invalid JSON at byte 12: data after the JSON value"),
            ("{\"value\":\"\\ud800\"}", "invalid JSON at byte 10: unpaired UTF-16 surrogate escape"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(error(text), message, text)
        }
        let long = #"{"key_encoding":""# + String(repeating: "z", count: 100) + #"","key":""}"#
        XCTAssertEqual(error(long), #"member "key_encoding": unknown encoding ""# + String(repeating: "z", count: 32) + "…\"")
    }
}
