/// kput's encoder with a schema registry (issue 22): the key and value of each line encoded from their
/// JSON with the writer's schema, in Confluent's wire format (`RegistryFraming`: 0x00, the id as 4 bytes
/// big-endian, the body). Avro: the body is `AvroEncoder`'s binary of the JSON; a JSON Schema: the JSON
/// text as it stands in the line, once `JSONSchemaValidator` found that it fits.
///
/// Which schema: an envelope line's own `key_schema_id` / `value_schema_id` (what kpull --registry
/// writes: the copy pipeline) first, then `--key-schema` / `--value-schema`; neither: the member goes as
/// today. A line whose JSON does not fit is a bad line, named `$.path: expected …` (a key's reason
/// starts with `key `). An id a line names that the registry does not know is that line's fault too; a
/// registry that fails otherwise (unreachable, refusing) ends the run (`failure`).
///
/// The schemas of `--key-schema` / `--value-schema` are resolved before the first line; the ids of
/// envelope lines come from `source` (the registry: mechanism, in KafkaFilters), once per id per run,
/// kept in a bounded cache.
package final class RegistryRecordEncoder: RecordEncoder {
    package typealias Source = (Int32) throws(ToolFailure) -> WriterSchema

    private let valueSchema: WriterSchema?
    private let keySchema: WriterSchema?
    private let form: AvroJSONForm
    private let source: Source
    private var schemas: SchemaCache<WriterSchema>
    /// The last id an envelope line named (most copies carry one value schema).
    private var last: WriterSchema?
    private var keyOut: [UInt8] = []
    private var valueOut: [UInt8] = []
    package private(set) var failure: ToolFailure?

    package init(value: WriterSchema?, key: WriterSchema?, form: AvroJSONForm = .natural,
                 cacheCapacity: Int = SchemaCache<WriterSchema>.defaultCapacity,
                 source: @escaping Source = { (id) throws(ToolFailure) in
                     throw ToolFailure(.configError, "schema id \(id): no schema registry")
                 }) {
        valueSchema = value
        keySchema = key
        self.form = form
        self.source = source
        schemas = SchemaCache(capacity: cacheCapacity)
    }

    package func encode(_ record: OutgoingRecord, members: LineMembers, at position: LinePosition,
                        send: (OutgoingRecord) -> Void) -> String? {
        var record = record
        var keySchema = self.keySchema
        if let id = members.keySchemaID {
            do throws(ToolFailure) { keySchema = try schema(id: id, member: .key) } catch { return refuse(error) }
        }
        var valueSchema = self.valueSchema
        if let id = members.valueSchemaID {
            do throws(ToolFailure) { valueSchema = try schema(id: id, member: .value) } catch { return refuse(error) }
        }
        if let keySchema, let json = members.keyJSON {
            do throws(AvroEncodeError) {
                try Self.frame(json, with: keySchema, form: form, into: &keyOut)
            } catch {
                return "key " + error.description
            }
        }
        if let valueSchema, let json = members.valueJSON {
            do throws(AvroEncodeError) {
                try Self.frame(json, with: valueSchema, form: form, into: &valueOut)
            } catch {
                return error.description
            }
        }
        // Both encoded (or left as they were): hand them over.
        return keyOut.withUnsafeBytes { key in
            valueOut.withUnsafeBytes { value in
                if keySchema != nil, members.key != nil { record.key = key }
                if valueSchema != nil, members.value != nil { record.value = value }
                send(record)
                return nil
            }
        }
    }

    /// The framed payload of `json` with `schema` in `out` (replacing what it held).
    package static func frame(_ json: UnsafeRawBufferPointer, with schema: WriterSchema, form: AvroJSONForm,
                              into out: inout [UInt8]) throws(AvroEncodeError) {
        out.removeAll(keepingCapacity: true)
        RegistryFraming.appendHeader(id: schema.id, to: &out)
        if let program = schema.avroProgram {
            // The plain shapes without copying the schema (most lines); anything else, errors included,
            // by the whole encoder.
            if AvroEncoder.appendPlainShapes(json: json, program: program, form: form, to: &out) { return }
            try AvroEncoder.appendBinary(json: json, schema: schema.avro.unsafelyUnwrapped, form: form, to: &out)
        } else {
            // The JSON text as it stands (an envelope's value member, the line): validated, not re-encoded.
            if let error = JSONScanner.validate(json) { throw AvroEncodeError(syntax: error) }
            if let error = schema.jsonSchema?.check(json) { throw error }
            out.append(contentsOf: json)
        }
    }

    /// The schema an envelope line names by id: the last one, the cache, or `source`.
    private func schema(id: Int32, member: SchemaField) throws(ToolFailure) -> WriterSchema {
        if let last, last.id == id { return last }
        let found: WriterSchema
        if let cached = schemas.schema(id: id) {
            found = cached
        } else {
            do throws(ToolFailure) {
                found = try source(id)
            } catch {
                // The line's id is at fault (unknown, not a schema we write: `source` says so with exit
                // 65): a bad line. Anything else (the registry unreachable, refusing) is the run's.
                guard error.status == .dataError else { throw error }
                throw ToolFailure(.dataError, "\(member.idMember) \(id): \(error.message)")
            }
            schemas.insert(id: id, found)
        }
        last = found
        return found
    }

    private func refuse(_ error: ToolFailure) -> String {
        if error.status != .dataError { failure = failure ?? error }
        return error.message
    }
}
