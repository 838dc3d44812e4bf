/// What kput encodes a key or value with (issue 22): the registry's id, and how the body is made from
/// the line's JSON. A class, so that handing it around per line costs one reference count, not one per
/// array of the Avro schema.
package final class WriterSchema: Sendable {
    package let id: Int32
    /// Avro binary, encoded from the JSON (`AvroEncoder`) with the registry's schema of `id`; nil for a
    /// JSON Schema: the body is the JSON text as it stands in the line, once `jsonSchema` accepts it.
    package let avro: AvroSchema?
    package let jsonSchema: JSONSchemaValidator?
    /// `avro`'s `encoderProgram`, taken per line without copying the schema.
    package let avroProgram: AvroPointerProgram?

    private init(id: Int32, avro: AvroSchema?, jsonSchema: JSONSchemaValidator? = nil) {
        self.id = id
        self.avro = avro
        self.jsonSchema = jsonSchema
        avroProgram = avro?.encoderProgram
    }

    package static func avro(id: Int32, _ schema: AvroSchema) -> WriterSchema { WriterSchema(id: id, avro: schema) }
    package static func json(id: Int32, _ schema: JSONSchemaValidator? = nil) -> WriterSchema {
        WriterSchema(id: id, avro: nil, jsonSchema: schema)
    }
}

/// Which member of a message a schema is for: it names the subject (`TOPIC-value`, `TOPIC-key`), the
/// option and the envelope member that carries its id.
package enum SchemaField: String, Sendable, Equatable, CaseIterable {
    case key, value

    package var option: String { self == .key ? "--key-schema" : "--value-schema" }
    package var idMember: String { self == .key ? "key_schema_id" : "value_schema_id" }
    package func subject(topic: String) -> String {
        self == .key ? SubjectName.key(topic: topic) : SubjectName.value(topic: topic)
    }
}

/// How `--value-schema SPEC` / `--key-schema SPEC` become a schema id, before any input is read:
/// `id:N` asks for that id; `SUBJECT` for the subject's latest version; `SUBJECT:VERSION` for that
/// version; `@FILE` is looked up under the topic's subject (`TOPIC-value`, `TOPIC-key`: Confluent's
/// default naming) and registered there when the registry does not have it yet, as Confluent's
/// serializers do (a look-up first, so a read-only account works when the schema is already there).
package enum SchemaResolution: Sendable, Equatable {
    case id(Int32)
    case subjectVersion(subject: String, version: Int32?)
    case lookupOrRegister(subject: String, schema: RegistrySchema)

    /// The calls for `spec`; `readFile` gives a schema file's text (its failure is the caller's).
    package static func of(_ spec: SchemaSpec, field: SchemaField, topic: String,
                           readFile: (String) throws(ToolFailure) -> String) throws(ToolFailure) -> SchemaResolution {
        switch spec {
        case .id(let id): return .id(id)
        case .latest(let subject): return .subjectVersion(subject: subject, version: nil)
        case .version(let subject, let version): return .subjectVersion(subject: subject, version: version)
        case .file(let path):
            let text = try readFile(path)
            return .lookupOrRegister(subject: field.subject(topic: topic), schema: try fileSchema(text, path: path))
        }
    }

    /// A schema file's type: Avro when it parses as an Avro schema; otherwise, unless it is named
    /// `*.avsc`, a JSON Schema when it is a JSON object; otherwise the Avro parser's error (exit 78).
    package static func fileSchema(_ text: String, path: String) throws(ToolFailure) -> RegistrySchema {
        let avroError: AvroSchemaError
        do {
            _ = try AvroSchema(parsing: text)
            return RegistrySchema(type: .avro, text: text)
        } catch {
            avroError = error
        }
        var copy = text
        let isObject = copy.withUTF8 { utf8 -> Bool in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard JSONScanner.validate(bytes) == nil else { return false }
            return bytes.first(where: { !Envelope.isJSONWhitespace($0) }) == UInt8(ascii: "{")
        }
        if isObject && !path.hasSuffix(".avsc") { return RegistrySchema(type: .json, text: text) }
        throw ToolFailure(.configError, "\(path): not an Avro schema (\(avroError))")
    }
}

extension WriterSchema {
    /// The writer's schema for a registered schema; `parse` makes the Avro one (with its references).
    /// Protobuf cannot be written yet: exit 78, naming the id.
    package static func make(_ registered: RegisteredSchema, what: String,
                             parse: (RegisteredSchema) throws(ToolFailure) -> AvroSchema) throws(ToolFailure) -> WriterSchema {
        switch registered.schema.type {
        case .avro: return .avro(id: registered.id, try parse(registered))
        case .json:
            do throws(AvroSchemaError) {
                let validator = try JSONSchemaValidator(parsing: registered.schema.text)
                if !validator.unchecked.isEmpty {
                    Diagnostics.verbose("\(what) (id \(registered.id)): JSON Schema keywords not checked: \(validator.unchecked.joined(separator: ", "))")
                }
                return .json(id: registered.id, validator)
            } catch {
                throw ToolFailure(.configError, "\(what) (id \(registered.id)) is not a JSON Schema kput can check: \(error)")
            }
        case .protobuf:
            throw ToolFailure(.configError, "\(what) is a Protobuf schema (id \(registered.id)): kput writes Avro and JSON Schema only")
        }
    }
}
