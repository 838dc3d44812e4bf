import XCTest
@testable import KafkaCore

/// Helpers shared by the Avro tests: parse, decode to a String, encode to bytes.
enum Avro {
    static func schema(_ text: String, references: [AvroSchema] = [], file: StaticString = #filePath, line: UInt = #line) -> AvroSchema {
        do {
            return try AvroSchema(parsing: text, references: references)
        } catch {
            XCTFail("schema did not parse: \(error)", file: file, line: line)
            return try! AvroSchema(parsing: "\"null\"")
        }
    }

    static func schemaError(_ text: String, references: [AvroSchema] = []) -> String? {
        do {
            _ = try AvroSchema(parsing: text, references: references)
            return nil
        } catch {
            return error.description
        }
    }

    static func decode(_ schema: AvroSchema, _ bytes: [UInt8], _ form: AvroJSONForm = .natural) throws(AvroDecodeError) -> String {
        var out: [UInt8] = Array("prefix:".utf8)
        let result: Result<Void, AvroDecodeError> = bytes.withUnsafeBytes { body in
            do throws(AvroDecodeError) {
                try AvroDecoder.appendJSON(body: body, schema: schema, form: form, to: &out)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = result {
            precondition(out == Array("prefix:".utf8), "a failed decode left output behind")
            throw error
        }
        return String(decoding: out.dropFirst(7), as: UTF8.self)
    }

    static func decodeError(_ schema: AvroSchema, _ bytes: [UInt8]) -> AvroDecodeError? {
        do {
            _ = try decode(schema, bytes)
            return nil
        } catch {
            return error
        }
    }

    static func encode(_ schema: AvroSchema, _ json: String, _ form: AvroJSONForm = .natural) throws(AvroEncodeError) -> [UInt8] {
        var out: [UInt8] = [0xEE]
        let bytes = Array(json.utf8)
        let result: Result<Void, AvroEncodeError> = bytes.withUnsafeBytes { text in
            do throws(AvroEncodeError) {
                try AvroEncoder.appendBinary(json: text, schema: schema, form: form, to: &out)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = result {
            precondition(out == [0xEE], "a failed encode left output behind")
            throw error
        }
        return Array(out.dropFirst())
    }

    static func encodeError(_ schema: AvroSchema, _ json: String, _ form: AvroJSONForm = .natural) -> String? {
        do {
            _ = try encode(schema, json, form)
            return nil
        } catch {
            return error.description
        }
    }

    /// Zigzag varint, independent of the encoder's.
    static func long(_ value: Int64) -> [UInt8] {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var out: [UInt8] = []
        while raw >= 0x80 {
            out.append(UInt8(raw & 0x7F) | 0x80)
            raw >>= 7
        }
        out.append(UInt8(raw))
        return out
    }

    static func string(_ s: String) -> [UInt8] { long(Int64(s.utf8.count)) + Array(s.utf8) }
}
