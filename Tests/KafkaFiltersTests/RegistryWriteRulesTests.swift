import XCTest
@testable import KafkaCore

/// kput's registry rules without a registry (issue 22's write side): which calls a SPEC makes and under
/// which subject, a schema file's type, the framing of what is produced, the envelope's ids, which
/// failures are a line's and which the run's, and the options that go together.
final class RegistryWriteRulesTests: XCTestCase {
    static let zipRecord = #"{"type":"record","name":"R","fields":[{"name":"zip","type":["int","null"]}]}"#

    func avro(_ id: Int32, _ text: String = zipRecord) throws -> WriterSchema {
        .avro(id: id, try AvroSchema(parsing: text))
    }

    struct Sent: Equatable {
        var key: [UInt8]?
        var value: [UInt8]?
    }

    /// Runs `encoder` over one line whose key and value members are the given ranges of `line`.
    func encode(_ encoder: RegistryRecordEncoder, _ line: String, key: Range<Int>? = nil, value: Range<Int>?,
                keyID: Int32? = nil, valueID: Int32? = nil, plainKey: String? = nil) -> (sent: Sent?, refused: String?) {
        var sent: Sent?
        let bytes = Array(line.utf8)
        let refused = bytes.withUnsafeBytes { raw in
            Array((plainKey ?? "").utf8).withUnsafeBytes { plain in
                let record = OutgoingRecord(key: plainKey == nil ? nil : plain, value: raw, keyToken: key, valueToken: value)
                return encoder.encode(members: LineMembers(line: raw, key: key, value: value, keySchemaID: keyID, valueSchemaID: valueID),
                                      at: LinePosition(source: 0, line: 1)) { encodedKey, encodedValue in
                    // What kput produces: the encoder's bytes where it gave some, the record's otherwise.
                    sent = Sent(key: (encodedKey ?? record.key).map { Array($0) }, value: (encodedValue ?? record.value).map { Array($0) })
                }
            }
        }
        return (sent, refused)
    }

    // MARK: - Framing

