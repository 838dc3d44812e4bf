import XCTest
@testable import KafkaCore

final class AvroSchemaTests: XCTestCase {
    func testPrimitivesAsNamesAndObjects() {
        for name in ["null", "boolean", "int", "long", "float", "double", "bytes", "string"] {
            let bare = Avro.schema("\"\(name)\"")
            let object = Avro.schema("{\"type\": \"\(name)\"}")
            XCTAssertEqual(bare.nodes[bare.root].branchName, name)
            XCTAssertEqual(object.nodes[object.root].branchName, name)
        }
    }

    func testNamespacesResolveAsTheSpecificationSays() {
        let schema = Avro.schema("""
        {"type": "record", "name": "Outer", "namespace": "a.b", "fields": [
          {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
             {"name": "e", "type": {"type": "enum", "name": "x.y.Colour", "symbols": ["RED"]}},
             {"name": "f", "type": {"type": "fixed", "name": "Hash", "namespace": "c", "size": 2}},
             {"name": "g", "type": {"type": "fixed", "name": "Plain", "namespace": "", "size": 1}}]}},
          {"name": "again", "type": "Inner"},
          {"name": "colour", "type": "x.y.Colour"},
          {"name": "hash", "type": "c.Hash"},
          {"name": "plain", "type": "Plain"}
        ]}
        """)
        XCTAssertEqual(Set(schema.namedTypes.keys), ["a.b.Outer", "a.b.Inner", "x.y.Colour", "c.Hash", "Plain"])
        guard case .record(let name, let fields) = schema.nodes[schema.root] else { return XCTFail("not a record") }
        XCTAssertEqual(name, "a.b.Outer")
        XCTAssertEqual(fields[1].type, schema.namedTypes["a.b.Inner"])
        XCTAssertEqual(fields[2].type, schema.namedTypes["x.y.Colour"])
        XCTAssertEqual(fields[3].type, schema.namedTypes["c.Hash"])
        XCTAssertEqual(fields[4].type, schema.namedTypes["Plain"], "unqualified names fall back to the null namespace")
        // A name defined in a nested namespace is not found unqualified from another one.
        XCTAssertNotNil(Avro.schemaError("""
        {"type": "record", "name": "R", "namespace": "a", "fields": [
          {"name": "x", "type": {"type": "fixed", "name": "F", "namespace": "b", "size": 1}},
          {"name": "y", "type": "F"}]}
        """))
    }

    func testRecursiveRecordRefersToItself() {
        let schema = Avro.schema("""
        {"type": "record", "name": "Node", "fields": [
          {"name": "value", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]}
        """)
        guard case .record(_, let fields) = schema.nodes[schema.root], case .union(let branches) = schema.nodes[fields[1].type] else {
            return XCTFail("shape")
        }
        XCTAssertEqual(branches[1], schema.root)
    }

