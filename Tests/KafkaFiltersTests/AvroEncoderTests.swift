import XCTest
@testable import KafkaCore

final class AvroEncoderTests: XCTestCase {
    let person = Avro.schema("""
    {"type":"record","name":"Person","namespace":"com.acme","fields":[
      {"name":"name","type":"string"},
      {"name":"age","type":["null","int"],"default":null},
      {"name":"address","type":["null",{"type":"record","name":"Address","fields":[
         {"name":"street","type":"string","default":"?"},{"name":"zip","type":["int","null"]}]}]},
      {"name":"items","type":{"type":"array","items":"long"},"default":[]},
      {"name":"tags","type":{"type":"map","values":"boolean"},"default":{}}]}
    """)

    func testPrimitivesRoundTrip() throws {
        let cases: [(String, String, [UInt8])] = [
            (#""null""#, "null", []),
            (#""boolean""#, "true", [1]),
            (#""int""#, "-2147483648", Avro.long(Int64(Int32.min))),
            (#""long""#, "9223372036854775807", Avro.long(.max)),
            (#""long""#, "-9223372036854775808", Avro.long(.min)),
            (#""float""#, "0.1", withUnsafeBytes(of: Float(0.1).bitPattern.littleEndian) { Array($0) }),
            (#""float""#, #""-Infinity""#, withUnsafeBytes(of: (-Float.infinity).bitPattern.littleEndian) { Array($0) }),
            (#""double""#, "1e-7", withUnsafeBytes(of: (1e-7).bitPattern.littleEndian) { Array($0) }),
            (#""double""#, #""Infinity""#, withUnsafeBytes(of: Double.infinity.bitPattern.littleEndian) { Array($0) }),
            (#""string""#, #""a\u00e9\n""#, Avro.string("aé\n")),
            (#""bytes""#, "\"\\u0000A\u{FF}\"", [0x06, 0x00, 0x41, 0xFF]),
            (#"{"type":"fixed","name":"F","size":2}"#, "\"\u{80}\\u0001\"", [0x80, 0x01]),
            (#"{"type":"enum","name":"E","symbols":["A","B"]}"#, #""B""#, [0x02]),
            (#"{"type":"array","items":"int"}"#, "[1, 2]", [0x04, 0x02, 0x04, 0x00]),
            (#"{"type":"map","values":"int"}"#, #"{"a":1}"#, [0x02] + Avro.string("a") + [0x02, 0x00]),
        ]
        for (schemaText, json, bytes) in cases {
            let schema = Avro.schema(schemaText)
            XCTAssertEqual(try Avro.encode(schema, json), bytes, "\(schemaText) \(json)")
        }
        let nan = try Avro.encode(Avro.schema(#""double""#), #""NaN""#)
        XCTAssertTrue(Double(bitPattern: nan.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }).isNaN)
    }

    func testRecordsDefaultsAndNaturalUnions() throws {
        let bytes = try Avro.encode(person, #"{"name":"Al","address":{"zip":12}}"#)
        XCTAssertEqual(bytes, Avro.string("Al") + [0x00, 0x02] + Avro.string("?") + [0x00, 0x18, 0x00, 0x00])
        XCTAssertEqual(try Avro.decode(person, bytes), #"{"name":"Al","age":null,"address":{"street":"?","zip":12},"items":[],"tags":{}}"#)
        // Members in any order; the Avro form's wrapped unions are taken too.
        XCTAssertEqual(try Avro.encode(person, #"{"address":{"com.acme.Address":{"zip":{"int":12}}},"name":"Al"}"#), bytes)
        XCTAssertEqual(try Avro.encode(person, #"{"address":{"com.acme.Address":{"zip":{"int":12},"street":"?"}},"name":"Al","age":null}"#, .avro), bytes)
        // The Avro form needs the wrapping.
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":{"zip":12}}"#, .avro),
                       #"$.address: expected {"branch": value} for record com.acme.Address or null, got an object"#)
        // First branch that takes the value, in the union's order.
        let numbers = Avro.schema(#"["null","int","long","double","string"]"#)
        XCTAssertEqual(try Avro.encode(numbers, "5"), [0x02, 0x0A])
        XCTAssertEqual(try Avro.encode(numbers, "5000000000"), [0x04] + Avro.long(5_000_000_000))
        XCTAssertEqual(try Avro.encode(numbers, "0.5"), [0x06] + withUnsafeBytes(of: (0.5).bitPattern.littleEndian) { Array($0) })
        XCTAssertEqual(try Avro.encode(numbers, #""NaN""#).first, 0x06, "a NaN string goes to the double")
        XCTAssertEqual(try Avro.encode(numbers, #""x""#), [0x08] + Avro.string("x"))
        XCTAssertEqual(try Avro.encode(numbers, #"{"string":"5"}"#), [0x08] + Avro.string("5"))
        let floats = Avro.schema(#"["float","double"]"#)
        XCTAssertEqual(try Avro.encode(floats, "0.1").first, 0x02, "the double keeps 0.1")
        XCTAssertEqual(try Avro.encode(floats, "9007199254740992.0").first, 0x02, "and 2^53, which a float holds but prints as 9.007199e+15")
        XCTAssertEqual(try Avro.encode(floats, #""NaN""#).first, 0x00, "a string: the first branch that takes it")
        let doubleFirst = Avro.schema(#"["null","double","long"]"#)
        XCTAssertEqual(try Avro.encode(doubleFirst, "5"), [0x04, 0x0A], "an integer to the long, though the double comes first")
        XCTAssertEqual(try Avro.encode(doubleFirst, "5.0").first, 0x02)
        XCTAssertEqual(try Avro.encode(doubleFirst, "1e2").first, 0x02)
        let records = Avro.schema("""
        [{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]},
         {"type":"record","name":"B","fields":[{"name":"b","type":"int"}]}]
        """)
        XCTAssertEqual(try Avro.encode(records, #"{"b":1}"#), [0x02, 0x02], "the first record whose fields fit")
        XCTAssertEqual(Avro.encodeError(records, #"{"c":1}"#), "$: expected record A or record B, got an object")
        let mapFirst = Avro.schema(#"["null",{"type":"map","values":"double"},{"type":"record","name":"R","fields":[{"name":"n","type":"int"}]}]"#)
        XCTAssertEqual(try Avro.encode(mapFirst, #"{"n":5}"#), [0x04, 0x0A], "a record before a map, whatever the order")
        XCTAssertEqual(try Avro.encode(mapFirst, #"{"m":5}"#).first, 0x02, "the map when the record does not fit")
        // A map branch next to a record branch: the wrapped reading wins only when it fits.
        let mapOrString = Avro.schema(#"["string",{"type":"map","values":"int"}]"#)
        XCTAssertEqual(try Avro.encode(mapOrString, #"{"string":1}"#), [0x02, 0x02] + Avro.string("string") + [0x02, 0x00])
    }

    func testLinkedListRoundTrip() throws {
        let schema = Avro.schema("""
        {"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}
        """)
        let json = #"{"v":1,"next":{"v":2,"next":{"v":3,"next":null}}}"#
        let bytes = try Avro.encode(schema, json)
        XCTAssertEqual(bytes, [0x02, 0x02, 0x04, 0x02, 0x06, 0x00])
        XCTAssertEqual(try Avro.decode(schema, bytes), json)
        XCTAssertEqual(try Avro.encode(schema, try Avro.decode(schema, bytes, .avro), .avro), bytes)
        XCTAssertEqual(Avro.encodeError(schema, #"{"v":1,"next":{"v":2,"next":{"v":"x","next":null}}}"#),
                       #"$.next.next.v: expected int, got "x""#)
    }

    func testAvroFormAndEscapedNames() throws {
        let schema = Avro.schema("""
        {"type":"record","name":"R","fields":[
          {"name":"u","type":["null","int",{"type":"enum","name":"a.E","symbols":["X","Y"]}]},
          {"name":"m","type":{"type":"map","values":"int"}},
          {"name":"d","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
          {"name":"e","type":"a.E","default":"Y"}]}
        """)
        let duration = #""\u0001\u0000\u0000\u0000\u0002\u0000\u0000\u0000\u0003\u0000\u0000\u0000""#
        let bytes = try Avro.encode(schema, #"{"u":{"a.E":"X"},"m":{"a\"b":1},"d":"# + duration + "}", .avro)
        XCTAssertEqual(bytes, [0x04, 0x00, 0x02, 0x06, 0x61, 0x22, 0x62, 0x02, 0x00, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0x02])
        XCTAssertEqual(try Avro.decode(schema, bytes, .avro), #"{"u":{"a.E":"X"},"m":{"a\"b":1},"d":"# + duration + #","e":"Y"}"#)
        XCTAssertEqual(try Avro.decode(schema, bytes), #"{"u":"X","m":{"a\"b":1},"d":"# + duration + #","e":"Y"}"#)
        XCTAssertEqual(try Avro.encode(schema, #"{"u":"X","m":{"a\"b":1},"d":"# + duration + "}"), bytes,
                       "the natural form: the default for e, the enum found by its symbol")
        XCTAssertEqual(Avro.encodeError(schema, #"{"u":{"int":"x"},"m":{},"d":""}"#, .avro), #"$.u.int: expected int, got "x""#)
        XCTAssertEqual(Avro.encodeError(schema, #"{"u":{"long":1},"m":{},"d":""}"#, .avro),
                       #"$.u: expected {"branch": value} for int, enum a.E or null, got an object"#)
        XCTAssertEqual(Avro.encodeError(schema, #"{"u":null,"m":{"k\n":"1"},"d":""}"#), #"$.m["k\n"]: expected int, got "1""#)
        // Invalid JSON is named as such, even inside a union that would otherwise say what it expected.
        XCTAssertEqual(Avro.encodeError(schema, #"{"u":{"a":1,"b":tru},"m":{},"d":""}"#), "$: invalid JSON at byte 19: unexpected '}'")
        XCTAssertEqual(Avro.encodeError(schema, #"{"u":null,"m":{},"d":"", "e":"X"} x"#), "$: invalid JSON at byte 34: data after the JSON value")
        XCTAssertEqual(Avro.encodeError(Avro.schema(#""int""#), "  "), "$: invalid JSON at byte 2: empty input")
    }

    func testDecimals() throws {
        let decimal = Avro.schema(#"{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}"#)
        XCTAssertEqual(try Avro.encode(decimal, #""12.34""#), [0x04, 0x04, 0xD2])
        XCTAssertEqual(try Avro.encode(decimal, #""12.3""#), [0x04, 0x04, 0xCE])
        XCTAssertEqual(try Avro.encode(decimal, "12.340"), [0x04, 0x04, 0xD2], "a number without exponent, trailing zeros")
        XCTAssertEqual(try Avro.encode(decimal, #""-0.05""#), [0x02, 0xFB])
        XCTAssertEqual(try Avro.encode(decimal, #""-1.28""#), [0x04, 0xFF, 0x80], "as fastavro: (bit length + 8) / 8 bytes")
        XCTAssertEqual(try Avro.encode(decimal, #""0""#), [0x02, 0x00])
        XCTAssertEqual(try Avro.encode(decimal, "\"\\u0004\u{D2}\"", .avro), [0x04, 0x04, 0xD2])
        XCTAssertEqual(Avro.encodeError(decimal, #""12.345""#), #"$: more than 2 fraction digits (decimal scale 2): "12.345""#)
        XCTAssertEqual(Avro.encodeError(decimal, #""12345.6""#), #"$: more than 6 digits (decimal precision 6): "12345.6""#)
        XCTAssertEqual(Avro.encodeError(decimal, #""1e3""#), #"$: expected a decimal string such as "12.34", got "1e3""#)
        let fixed = Avro.schema(#"{"type":"fixed","name":"D","size":2,"logicalType":"decimal","precision":4,"scale":0}"#)
        XCTAssertEqual(try Avro.encode(fixed, #""-1""#), [0xFF, 0xFF])
        XCTAssertEqual(try Avro.encode(fixed, #""9999""#), [0x27, 0x0F])
        for text in ["\"12.34\"", "\"-0.05\"", "\"0.00\"", "\"-9999.99\""] {
            XCTAssertEqual(try Avro.decode(decimal, try Avro.encode(decimal, text)), text)
        }
    }

    func testErrorsNameThePathAndTheExpectation() {
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":{"zip":"x"}}"#), #"$.address.zip: expected int or null, got "x""#)
        XCTAssertEqual(Avro.encodeError(person, #"{"age":3}"#), "$.name: missing (no default)")
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":null,"items":[1,2,3,"4"]}"#), #"$.items[3]: expected long, got "4""#)
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":null,"items":[1.5]}"#), "$.items[0]: expected long, got 1.5")
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":null,"tags":{"ok":1}}"#), "$.tags.ok: expected boolean, got 1")
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":null,"tags":{"a b":1}}"#), #"$.tags["a b"]: expected boolean, got 1"#)
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":null,"nmae":1}"#), "$.nmae: not a field of record com.acme.Person")
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","name":"B","address":null}"#), "$.name: member given twice")
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"Al","address":null,"age":3000000000}"#),
                       "$.age: expected int or null, got 3000000000")
        XCTAssertEqual(Avro.encodeError(person, "[1]"), "$: expected record com.acme.Person, got an array")
        XCTAssertEqual(Avro.encodeError(person, #"{"name":"#), "$: invalid JSON at byte 8: unexpected end of input")
        let int = Avro.schema(#""int""#)
        XCTAssertEqual(Avro.encodeError(int, "2147483648"), "$: expected int, got 2147483648 (out of the 32-bit range)")
        XCTAssertEqual(Avro.encodeError(int, "1e2"), "$: expected int, got 1e2")
        XCTAssertEqual(Avro.encodeError(Avro.schema(#""long""#), "9223372036854775808"), "$: expected long, got 9223372036854775808")
        XCTAssertEqual(Avro.encodeError(Avro.schema(#""float""#), "1e39"), "$: expected float, got 1e39 (out of the float range)")
        XCTAssertEqual(Avro.encodeError(Avro.schema(#""double""#), #""nan""#), #"$: expected double, got "nan""#)
        XCTAssertEqual(Avro.encodeError(Avro.schema(#""bytes""#), #""\u0100""#),
                       #"$: expected bytes as code points U+0000–U+00FF, got "\u0100""#)
        XCTAssertEqual(Avro.encodeError(Avro.schema(#"{"type":"fixed","name":"F","size":2}"#), #""abc""#),
                       "$: expected F (fixed, 2 bytes), got 3 bytes")
        XCTAssertEqual(Avro.encodeError(Avro.schema(#"{"type":"enum","name":"E","symbols":["A","B"]}"#), #""C""#),
                       #"$: expected a symbol of E (A, B), got "C""#)
        XCTAssertEqual(Avro.encodeError(Avro.schema(#""string""#), String(repeating: "9", count: 50)),
                       "$: expected string, got " + String(repeating: "9", count: 40) + "…")
    }
}
