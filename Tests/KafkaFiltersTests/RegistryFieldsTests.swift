import XCTest
@testable import KafkaCore

/// The read side's rules (RegistryFields), without a registry: which payloads are framed, what each
/// schema type writes, that failures come before anything of the line, each id asked once.
final class RegistryFieldsTests: XCTestCase {
    static let record = #"{"type":"record","name":"R","fields":[{"name":"id","type":"long"},{"name":"u","type":["null","string"]}]}"#

    /// A decoder whose source knows id 1 (the record above), 2 (JSON Schema), 3 (Protobuf); counts calls.
    final class Fixture {
        var asked: [Int32] = []
        var notes: [String] = []
        lazy var fields = RegistryFields(form: .natural, note: { [unowned self] in self.notes.append($0) }) {
            [unowned self] (id) throws(ToolFailure) in
            self.asked.append(id)
            switch id {
            case 1: return .avro(try! AvroSchema(parsing: RegistryFieldsTests.record))
            case 2: return .json
            case 3: return .protobuf
            case 4: throw ToolFailure(.unavailable, "registry gone")
            default: throw ToolFailure(.dataError, "does not know schema id \(id)")
            }
        }
    }

    /// id 1's body for {"id": n, "u": s}.
    static func body(_ n: Int64, _ s: String?) -> [UInt8] {
        var out: [UInt8] = []
        var z = UInt64(bitPattern: (n << 1) ^ (n >> 63))
        while z >= 0x80 { out.append(UInt8(z & 0x7f) | 0x80); z >>= 7 }
        out.append(UInt8(z))
        if let s {
            out.append(2)
            out.append(UInt8(s.utf8.count * 2))
            out += Array(s.utf8)
        } else {
            out.append(0)
        }
        return out
    }

    func line(_ fields: RegistryFields, key: [UInt8]?, value: [UInt8]?) throws(ToolFailure) -> String {
        try withOptional(key) { (k) throws(ToolFailure) in
            try withOptional(value) { (v) throws(ToolFailure) in
                try fields.prepare(key: k, value: v)
                var out: [UInt8] = []
                Envelope.append(topic: "t", partition: 0, offset: 5, timestamp: nil, key: k, value: v, headers: [], fields: fields, to: &out)
                return String(decoding: out.dropLast(out.last == 10 ? 1 : 0), as: UTF8.self)
            }
        }
    }