    func testReferencesToOtherSchemas() throws {
        let address = Avro.schema("""
        {"type": "record", "name": "Address", "namespace": "com.acme", "fields": [{"name": "zip", "type": "int"}]}
        """)
        let person = Avro.schema("""
        {"type": "record", "name": "Person", "namespace": "com.acme", "fields": [
          {"name": "home", "type": "Address"}, {"name": "work", "type": ["null", "com.acme.Address"]}]}
        """, references: [address])
        XCTAssertEqual(try Avro.decode(person, [0x54, 0x02, 0x56]), #"{"home":{"zip":42},"work":{"zip":43}}"#)
        XCTAssertEqual(try Avro.encode(person, #"{"home":{"zip":42},"work":{"com.acme.Address":{"zip":43}}}"#), [0x54, 0x02, 0x56])
        XCTAssertTrue(Avro.schemaError(#"{"type":"record","name":"P","fields":[{"name":"a","type":"com.acme.Address"}]}"#)?
            .contains("unknown type \"com.acme.Address\"") ?? false)
        // A reference that itself has references: the named types of both are visible.
        let both = Avro.schema(#"["null", "com.acme.Address", "com.acme.Person"]"#, references: [person])
        XCTAssertEqual(try Avro.decode(both, [0x04, 0x54, 0x00], .avro), #"{"com.acme.Person":{"home":{"zip":42},"work":null}}"#)
    }

    func testLogicalTypes() {
        func logical(_ text: String) -> AvroLogicalType? {
            let schema = Avro.schema(text)
            return schema.logicalTypes[schema.root]
        }
        XCTAssertEqual(logical(#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}"#), .decimal(precision: 4, scale: 2))
        XCTAssertEqual(logical(#"{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9}"#), .decimal(precision: 9, scale: 0))
        XCTAssertEqual(logical(#"{"type":"string","logicalType":"uuid"}"#), .uuid)
        XCTAssertEqual(logical(#"{"type":"int","logicalType":"date"}"#), .date)
        XCTAssertEqual(logical(#"{"type":"int","logicalType":"time-millis"}"#), .timeMillis)
        XCTAssertEqual(logical(#"{"type":"long","logicalType":"time-micros"}"#), .timeMicros)
        XCTAssertEqual(logical(#"{"type":"long","logicalType":"timestamp-millis"}"#), .timestampMillis)
        XCTAssertEqual(logical(#"{"type":"long","logicalType":"timestamp-micros"}"#), .timestampMicros)
        XCTAssertEqual(logical(#"{"type":"long","logicalType":"local-timestamp-millis"}"#), .localTimestampMillis)
        XCTAssertEqual(logical(#"{"type":"long","logicalType":"local-timestamp-micros"}"#), .localTimestampMicros)
        XCTAssertEqual(logical(#"{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}"#), .duration)
        // Invalid or unknown: ignored, the underlying type stays.
        XCTAssertNil(logical(#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}"#))
        XCTAssertNil(logical(#"{"type":"fixed","name":"D","size":2,"logicalType":"decimal","precision":5}"#))
        XCTAssertNil(logical(#"{"type":"bytes","logicalType":"decimal","precision":1000000000,"scale":999999999}"#))
        XCTAssertNil(logical(#"{"type":"string","logicalType":"date"}"#))
        XCTAssertNil(logical(#"{"type":"fixed","name":"Dur","size":11,"logicalType":"duration"}"#))
        XCTAssertNil(logical(#"{"type":"long","logicalType":"mystery"}"#))
    }

    func testInvalidSchemasAreClearErrors() {
        let cases: [(String, String)] = [
            ("{", "not JSON"),
            ("", "not JSON"),
            ("42", "a type must be"),
            (#""Nope""#, "unknown type \"Nope\""),
            (#"{"type":"record","name":"R"}"#, "needs a \"fields\" array"),
            (#"{"type":"record","fields":[]}"#, "needs a \"name\""),
            (#"{"type":"record","name":"1R","fields":[]}"#, "invalid name"),
            (#"{"type":"record","name":"R","namespace":"a..b","fields":[]}"#, "invalid name"),
            (#"{"type":"record","name":"int","fields":[]}"#, "primitive"),
            (#"["int","int"]"#, "two branches of type int"),
            (#"["int",["null"]]"#, "may not contain a union"),
            ("[]", "at least one branch"),
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}"#, "field \"a\" twice"),
            (#"{"type":"record","name":"R","fields":[{"name":"a"}]}"#, "needs a \"type\""),
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}"#, "default does not fit"),
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"},"default":["x"]}]}"#,
             "default does not fit: $[0]: expected int"),
            (#"{"type":"record","name":"R","fields":[{"name":"f","type":"R","default":{}}]}"#, "nesting deeper than 500"),
            (#"{"type":"enum","name":"E","symbols":["A","A"]}"#, "symbol A twice"),
            (#"{"type":"enum","name":"E","symbols":["a-b"]}"#, "each symbol must be a name"),
            (#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#, "default must be one of the symbols"),
            (#"{"type":"fixed","name":"F","size":-1}"#, "non-negative integer"),
            (#"{"type":"fixed","name":"F"}"#, "non-negative integer"),
            (#"{"type":"fixed","name":"F","size":9223372036854775807,"logicalType":"decimal","precision":3}"#, "above 2147483647"),
            (#"{"type":"fixed","name":"F","size":1e3}"#, "non-negative integer"),
            (#"{"type":"array"}"#, "needs \"items\""),
            (#"{"type":"map"}"#, "needs \"values\""),
            (#"{"type":{"type":"int"}}"#, "\"type\" must be a string"),
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"R","symbols":[]}}]}"#, "defined twice"),
        ]
        for (text, expected) in cases {
            let message = Avro.schemaError(text)
            XCTAssertTrue(message?.contains(expected) ?? false, "\(text): \(message ?? "accepted")")
        }
    }

    func testDefaultsAreEncodedOnce() {
        let schema = Avro.schema("""
        {"type":"record","name":"R","fields":[
          {"name":"u","type":["null","int"],"default":null},
          {"name":"b","type":"bytes","default":"\\u00ff"},
          {"name":"r","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int","default":7}]},"default":{}}]}
        """)
        guard case .record(_, let fields) = schema.nodes[schema.root] else { return XCTFail("shape") }
        XCTAssertEqual(fields.map(\.defaultBinary), [[0x00], [0x02, 0xFF], [0x0E]])
    }
}
