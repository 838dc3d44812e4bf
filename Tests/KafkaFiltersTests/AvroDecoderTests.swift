import XCTest
@testable import KafkaCore

final class AvroDecoderTests: XCTestCase {
    func testPrimitives() throws {
        XCTAssertEqual(try Avro.decode(Avro.schema(#""null""#), []), "null")
        XCTAssertEqual(try Avro.decode(Avro.schema(#""boolean""#), [1]), "true")
        XCTAssertEqual(try Avro.decode(Avro.schema(#""boolean""#), [0]), "false")
        let int = Avro.schema(#""int""#)
        XCTAssertEqual(try Avro.decode(int, [0x00]), "0")
        XCTAssertEqual(try Avro.decode(int, [0x01]), "-1")
        XCTAssertEqual(try Avro.decode(int, [0x80, 0x01]), "64")
        XCTAssertEqual(try Avro.decode(int, Avro.long(Int64(Int32.min))), "-2147483648")
        let long = Avro.schema(#""long""#)
        XCTAssertEqual(try Avro.decode(long, Avro.long(.max)), "9223372036854775807")
        XCTAssertEqual(try Avro.decode(long, Avro.long(.min)), "-9223372036854775808")
        let float = Avro.schema(#""float""#)
        XCTAssertEqual(try Avro.decode(float, le(Float(0.1).bitPattern)), "0.1", "shortest text that reads back as the float")
        XCTAssertEqual(try Avro.decode(float, le(Float.nan.bitPattern)), #""NaN""#)
        XCTAssertEqual(try Avro.decode(float, le(Float.infinity.bitPattern)), #""Infinity""#)
        XCTAssertEqual(try Avro.decode(float, le((-Float.infinity).bitPattern)), #""-Infinity""#)
        let double = Avro.schema(#""double""#)
        XCTAssertEqual(try Avro.decode(double, le((0.1).bitPattern)), "0.1")
        XCTAssertEqual(try Avro.decode(double, le((1e300).bitPattern)), "1e+300")
        XCTAssertEqual(try Avro.decode(double, le((-0.0).bitPattern)), "-0.0")
        XCTAssertEqual(try Avro.decode(double, le(Double.leastNonzeroMagnitude.bitPattern)), "5e-324")
        XCTAssertEqual(try Avro.decode(double, le(Double.nan.bitPattern)), #""NaN""#)
        XCTAssertEqual(try Avro.decode(Avro.schema(#""string""#), Avro.string("é \"q\"\n")), #""é \"q\"\n""#)
        // Long enough for the eight-byte scan: a quote, a backslash, a control byte, non-ASCII in a word.
        for special in ["\"", "\\", "\u{1}", "é", "\u{7F}"] {
            for position in [0, 7, 8, 13, 19] {
                var text = Array("abcdefghijklmnopqrst")
                text[position] = Character(special)
                let string = String(text)
                var expected: [UInt8] = []
                JSONString.appendQuoted(string, to: &expected)
                XCTAssertEqual(try Avro.decode(Avro.schema(#""string""#), Avro.string(string)), String(decoding: expected, as: UTF8.self))
            }
        }
        XCTAssertEqual(try Avro.decode(Avro.schema(#""bytes""#), [0x08, 0x00, 0x41, 0xFF, 0x22]), "\"\\u0000A\u{FF}\\\"\"",
                       "one code point per byte")
    }

    func testComplexTypes() throws {
        let schema = Avro.schema("""
        {"type":"record","name":"R","namespace":"n","fields":[
          {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
          {"name":"a","type":{"type":"array","items":"int"}},
          {"name":"m","type":{"type":"map","values":"string"}},
          {"name":"f","type":{"type":"fixed","name":"F","size":2}},
          {"name":"u","type":["null","string","E"]}]}
        """)
        // e=B, a=[1,2] in one block, m={"k":"v"}, f=0x61 0x80, u=branch 2 (E) A
        let body: [UInt8] = [0x02, 0x04, 0x02, 0x04, 0x00, 0x02] + Avro.string("k") + Avro.string("v") + [0x00, 0x61, 0x80, 0x04, 0x00]
        XCTAssertEqual(try Avro.decode(schema, body), #"{"e":"B","a":[1,2],"m":{"k":"v"},"f":"a"# + "\u{80}" + #"","u":"A"}"#)
        XCTAssertEqual(try Avro.decode(schema, body, .avro),
                       #"{"e":"B","a":[1,2],"m":{"k":"v"},"f":"a"# + "\u{80}" + #"","u":{"n.E":"A"}}"#)
        // Blocks: a negative count is followed by the block's size; several blocks concatenate.
        let array = Avro.schema(#"{"type":"array","items":"long"}"#)
        XCTAssertEqual(try Avro.decode(array, [0x03, 0x04, 0x02, 0x04, 0x02, 0x06, 0x00]), "[1,2,3]")
        XCTAssertEqual(try Avro.decode(array, [0x00]), "[]")
        let union = Avro.schema(#"["null",{"type":"array","items":"int"},{"type":"map","values":"int"}]"#)
        XCTAssertEqual(try Avro.decode(union, [0x00], .avro), "null")
        XCTAssertEqual(try Avro.decode(union, [0x02, 0x00], .avro), #"{"array":[]}"#)
        XCTAssertEqual(try Avro.decode(union, [0x04, 0x00], .avro), #"{"map":{}}"#)
        XCTAssertEqual(try Avro.decode(union, [0x04, 0x00]), "{}")
    }

    func testLinkedListRecursion() throws {
        let schema = Avro.schema("""
        {"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}
        """)
        XCTAssertEqual(try Avro.decode(schema, [0x02, 0x02, 0x04, 0x02, 0x06, 0x00]),
                       #"{"v":1,"next":{"v":2,"next":{"v":3,"next":null}}}"#)
        XCTAssertEqual(try Avro.decode(schema, [0x02, 0x02, 0x04, 0x00], .avro), #"{"v":1,"next":{"Node":{"v":2,"next":null}}}"#)
        // A chain deeper than the limit is an error, not a stack overflow.
        let deep = [UInt8](repeating: 0, count: 0) + Array([[UInt8]](repeating: [0x02, 0x02], count: 600).joined()) + [0x02, 0x00]
        XCTAssertTrue(Avro.decodeError(schema, deep)?.reason.contains("nesting deeper than 500") ?? false)
    }

    func testLogicalTypesAreTheStoredValueExceptDecimal() throws {
        XCTAssertEqual(try Avro.decode(Avro.schema(#"{"type":"long","logicalType":"timestamp-millis"}"#), Avro.long(1_700_000_000_123)),
                       "1700000000123")
        XCTAssertEqual(try Avro.decode(Avro.schema(#"{"type":"int","logicalType":"date"}"#), Avro.long(19000)), "19000")
        XCTAssertEqual(try Avro.decode(Avro.schema(#"{"type":"string","logicalType":"uuid"}"#), Avro.string("6f1c")), #""6f1c""#)
        let decimal = Avro.schema(#"{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}"#)
        XCTAssertEqual(try Avro.decode(decimal, [0x04, 0x04, 0xD2]), #""12.34""#)
        XCTAssertEqual(try Avro.decode(decimal, [0x02, 0xFB]), #""-0.05""#)
        XCTAssertEqual(try Avro.decode(decimal, [0x00]), #""0.00""#)
        XCTAssertEqual(try Avro.decode(decimal, [0x04, 0x04, 0xD2], .avro), "\"\\u0004\u{D2}\"", "Avro's form: the bytes")
        let fixed = Avro.schema(#"{"type":"fixed","name":"D","size":16,"logicalType":"decimal","precision":38,"scale":0}"#)
        XCTAssertEqual(try Avro.decode(fixed, [0x80] + [UInt8](repeating: 0, count: 15)), #""-170141183460469231731687303715884105728""#)
        XCTAssertEqual(try Avro.decode(fixed, [0x7F] + [UInt8](repeating: 0xFF, count: 15)), #""170141183460469231731687303715884105727""#)
        let scaled = Avro.schema(#"{"type":"bytes","logicalType":"decimal","precision":30,"scale":20}"#)
        XCTAssertEqual(try Avro.decode(scaled, [0x02, 0x01]), #""0.00000000000000000001""#)
    }

    func testCorruptBodiesNameTheByte() {
        let long = Avro.schema(#""long""#)
        XCTAssertEqual(Avro.decodeError(long, []), AvroDecodeError(0, "unexpected end of the body"))
        XCTAssertEqual(Avro.decodeError(long, [0x80, 0x80]), AvroDecodeError(2, "unexpected end of the body"))
        XCTAssertEqual(Avro.decodeError(long, [UInt8](repeating: 0xFF, count: 11)), AvroDecodeError(0, "a varint longer than 64 bits"))
        XCTAssertEqual(Avro.decodeError(long, [UInt8](repeating: 0x80, count: 10) + [0x00]), AvroDecodeError(0, "a varint longer than 64 bits"))
        XCTAssertEqual(Avro.decodeError(long, [0x02, 0x00]), AvroDecodeError(1, "1 bytes after the value"))
        XCTAssertEqual(Avro.decodeError(Avro.schema(#""int""#), Avro.long(1 << 31)), AvroDecodeError(0, "an int out of the 32-bit range"))
        XCTAssertEqual(Avro.decodeError(Avro.schema(#""boolean""#), [2]), AvroDecodeError(0, "a boolean must be 0 or 1, not 2"))
        let string = Avro.schema(#""string""#)
        XCTAssertEqual(Avro.decodeError(string, [0x01]), AvroDecodeError(0, "negative length -1"))
        XCTAssertEqual(Avro.decodeError(string, [0x06, 0x41]), AvroDecodeError(0, "length 3 past the end (1 bytes left)"))
        XCTAssertEqual(Avro.decodeError(string, [0x02, 0xFF]), AvroDecodeError(0, "a string that is not UTF-8"))
        XCTAssertEqual(Avro.decodeError(Avro.schema(#"["null","int"]"#), [0x04]), AvroDecodeError(0, "union branch 2 out of range 0..<2"))
        XCTAssertEqual(Avro.decodeError(Avro.schema(#"["null","int"]"#), [0x01]), AvroDecodeError(0, "union branch -1 out of range 0..<2"))
        XCTAssertEqual(Avro.decodeError(Avro.schema(#"{"type":"enum","name":"E","symbols":["A"]}"#), [0x02]),
                       AvroDecodeError(0, "enum index 1 out of range 0..<1"))
        XCTAssertEqual(Avro.decodeError(Avro.schema(#"{"type":"fixed","name":"F","size":4}"#), [1, 2]),
                       AvroDecodeError(0, "4 bytes past the end (2 left)"))
        // Counts are bounded by the remaining bytes before anything is reserved or looped over.
        let array = Avro.schema(#"{"type":"array","items":"int"}"#)
        XCTAssertEqual(Avro.decodeError(array, Avro.long(1 << 60) + [0x00]),
                       AvroDecodeError(0, "block of 1152921504606846976 items cannot fit in the 1 bytes left"))
        XCTAssertEqual(Avro.decodeError(array, [0x03, 0x10, 0x02]), AvroDecodeError(1, "block size 8 past the end (1 bytes left)"))
        let nulls = Avro.schema(#"{"type":"array","items":"null"}"#)
        XCTAssertEqual(try Avro.decode(nulls, [0x06, 0x00]), "[null,null,null]")
        XCTAssertEqual(Avro.decodeError(nulls, Avro.long(1 << 40) + [0x00]),
                       AvroDecodeError(0, "more than 65536 items of a zero-size type"))
        let map = Avro.schema(#"{"type":"map","values":"null"}"#)
        XCTAssertEqual(Avro.decodeError(map, Avro.long(1000) + [0x00]), AvroDecodeError(0, "block of 1000 items cannot fit in the 1 bytes left"))
        let decimal = Avro.schema(#"{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}"#)
        XCTAssertEqual(Avro.decodeError(decimal, Avro.long(600) + [UInt8](repeating: 1, count: 600)),
                       AvroDecodeError(0, "a decimal of 600 bytes (at most 512)"))
    }

    /// Varints of every length (1 to 10 bytes), at the end of the body and with eight bytes or more after
    /// them (read a word at a time there), and integers of every digit count.
    func testVarintsOfEveryLengthAndIntegersOfEveryWidth() throws {
        let long = Avro.schema(#""long""#)
        let pair = Avro.schema(#"{"type":"record","name":"P","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#)
        var values: [Int64] = [0, -1, 1, 9, 10, 99, 100, .max, .min, .max - 1, .min + 1]
        for shift in stride(from: 6, through: 62, by: 7) {
            values += [1 << shift, (1 << shift) - 1, -(1 << shift), -(1 << shift) - 1]
        }
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power, power - 1, -power, 1 - power]
        }
        for value in values {
            XCTAssertEqual(try Avro.decode(long, Avro.long(value)), String(value), "\(value)")
            XCTAssertEqual(try Avro.decode(pair, Avro.long(value) + Avro.string("eight or more")),
                           #"{"a":\#(value),"b":"eight or more"}"#, "\(value)")
        }
        // A varint cut short, and one of eleven bytes, with bytes after them.
        XCTAssertEqual(Avro.decodeError(long, [0x80, 0x80]), AvroDecodeError(2, "unexpected end of the body"))
        XCTAssertEqual(Avro.decodeError(long, [UInt8](repeating: 0xFF, count: 10) + [0x01]),
                       AvroDecodeError(0, "a varint longer than 64 bits"))
    }

    private func le<T: FixedWidthInteger>(_ bits: T) -> [UInt8] { withUnsafeBytes(of: bits.littleEndian) { Array($0) } }
}