    func withOptional<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(ToolFailure) -> R) throws(ToolFailure) -> R {
        guard let bytes else { return try body(nil) }
        let result: Result<R, ToolFailure> = bytes.withUnsafeBytes { p in
            do throws(ToolFailure) { return .success(try body(p)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    func failure(_ body: () throws -> Void) -> ToolFailure? {
        do { try body() } catch let error as ToolFailure { return error } catch { XCTFail("\(error)") }
        return nil
    }

    func testFramingDecidesPerPayload() {
        // Framed: 0x00 and at least 5 bytes. Anything else is written as today.
        XCTAssertEqual([UInt8]([0, 0, 0, 0, 1]).withUnsafeBytes { RegistryFraming.split($0)?.id }, 1)
        XCTAssertNil([UInt8]([0, 0, 0, 1]).withUnsafeBytes { RegistryFraming.split($0) }, "4 bytes: too short")
        XCTAssertNil([UInt8]([1, 0, 0, 0, 1]).withUnsafeBytes { RegistryFraming.split($0) }, "no magic byte")
    }

    func testAvroKeyAndValueDecodedWithTheirIds() throws {
        let f = Fixture()
        let value = RegistryFraming.join(id: 1, body: Self.body(7, "x"))
        let key = RegistryFraming.join(id: 1, body: Self.body(-1, nil))
        XCTAssertEqual(try line(f.fields, key: key, value: value),
                       #"{"topic":"t","partition":0,"offset":5,"key":{"id":-1,"u":null},"key_schema_id":1,"value":{"id":7,"u":"x"},"value_schema_id":1}"#)
        XCTAssertEqual(f.asked, [1], "one id, asked once")
    }

    func testAvroFormIsTheDecoders() throws {
        let f = Fixture()
        let avro = RegistryFields(form: .avro) { (_) throws(ToolFailure) in .avro(try! AvroSchema(parsing: Self.record)) }
        let value = RegistryFraming.join(id: 1, body: Self.body(7, "x"))
        XCTAssertEqual(try line(avro, key: nil, value: value),
                       #"{"topic":"t","partition":0,"offset":5,"value":{"id":7,"u":{"string":"x"}},"value_schema_id":1}"#)
        _ = f
    }

    func testNotFramedIsWrittenAsToday() throws {
        let f = Fixture()
        XCTAssertEqual(try line(f.fields, key: Array("k".utf8), value: Array(#"{"a":1}"#.utf8)),
                       #"{"topic":"t","partition":0,"offset":5,"key":"k","value":{"a":1}}"#)
        XCTAssertEqual(try line(f.fields, key: nil, value: [0, 0, 0xff]),
                       #"{"topic":"t","partition":0,"offset":5,"value_encoding":"base64","value":"AAD/"}"#, "0x00 but 3 bytes: not framed")
        XCTAssertEqual(try line(f.fields, key: nil, value: [1, 0, 0, 0, 1, 0xff]),
                       #"{"topic":"t","partition":0,"offset":5,"value_encoding":"base64","value":"AQAAAAH/"}"#, "no magic byte: not framed")
        XCTAssertEqual(try line(f.fields, key: nil, value: nil), #"{"topic":"t","partition":0,"offset":5}"#, "a tombstone as today")
        XCTAssertEqual(f.asked, [], "nothing framed, nothing asked")
    }

    func testJSONSchemaBodyEmbedded() throws {
        let f = Fixture()
        let value = RegistryFraming.join(id: 2, body: Array(#"{"a": [1, 2]}"#.utf8))
        XCTAssertEqual(try line(f.fields, key: nil, value: value),
                       #"{"topic":"t","partition":0,"offset":5,"value":{"a": [1, 2]},"value_schema_id":2}"#)
        for bad in [#"{"a":"#, "{\"a\":\n1}", "", "1 2"] {
            let e = failure { _ = try line(f.fields, key: nil, value: RegistryFraming.join(id: 2, body: Array(bad.utf8))) }
            XCTAssertEqual(e?.status, .dataError, bad)
            XCTAssertEqual(e?.message, "value with schema id 2 (JSON Schema) is not one JSON document on one line")
        }
    }

    func testProtobufAsTodayWithItsIdAndOneNote() throws {
        let f = Fixture()
        let value = RegistryFraming.join(id: 3, body: [0, 8, 0x96, 1])
        let expected = #"{"topic":"t","partition":0,"offset":5,"value_encoding":"base64","value":"AAAAAAMACJYB","value_schema_id":3}"#
        XCTAssertEqual(try line(f.fields, key: nil, value: value), expected)
        XCTAssertEqual(try line(f.fields, key: nil, value: value), expected)
        XCTAssertEqual(f.notes.count, 1, "one note per run: \(f.notes)")
        XCTAssertTrue(f.notes[0].contains("schema id 3 is Protobuf"), f.notes[0])
    }

    /// The stop-before rule's half in the core: a failure is thrown by `prepare`, before any member is
    /// written, with the status the source or the decoder gives; nothing is left prepared.
    func testFailuresComeFromPrepare() {
        let f = Fixture()
        let unknown = failure { try f.fields.prepare(key: nil, value: nil) }
        XCTAssertNil(unknown)
        let good = RegistryFraming.join(id: 1, body: Self.body(1, nil))
        let e404 = good.withUnsafeBytes { k in
            RegistryFraming.join(id: 99, body: [1]).withUnsafeBytes { v in failure { try f.fields.prepare(key: k, value: v) } }
        }
        XCTAssertEqual(e404, ToolFailure(.dataError, "does not know schema id 99"))
        XCTAssertEqual(f.fields.key, .plain, "a failed value leaves the key unprepared too")
        XCTAssertEqual(f.fields.value, .plain)
        let gone = RegistryFraming.join(id: 4, body: [1]).withUnsafeBytes { v in failure { try f.fields.prepare(key: nil, value: v) } }
        XCTAssertEqual(gone?.status, .unavailable)

        for (body, reason) in [([UInt8](), "unexpected end of the body"), ([2, 4], "union branch 2 out of range"), ([2, 0, 0], "1 bytes after the value")] {
            let corrupt = RegistryFraming.join(id: 1, body: body)
            let e = corrupt.withUnsafeBytes { v in failure { try f.fields.prepare(key: nil, value: v) } }
            XCTAssertEqual(e?.status, .dataError)
            XCTAssertTrue(e?.message.hasPrefix("value with schema id 1 does not decode: Avro body at byte") ?? false, "\(String(describing: e))")
            XCTAssertTrue(e?.message.contains(reason) ?? false, "\(String(describing: e)) should say \(reason)")
        }
        XCTAssertEqual(f.asked.filter { $0 == 1 }.count, 1, "id 1 asked once however often it comes")
    }

    func testValueFormatWritesTheDecodedJSON() throws {
        let f = Fixture()
        let value = RegistryFraming.join(id: 1, body: Self.body(3, "é"))
        var out: [UInt8] = []
        try value.withUnsafeBytes { (v) throws in
            try f.fields.prepare(key: nil, value: v)
            try f.fields.appendValueLine(v, to: &out)
        }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "{\"id\":3,\"u\":\"é\"}\n")
        XCTAssertThrowsError(try f.fields.appendValueLine(nil, to: &out))
    }

    func testCacheIsBounded() throws {
        var asked = 0
        let fields = RegistryFields(form: .natural, cacheCapacity: 2) { (_) throws(ToolFailure) in
            asked += 1
            return .json
        }
        for id: Int32 in [1, 2, 1, 3, 1, 2] { _ = try fields.schema(id: id) }
        // 1, 2 asked; 1 again from the cache; 3 evicts 2 (least recently used); 1 cached; 2 asked again.
        XCTAssertEqual(asked, 4)
    }
}
