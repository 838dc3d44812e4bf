import XCTest
@testable import KafkaCore

final class EnvelopeWriterTests: XCTestCase {
    private func line(topic: String = "t", partition: Int32 = 0, offset: Int64 = 42, timestamp: Int64? = 1_700_000_000_000,
                      key: [UInt8]? = Array("k".utf8), value: [UInt8]?, headers: [EnvelopeHeader] = []) -> String {
        var out: [UInt8] = []
        func withOptional(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Void) {
            if let bytes { bytes.withUnsafeBytes { body($0) } } else { body(nil) }
        }
        withOptional(key) { keyBuffer in
            withOptional(value) { valueBuffer in
                Envelope.append(topic: topic, partition: partition, offset: offset, timestamp: timestamp,
                                key: keyBuffer, value: valueBuffer, headers: headers, to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private let prefix = #"{"topic":"t","partition":0,"offset":42,"timestamp":1700000000000,"key":"k""#

    func testJSONValueIsEmbeddedVerbatim() {
        XCTAssertEqual(line(value: Array(#"{"a":[1,2.5e3,"x"],"b":null}"#.utf8), headers: [EnvelopeHeader(key: "h", value: Array("v".utf8))]),
                       prefix + #","headers":[{"key":"h","value":"v"}],"value":{"a":[1,2.5e3,"x"],"b":null}}"# + "\n")
        XCTAssertEqual(line(value: Array("42".utf8)), prefix + #","value":42}"# + "\n")
        XCTAssertEqual(line(value: Array(#""quoted""#.utf8)), prefix + #","value":"quoted"}"# + "\n")
        XCTAssertEqual(line(value: Array("{ \"spaced\" :\t1 }".utf8)), prefix + ",\"value\":{ \"spaced\" :\t1 }}\n")
        XCTAssertEqual(line(value: Array("true".utf8)), prefix + #","value":true}"# + "\n")
    }

    func testTextValue() {
        XCTAssertEqual(line(value: Array("hello\nworld \"q\"".utf8)),
                       prefix + #","value_encoding":"text","value":"hello\nworld \"q\""}"# + "\n")
        // JSON that cannot be embedded byte-exactly on one line is written as text.
        for notEmbeddable in ["{\"a\":\n1}", " 1", "1 ", "1\r", "[1,]", "1e400", "\u{FEFF}1", "nul", "{\"a\":1}{}"] {
            let expected = prefix + #","value_encoding":"text","value":"# + quotedJSON(notEmbeddable) + "}\n"
            XCTAssertEqual(line(value: Array(notEmbeddable.utf8)), expected, notEmbeddable.debugDescription)
        }
    }

    func testBinaryValue() {
        XCTAssertEqual(line(value: [0xFF, 0x00, 0x01]), prefix + #","value_encoding":"base64","value":"/wAB"}"# + "\n")
        XCTAssertEqual(line(value: [0x22, 0xC0, 0x80, 0x22]), prefix + #","value_encoding":"base64","value":"IsCAIg=="}"# + "\n")
    }

    func testTombstoneHasNoValue() {
        XCTAssertEqual(line(value: nil), prefix + "}\n")
    }

    func testLiteralNullPayloadIsText() {
        XCTAssertEqual(line(value: Array("null".utf8)), prefix + #","value_encoding":"text","value":"null"}"# + "\n")
        // Only the exact document `null` is special; null inside JSON is embedded.
        XCTAssertEqual(line(value: Array("[null]".utf8)), prefix + #","value":[null]}"# + "\n")
    }

    func testEmptyPayloadIsEmptyText() {
        XCTAssertEqual(line(value: []), prefix + #","value_encoding":"text","value":""}"# + "\n")
    }

    func testKeys() {
        let head = #"{"topic":"t","partition":0,"offset":42,"timestamp":1700000000000"#
        XCTAssertEqual(line(key: [0xC0], value: nil), head + #","key":"wA==","key_encoding":"base64"}"# + "\n")
        XCTAssertEqual(line(key: nil, value: nil), head + "}\n")
        XCTAssertEqual(line(key: [], value: nil), head + #","key":""}"# + "\n")
        XCTAssertEqual(line(key: Array("é\u{1}".utf8), value: nil), head + #","key":"é\u0001"}"# + "\n")
    }

    func testHeadersInOrderWithDuplicatesNullAndBinary() {
        let headers = [
            EnvelopeHeader(key: "h", value: Array("1".utf8)),
            EnvelopeHeader(key: "h", value: Array("2".utf8)),
            EnvelopeHeader(key: "n", value: nil),
            EnvelopeHeader(key: "b", value: [0xFF]),
            EnvelopeHeader(key: "e", value: []),
            EnvelopeHeader(key: "q\"\n", value: Array("x\ty".utf8)),
        ]
        XCTAssertEqual(line(value: Array("1".utf8), headers: headers),
                       prefix + #","headers":[{"key":"h","value":"1"},{"key":"h","value":"2"},{"key":"n","value":null},"#
                           + #"{"key":"b","value":"/w==","encoding":"base64"},{"key":"e","value":""},{"key":"q\"\n","value":"x\ty"}],"#
                           + #""value":1}"# + "\n")
    }

    func testTimestampOmittedWhenUnknown() {
        let head = #"{"topic":"t","partition":0,"offset":42,"key":"k","value":1}"# + "\n"
        XCTAssertEqual(line(timestamp: nil, value: Array("1".utf8)), head)
        XCTAssertEqual(line(timestamp: -1, value: Array("1".utf8)), head)
        XCTAssertEqual(line(timestamp: 0, value: Array("1".utf8)),
                       #"{"topic":"t","partition":0,"offset":42,"timestamp":0,"key":"k","value":1}"# + "\n")
    }

    func testIntegersAndTopicEscaping() {
        XCTAssertEqual(line(topic: "we\"ird", partition: -1, offset: Int64.min, timestamp: Int64.max, key: nil, value: nil),
                       #"{"topic":"we\"ird","partition":-1,"offset":-9223372036854775808,"timestamp":9223372036854775807}"# + "\n")
        XCTAssertEqual(line(partition: Int32.max, offset: 0, key: nil, value: nil),
                       #"{"topic":"t","partition":2147483647,"offset":0,"timestamp":1700000000000}"# + "\n")
    }

    func testDeepJSONValueStaysValidOnceWrapped() {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        let embeddable = line(value: Array(nested(511).utf8))
        XCTAssertTrue(embeddable.hasSuffix(#","value":"# + nested(511) + "}\n"))
        let tooDeep = line(value: Array(nested(512).utf8))
        XCTAssertTrue(tooDeep.contains(#""value_encoding":"text""#))
        for text in [embeddable, tooDeep] {
            XCTAssertNil(JSONTestBytes.validate(Array(text.utf8)))
        }
    }

    func testAppendsToExistingBuffer() {
        var out = Array("previous\n".utf8)
        Envelope.append(topic: "t", partition: 1, offset: 2, timestamp: nil, key: nil, value: nil, headers: [], to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "previous\n" + #"{"topic":"t","partition":1,"offset":2}"# + "\n")
    }

    func testValueLine() throws {
        func valueLine(_ bytes: [UInt8]?) throws -> String {
            var out = Array(">".utf8)
            if let bytes {
                try bytes.withUnsafeBytes { try Envelope.appendValueLine($0, to: &out) }
            } else {
                try Envelope.appendValueLine(nil, to: &out)
            }
            return String(decoding: out, as: UTF8.self)
        }
        XCTAssertEqual(try valueLine(Array(#"{"a":1}"#.utf8)), ">{\"a\":1}\n")
        XCTAssertEqual(try valueLine(Array("plain text é".utf8)), ">plain text é\n")
        XCTAssertEqual(try valueLine(Array(" null ".utf8)), "> null \n")
        XCTAssertEqual(try valueLine([]), ">\n")
        for bad: [UInt8] in [Array("a\nb".utf8), Array("a\r".utf8), Array("{\n}".utf8), [0xFF], [0x61, 0xC3]] {
            var out: [UInt8] = []
            XCTAssertThrowsError(try bad.withUnsafeBytes { try Envelope.appendValueLine($0, to: &out) }) { XCTAssertEqual($0 as? Envelope.ValueLineError, .notOneLine) }
            XCTAssertEqual(out, [], "nothing appended on error")
        }
        XCTAssertThrowsError(try valueLine(nil)) { XCTAssertEqual($0 as? Envelope.ValueLineError, .tombstone) }
    }

    private func quotedJSON(_ text: String) -> String {
        var out: [UInt8] = []
        JSONString.appendQuoted(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
