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
    /// Their targets, made once: what a line takes per member without retaining anything.
    private let valueTarget: Target?
    private let keyTarget: Target?
    private let form: AvroJSONForm
    private let source: Source
    private var schemas: SchemaCache<WriterSchema>
    /// The last id an envelope line named (most copies carry one value schema), and its target.
    private var last: WriterSchema?
    private var lastTarget: Target?
    private let keyOut = RegistryPayloadBuffer()
    private let valueOut = RegistryPayloadBuffer()
    /// The general walk's output, copied into `keyOut` / `valueOut`.
    private var spill: [UInt8] = []
    package private(set) var failure: ToolFailure?

    /// A writer's schema as the per-line path takes it: plain values (the fast path's pointers into the
    /// schema's program) and an unretained reference, so that copying it costs no reference count. The
    /// schema is kept alive by the encoder (`keySchema`, `valueSchema`, `last`) or, for one line, by
    /// `encode`'s own strong reference.
    private struct Target {
        unowned(unsafe) let schema: WriterSchema
        /// nil for a JSON Schema.
        let program: AvroJSONWalk.Program?
        let root: Int

        init(_ schema: WriterSchema) {
            self.schema = schema
            if let p = schema.avroProgram {
                program = AvroJSONWalk.Program(ops: p.ops, links: p.links, text: p.text)
                root = p.root
            } else {
                program = nil
                root = 0
            }
        }
    }

    package init(value: WriterSchema?, key: WriterSchema?, form: AvroJSONForm = .natural,
                 cacheCapacity: Int = SchemaCache<WriterSchema>.defaultCapacity,
                 source: @escaping Source = { (id) throws(ToolFailure) in
                     throw ToolFailure(.configError, "schema id \(id): no schema registry")
                 }) {
        valueSchema = value
        keySchema = key
        valueTarget = value.map(Target.init)
        keyTarget = key.map(Target.init)
        self.form = form
        self.source = source
        schemas = SchemaCache(capacity: cacheCapacity)
    }

    package func encode(members: LineMembers, at position: LinePosition,
                        send: (_ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?) -> Void) -> String? {
        // The schemas a line names by id, held here for the line (a later lookup may let the cache drop one).
        var named: (key: WriterSchema?, value: WriterSchema?) = (nil, nil)
        var keyTarget = self.keyTarget
        if let id = members.keySchemaID {
            do throws(ToolFailure) {
                named.key = try schema(id: id, member: .key)
                keyTarget = lastTarget
            } catch { return refuse(error) }
        }
        var valueTarget = self.valueTarget
        if let id = members.valueSchemaID {
            do throws(ToolFailure) {
                named.value = try schema(id: id, member: .value)
                valueTarget = lastTarget
            } catch { return refuse(error) }
        }
        var key: UnsafeRawBufferPointer?
        if let keyTarget, let json = members.keyJSON {
            do throws(AvroEncodeError) { key = try payload(json, keyTarget, into: keyOut) } catch { return "key " + error.description }
        }
        var value: UnsafeRawBufferPointer?
        if let valueTarget, let json = members.valueJSON {
            do throws(AvroEncodeError) { value = try payload(json, valueTarget, into: valueOut) } catch { return error.description }
        }
        // Both encoded (or left as they were): hand them over.
        withExtendedLifetime(named) { send(key, value) }
        return nil
    }

    /// The framed payload of `json` with `target`'s schema, in `buffer` (valid until its next use).
    @inline(__always)
    private func payload(_ json: UnsafeRawBufferPointer, _ target: Target,
                         into buffer: RegistryPayloadBuffer) throws(AvroEncodeError) -> UnsafeRawBufferPointer {
        // The plain shapes in place (most lines); anything else, errors included, by the whole encoder.
        if let program = target.program,
           AvroEncoder.framePlainShapes(json: json, program: program, root: target.root, natural: form == .natural,
                                        id: target.schema.id, into: buffer) {
            return buffer.bytes
        }
        try Self.frame(json, with: target.schema, form: form, into: &spill)
        buffer.set(spill)
        return buffer.bytes
    }

    /// The framed payload of `json` with `schema` in `out` (replacing what it held): for Avro the whole
    /// encoder (which tries the plain shapes first itself, and names any error).
    package static func frame(_ json: UnsafeRawBufferPointer, with schema: WriterSchema, form: AvroJSONForm,
                              into out: inout [UInt8]) throws(AvroEncodeError) {
        out.removeAll(keepingCapacity: true)
        RegistryFraming.appendHeader(id: schema.id, to: &out)
        if let avro = schema.avro {
            try AvroEncoder.appendBinary(json: json, schema: avro, form: form, to: &out)
        } else {
            // The JSON text as it stands (an envelope's value member, the line): validated, not re-encoded.
            if let error = JSONScanner.validate(json) { throw AvroEncodeError(syntax: error) }
            if let error = schema.jsonSchema?.check(json) { throw error }
            out.append(contentsOf: json)
        }
    }

    /// The schema an envelope line names by id: the last one, the cache, or `source`; `lastTarget` is
    /// then its target.
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
        lastTarget = Target(found)
        return found
    }

    private func refuse(_ error: ToolFailure) -> String {
        if error.status != .dataError { failure = failure ?? error }
        return error.message
    }
}