    func testAvroValuesAreMagicIdThenBinary() throws {
        let encoder = RegistryRecordEncoder(value: try avro(258), key: nil)
        let line = #"{"zip":5}"#
        let r = encode(encoder, line, value: 0..<line.utf8.count)
        XCTAssertNil(r.refused)
        // union branch 0 (int), zigzag 5 = 10
        XCTAssertEqual(r.sent, Sent(key: nil, value: [0, 0, 0, 1, 2, 0, 10]))
        XCTAssertEqual(encode(encoder, #"{"zip":null}"#, value: 0..<12).sent?.value, [0, 0, 0, 1, 2, 2])
    }

    /// The fast path writes the payload in the encoder's own buffer: a body longer than the codec's
    /// output buffer (512 B) spills and is joined after the header; one encoder's buffers serve lines of
    /// any length in turn; the general walk's payloads (a member out of order) land there too. Each
    /// payload must equal the header and the codec's binary of the same JSON.
    func testPayloadsOfEveryLengthAreFramedWhole() throws {
        let text = #"{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"s","type":"string"},{"name":"t","type":["null","string"]}]}"#
        let schema = try AvroSchema(parsing: text)
        let encoder = RegistryRecordEncoder(value: .avro(id: 70_000, schema), key: nil)
        var lines: [String] = []
        for length in [0, 3, 500, 507, 508, 520, 3000, 12, 70_000, 1] {
            let s = String(repeating: "x", count: length)
            lines.append(#"{"a":\#(length),"s":"\#(s)","t":"\#(s.prefix(9))"}"#)
            lines.append(#"{"s":"\#(s)","a":\#(length),"t":null}"#)   // out of order: the general walk
        }
        for line in lines {
            var expected: [UInt8] = []
            try line.utf8CString.withUnsafeBytes { raw in
                try AvroEncoder.appendBinary(json: UnsafeRawBufferPointer(rebasing: raw.dropLast()), schema: schema, to: &expected)
            }
            let r = encode(encoder, line, value: 0..<line.utf8.count)
            XCTAssertNil(r.refused, line)
            XCTAssertEqual(r.sent?.value, [0, 0, 1, 0x11, 0x70] + expected, "\(line.prefix(40))… (\(line.utf8.count) B)")
        }
    }

    func testJSONSchemaValuesAreMagicIdThenTheTextAsItStands() throws {
        let encoder = RegistryRecordEncoder(value: .json(id: 7), key: nil)
        let line = #"{"zip": "any", "x":[1]}"#
        XCTAssertEqual(encode(encoder, line, value: 0..<line.utf8.count).sent?.value, [0, 0, 0, 0, 7] + Array(line.utf8))
    }

    func testKeysAreEncodedFromTheirMemberAndAKeylessLineKeepsNoKey() throws {
        let encoder = RegistryRecordEncoder(value: nil, key: try avro(3, #""string""#))
        let line = #"{"id":"ab","v":1}"#
        // key token "ab" (with its quotes) at 6..<10; the value is not encoded (no value schema).
        let r = encode(encoder, line, key: 6..<10, value: 0..<line.utf8.count, plainKey: "ab")
        XCTAssertEqual(r.sent, Sent(key: [0, 0, 0, 0, 3, 4, 0x61, 0x62], value: Array(line.utf8)))
        XCTAssertEqual(encode(encoder, line, value: 0..<line.utf8.count).sent, Sent(key: nil, value: Array(line.utf8)))
    }

    // MARK: - Bad lines

    func testALineThatDoesNotFitIsNamedByPathAndNotSent() throws {
        let encoder = RegistryRecordEncoder(value: try avro(1), key: try avro(2, #""long""#))
        let bad = #"{"zip":"x"}"#
        let r = encode(encoder, bad, value: 0..<bad.utf8.count)
        XCTAssertNil(r.sent)
        XCTAssertEqual(r.refused, #"$.zip: expected int or null, got "x""#)
        let badKey = #"{"k":"x","zip":1}"#
        let k = encode(encoder, badKey, key: 5..<8, value: 0..<badKey.utf8.count)
        XCTAssertNil(k.sent)
        XCTAssertEqual(k.refused?.hasPrefix("key $: "), true, k.refused ?? "")
        XCTAssertNil(encoder.failure, "a bad line does not end the run")
        // And the next line still goes.
        XCTAssertNotNil(encode(encoder, #"{"zip":1}"#, value: 0..<9).sent)
    }

    /// With --value-schema the encoder checks the JSON (the line decoder does not scan it twice): a line
    /// that is not JSON is still a bad line, named.
    func testALineThatIsNotJSONIsNamedByTheEncoder() throws {
        var sent = 0
        let line = #"{"zip":1"#
        let verdict = Array(line.utf8).withUnsafeBytes { JSONLineDecoder(validates: false).decode($0) { _ in sent += 1 } }
        XCTAssertEqual(verdict, .sent)
        XCTAssertEqual(sent, 1)
        for schema in [try avro(1), .json(id: 2)] {
            let r = encode(RegistryRecordEncoder(value: schema, key: nil), line, value: 0..<line.utf8.count)
            XCTAssertNil(r.sent)
            XCTAssertNotNil(r.refused)
        }
        let trailing = #"{"zip":1} x"#
        XCTAssertNotNil(encode(RegistryRecordEncoder(value: try avro(1), key: nil), trailing, value: 0..<trailing.utf8.count).refused)
    }

    // MARK: - The envelope's ids

    func testALinesOwnIdWinsAndEachIdIsFetchedOnce() throws {
        var asked: [Int32] = []
        let other = try avro(9, #""int""#)
        let encoder = RegistryRecordEncoder(value: try avro(1), key: nil) { (id) throws(ToolFailure) in
            asked.append(id)
            return other
        }
        for _ in 0..<3 {
            XCTAssertEqual(encode(encoder, "5", value: 0..<1, valueID: 9).sent?.value, [0, 0, 0, 0, 9, 10])
        }
        XCTAssertEqual(encode(encoder, #"{"zip":5}"#, value: 0..<9).sent?.value, [0, 0, 0, 0, 1, 0, 10], "no id: --value-schema's")
        XCTAssertEqual(encode(encoder, "6", value: 0..<1, valueID: 9).sent?.value, [0, 0, 0, 0, 9, 12])
        XCTAssertEqual(asked, [9])
    }

    func testAnUnknownIdIsTheLinesFaultAnUnreachableRegistryTheRuns() {
        let encoder = RegistryRecordEncoder(value: nil, key: nil) { (id) throws(ToolFailure) in
            if id == 404 { throw ToolFailure(.dataError, "schema registry http://r does not know schema id 404: not found") }
            throw ToolFailure(.unavailable, "schema registry http://r did not answer within 1 s (schema id \(id))")
        }
        let unknown = encode(encoder, "1", value: 0..<1, valueID: 404)
        XCTAssertNil(unknown.sent)
        XCTAssertEqual(unknown.refused, "value_schema_id 404: schema registry http://r does not know schema id 404: not found")
        XCTAssertNil(encoder.failure)
        let down = encode(encoder, "1", key: 0..<1, value: 0..<1, keyID: 5)
        XCTAssertNil(down.sent)
        XCTAssertEqual(encoder.failure?.status, .unavailable)
        XCTAssertEqual(down.refused, encoder.failure?.message)
    }

    func testTheEnvelopeCarriesTheIdsAndAnyKeyWithAKeySchemaId() throws {
        func decode(_ text: String) throws -> EnvelopeRecord { try Array(text.utf8).withUnsafeBytes { try Envelope.decode($0) } }
        let line = #"{"key":{"id":7},"key_schema_id":3,"value":{"zip":1},"value_schema_id":4}"#
        let record = try decode(line)
        XCTAssertEqual(record.keySchemaID, 3)
        XCTAssertEqual(record.valueSchemaID, 4)
        XCTAssertEqual(record.key, Array(#"{"id":7}"#.utf8))
        XCTAssertEqual(record.keyToken, 7..<15)
        XCTAssertEqual(try decode(#"{"key":7,"key_schema_id":0}"#).key, Array("7".utf8))
        XCTAssertEqual(try decode(#"{"key":"k","value":1}"#).keySchemaID, nil)
        XCTAssertThrowsError(try decode(#"{"key":7}"#), "without an id, a key is a string as before")
        XCTAssertThrowsError(try decode(#"{"value":1,"value_schema_id":-1}"#))
        XCTAssertThrowsError(try decode(#"{"value":1,"value_schema_id":"4"}"#))
        XCTAssertThrowsError(try decode(#"{"value":1,"value_schema_id":4,"value_schema_id":4}"#))

        // A member with an encoding is its payload's bytes (kpull's Protobuf, base64 with its id): no id to encode with.
        let protobuf = try decode(#"{"key":"AAAAAAUA","key_encoding":"base64","key_schema_id":5,"value":"AAAAAAUACAE=","value_encoding":"base64","value_schema_id":5}"#)
        XCTAssertEqual(protobuf.value, [0, 0, 0, 0, 5, 0, 8, 1])
        XCTAssertNil(protobuf.valueSchemaID)
        XCTAssertNil(protobuf.keySchemaID)

        var got: OutgoingRecord?
        _ = Array(line.utf8).withUnsafeBytes { bytes in EnvelopeLineDecoder().decode(bytes) { got = $0 } }
        XCTAssertEqual(got?.keySchemaID, 3)
        XCTAssertEqual(got?.valueSchemaID, 4)
    }

    func testAKeySchemaTakesAnyJSONKeyMember() {
        let line = #"{"k":{"id":1},"v":2}"#
        var token: Range<Int>?
        var verdict = Array(line.utf8).withUnsafeBytes { bytes in
            JSONLineDecoder(keyField: "k", keyAnyJSON: true).decode(bytes) { token = $0.keyToken }
        }
        XCTAssertEqual(verdict, .sent)
        XCTAssertEqual(token, 5..<13)
        verdict = Array(line.utf8).withUnsafeBytes { bytes in JSONLineDecoder(keyField: "k").decode(bytes) { _ in } }
        XCTAssertNotEqual(verdict, .sent, "without a key schema an object key is still a bad line")
    }

    func testAvrosOwnJSONFormTakesWrappedUnions() throws {
        let encoder = RegistryRecordEncoder(value: try avro(1), key: nil, form: .avro)
        XCTAssertEqual(encode(encoder, #"{"zip":{"int":5}}"#, value: 0..<17).sent?.value, [0, 0, 0, 0, 1, 0, 10])
    }

    // MARK: - SPEC to calls

    func resolve(_ spec: String, _ field: SchemaField = .value, file: String = "") throws -> SchemaResolution {
        try SchemaResolution.of(try SchemaSpec.parse(spec, option: field.option), field: field, topic: "orders") { _ in file }
    }

    func testSpecsResolveToTheirCallsAndFilesToTheTopicsSubject() throws {
        XCTAssertEqual(try resolve("id:42"), .id(42))
        XCTAssertEqual(try resolve("payments-value"), .subjectVersion(subject: "payments-value", version: nil))
        XCTAssertEqual(try resolve("payments-value:3"), .subjectVersion(subject: "payments-value", version: 3))
        XCTAssertEqual(try resolve("a:b:latest"), .subjectVersion(subject: "a:b", version: nil))
        XCTAssertEqual(try resolve("@o.avsc", file: #""long""#),
                       .lookupOrRegister(subject: "orders-value", schema: RegistrySchema(type: .avro, text: #""long""#)))
        XCTAssertEqual(try resolve("@o.avsc", .key, file: #""long""#),
                       .lookupOrRegister(subject: "orders-key", schema: RegistrySchema(type: .avro, text: #""long""#)))
    }

    func testASchemaFilesTypeIsAvroWhenItParsesElseAJSONSchemaObject() throws {
        XCTAssertEqual(try SchemaResolution.fileSchema(Self.zipRecord, path: "r.json").type, .avro)
        let jsonSchema = #"{"type":"object","properties":{"zip":{"type":"integer"}}}"#
        XCTAssertEqual(try SchemaResolution.fileSchema(jsonSchema, path: "zip.json"), RegistrySchema(type: .json, text: jsonSchema))
        for (text, path) in [(jsonSchema, "zip.avsc"), ("[1,", "x.json"), (#""nothing""#, "x.json")] {
            XCTAssertThrowsError(try SchemaResolution.fileSchema(text, path: path)) { error in
                XCTAssertEqual((error as? ToolFailure)?.status, .configError)
                XCTAssertEqual((error as? ToolFailure)?.message.hasPrefix("\(path): not an Avro schema"), true)
            }
        }
    }

    func testProtobufIsNotWritten() throws {
        let int = try AvroSchema(parsing: #""int""#)
        let registered = RegisteredSchema(id: 5, schema: RegistrySchema(type: .protobuf, text: "syntax = \"proto3\";"))
        XCTAssertThrowsError(try WriterSchema.make(registered, what: "--value-schema") { (_) throws(ToolFailure) in
            XCTFail("not parsed as Avro")
            return int
        }) { XCTAssertEqual(($0 as? ToolFailure)?.status, .configError) }
        XCTAssertEqual(try? WriterSchema.make(RegisteredSchema(id: 6, schema: RegistrySchema(type: .json, text: "{}")), what: "") {
            (_) throws(ToolFailure) in int
        }.id, 6)
    }

    // MARK: - Options

    func problem(_ change: (inout ProduceArguments) -> Void) -> ProduceArguments.Problem? {
        var a = ProduceArguments(topic: "orders")
        change(&a)
        return a.problem()
    }

    func testSchemaOptionsGoWithJSONOrEnvelopeAndAKeySchemaNeedsAKey() {
        XCTAssertNil(problem { $0.valueSchema = "@o.avsc" })
        XCTAssertNil(problem { $0.valueSchema = "id:3"; $0.envelope = true; $0.keySchema = "k" })
        XCTAssertNil(problem { $0.keySchema = "k"; $0.keyField = "id" })
        XCTAssertEqual(problem { $0.keySchema = "k" }, .usage("--key-schema needs -k/--key-field or --envelope (the key it encodes)"))
        XCTAssertEqual(problem { $0.valueSchema = "s"; $0.text = true }, .usage("--value-schema needs JSON lines or --envelope, not --text"))
        XCTAssertEqual(problem { $0.valueSchema = "id:0" }, .usage(#"--value-schema: id:N needs a schema id from 1 to 2147483647, got "id:0""#))
        var a = ProduceArguments(topic: "orders")
        a.valueSchema = "s:2"
        a.keySchema = "@k.avsc"
        a.keyField = "id"
        XCTAssertEqual(a.job.valueSchema, .version(subject: "s", version: 2))
        XCTAssertEqual(a.job.keySchema, .file(path: "k.avsc"))
        XCTAssertNil(ProduceArguments(topic: "t").job.valueSchema)
    }
}
