import XCTest
@testable import KafkaCore

/// The encoder's one-pass fast path (`AvroFastEncoder`) against the general walk: for every value it
/// takes, the same bytes as the walk gives for the same value in a record whose members come out of the
/// schema's order (which only the walk takes); and the shapes it must leave to the walk, left.
final class AvroFastEncoderTests: XCTestCase {
    /// The fast path alone: its bytes, or nil when it leaves the value to the general walk.
    func fast(_ schema: AvroSchema, _ json: String, _ form: AvroJSONForm = .natural) -> [UInt8]? {
        var out: [UInt8] = []
        let bytes = Array(json.utf8)
        let taken = bytes.withUnsafeBufferPointer { text in
            schema.program.withPointers { ops, links, program in
                AvroOutput.with(&out) { output in
                    var fast = AvroFastEncoder(text.baseAddress!, text.count,
                                               program: AvroJSONWalk.Program(ops: ops, links: links, text: program),
                                               natural: form == .natural)
                    return fast.document(schema.root, to: &output)
                }
            }
        }
        return taken ? out : nil
    }

    func testFastPathGivesTheWalksBytes() throws {
        let cases: [(type: String, value: String, form: AvroJSONForm)] = [
            (#""long""#, "-1234567890123", .natural),
            (#""long""#, "123456789012345678", .natural),
            (#""long""#, "-99999999", .natural),
            (#""long""#, "10000000", .natural),
            (#""int""#, "0", .natural),
            (#""int""#, "-0", .natural),
            (#""boolean""#, "false", .natural),
            (#""double""#, "19.99", .natural),
            (#""double""#, "-0.0", .natural),
            (#""float""#, "3.25", .natural),
            (#""string""#, #""plain text longer than eight bytes""#, .natural),
            (#""string""#, #""a\"b\\c\/d\b\f\n\r\t\u00e9\u20ACé€😀""#, .natural),
            (#""string""#, #""""#, .natural),
            (#""bytes""#, #""\u0000A\u00ffÿ\u0017m""#, .avro),
            (#""bytes""#, #""""#, .avro),
            (#"{"type":"fixed","name":"F","size":3}"#, #""\u0080é\n""#, .natural),
            (#"{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}"#, #""-59.97""#, .natural),
            (#"{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}"#, "59.9", .natural),
            (#"{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9,"scale":3}"#, #""1.5""#, .natural),
            (#"{"type":"enum","name":"E","symbols":["NEW","PAID"]}"#, #""PAID""#, .natural),
            (#"{"type":"array","items":"string"}"#, #"[ "gift" , "express\n" ]"#, .natural),
            (#"{"type":"array","items":"int"}"#, "[ ]", .natural),
            (#"{"type":"map","values":"long"}"#, #"{ "a\u00e9" : 1, "b": -2 }"#, .natural),
            (#"{"type":"map","values":"long"}"#, "{}", .natural),
            (#"["null","string"]"#, "null", .natural),
            (#"["null","string"]"#, #""x""#, .natural),
            (#"["string","null"]"#, #"{ "string" : "x" }"#, .avro),
            (#"["null","long"]"#, #"{"null":null}"#, .avro),
            (#"["null","long"]"#, "null", .avro),
            (#"{"type":"record","name":"In","fields":[{"name":"x","type":"int"},{"name":"y","type":"string"}]}"#,
             "{\n\t\"x\" : 7 ,\r\n \"y\" : \"z\" }", .natural),
        ]
        for (type, value, form) in cases {
            let schema = Avro.schema(#"{"type":"record","name":"R","fields":[{"name":"a","type":"# + type
                                     + #"},{"name":"b","type":"int"}]}"#)
            let inOrder = #" {"a": "# + value + #", "b": 1} "#
            let outOfOrder = #"{"b":1,"a":"# + value + "}"
            XCTAssertNil(fast(schema, outOfOrder, form), "\(type) \(value): members out of order are the walk's")
            let walk = try Avro.encode(schema, outOfOrder, form)
            XCTAssertEqual(fast(schema, inOrder, form), walk, "\(type) \(value)")
            XCTAssertEqual(try Avro.encode(schema, inOrder, form), walk, "\(type) \(value)")
        }
    }

    /// Strings are copied a word at a time as they are scanned when short (under 64 bytes) and plain:
    /// every length from 0 to 80, plain and with an escape, a non-ASCII letter or a raw control character
    /// at the start, in the middle and at the end, at the end of the input and inside a record with members
    /// after it, after output that nearly fills the codec's 512-byte buffer. The fast path's bytes must
    /// be the walk's (made to decide by a record's members out of order), and what is not JSON must be
    /// left to the walk.
    func testStringsOfEveryLengthAndStopByte() throws {
        let schema = Avro.schema(#"{"type":"record","name":"R","fields":[{"name":"pad","type":"string"},{"name":"s","type":"string"},{"name":"b","type":"int"}]}"#)
        let alone = Avro.schema(#"{"type":"record","name":"S","fields":[{"name":"s","type":"string"},{"name":"b","type":"int"}]}"#)
        let top = Avro.schema(#""string""#)
        for length in 0...80 {
            let plain = String(repeating: "abcdefghij", count: 9).prefix(length)
            var variants = [String(plain)]
            for at in Set([0, length / 2, max(length - 1, 0)]) where length > 0 {
                for insert in [#"\""#, #"\n"#, "é", #"\u0041"#] {
                    var s = Array(plain).map(String.init)
                    s[at] = insert
                    variants.append(s.joined())
                }
            }
            for value in variants {
                for pad in [0, 400, 440, 445, 446, 447, 448, 500] {
                    let padding = String(repeating: "p", count: pad)
                    let json = #"{"pad":""# + padding + #"","s":""# + value + #"","b":1}"#
                    let outOfOrder = #"{"b":1,"pad":""# + padding + #"","s":""# + value + #""}"#
                    XCTAssertNil(fast(schema, outOfOrder))
                    XCTAssertEqual(fast(schema, json), try Avro.encode(schema, outOfOrder), "length \(length) pad \(pad): \(value)")
                }
                // The string alone: the walk's bytes of {"s": …, "b": 1} without b's.
                let walk = try Avro.encode(alone, #"{"b":1,"s":""# + value + #""}"#)
                XCTAssertEqual(fast(top, "\"" + value + "\""), Array(walk.dropLast()), value)
            }
            // A raw control character is not JSON: left to the walk (which names it).
            if length > 0 {
                XCTAssertNil(fast(schema, #"{"pad":"","s":""# + plain.dropLast() + "\u{01}" + #"","b":1}"#), "length \(length)")
            }
            // An unterminated string at the end of the input.
            XCTAssertNil(fast(top, "\"" + plain), "length \(length)")
        }
    }

    /// What the fast path must not take: the walk decides (a different branch, a default, an error).
    func testFastPathLeavesTheRestToTheWalk() {
        let left: [(type: String, value: String, form: AvroJSONForm)] = [
            (#""int""#, "2147483648", .natural),           // out of range: an error
            (#""long""#, "1.0", .natural),                 // not an integer as written
            (#""long""#, "01", .natural),                  // not JSON
            (#""double""#, "1e5", .natural),               // exponents: the walk checks their range
            (#""double""#, #""NaN""#, .natural),
            (#""string""#, #""\ud83d\ude00""#, .natural), // surrogate pairs
            (#""string""#, "\"a\u{01}\"", .natural),        // a raw control character: not JSON
            (#""bytes""#, #""Ā""#, .avro),                 // above U+00FF
            (#"{"type":"fixed","name":"F","size":2}"#, #""abc""#, .natural),
            (#"{"type":"enum","name":"E","symbols":["A"]}"#, #""B""#, .natural),
            (#"["null","string"]"#, #"{"string":"x"}"#, .natural),   // may be the wrapped form
            (#"["int","long"]"#, "5", .natural),           // two branches take a number
            (#"["null","string"]"#, #""x""#, .avro),       // the Avro form wants {"branch": value}
            (#"{"type":"array","items":"int"}"#, "[1,]", .natural),
            (#"{"type":"map","values":"int"}"#, #"{"a" 1}"#, .natural),
        ]
        for (type, value, form) in left {
            let schema = Avro.schema(#"{"type":"record","name":"R","fields":[{"name":"a","type":"# + type
                                     + #"},{"name":"b","type":"int"}]}"#)
            XCTAssertNil(fast(schema, #"{"a": "# + value + #", "b": 1}"#, form), "\(type) \(value)")
        }
        let schema = Avro.schema(#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":3},{"name":"b","type":"int"}]}"#)
        XCTAssertNil(fast(schema, #"{"b": 1}"#), "a missing member takes its default in the walk")
        XCTAssertNil(fast(schema, #"{"a": 1, "b": 1, "c": 2}"#), "an unknown member is the walk's error")
        XCTAssertNil(fast(schema, #"{"a": 1, "b": 1} x"#), "trailing bytes are the walk's error")
        XCTAssertEqual(try Avro.encode(schema, #"{"b": 1}"#), [0x06, 0x02])
    }
}
