import KafkaCore
import KafkaRegistry

/// The mechanism behind kput's `RegistryRecordEncoder` (issue 22): `--value-schema` / `--key-schema`
/// resolved with the registry before any input is read (`SchemaResolution` says which calls), and the
/// ids of `--envelope` lines fetched when first seen. Avro schemas are parsed with their references.
///
/// At start-up (exit status before any line is read): the registry unreachable 69, refused credentials
/// 78, an unknown subject, version or id 78 (the option names something the registry lacks: bad
/// configuration), a schema file that cannot be read 74 or is not a schema 78. For an envelope line's id:
/// unknown, or not a schema kput writes, is that line's fault (65); unreachable or refused ends the run.
final class ProduceSchemas {
    let registry: SchemaRegistry
    /// Longest schema file read for `@FILE`.
    static let maxSchemaFileBytes = 1 << 20

    init(_ registry: SchemaRegistry) { self.registry = registry }

    /// The schema `spec` names, for `field` of `topic`'s messages.
    func resolve(_ spec: SchemaSpec, field: SchemaField, topic: String) throws(ToolFailure) -> WriterSchema {
        let resolution = try SchemaResolution.of(spec, field: field, topic: topic) { (path) throws(ToolFailure) in
            do {
                return String(decoding: try FileBytes.read(path: path, limit: Self.maxSchemaFileBytes), as: UTF8.self)
            } catch {
                throw ToolFailure(.ioError, "\(field.option) @\(path): \(error)")
            }
        }
        let registered: RegisteredSchema
        do throws(RegistryError) {
            registered = try fetch(resolution)
        } catch {
            let failure = error.failure()
            switch error.facts.kind {
            case .unknownSchema, .unknownSubject: throw ToolFailure(.configError, "\(field.option): \(failure.message)")
            default: throw failure
            }
        }
        return try WriterSchema.make(registered, what: field.option) { (schema) throws(ToolFailure) in
            try parse(schema, status: .configError)
        }
    }

    /// The schema of an id an envelope line names (RegistryRecordEncoder caches it).
    func schema(id: Int32) throws(ToolFailure) -> WriterSchema {
        let registered: RegisteredSchema
        do throws(RegistryError) {
            registered = try registry.schema(id: id)
        } catch {
            throw error.failure()
        }
        do throws(ToolFailure) {
            return try WriterSchema.make(registered, what: "schema id \(id)") { (schema) throws(ToolFailure) in
                try parse(schema, status: .dataError)
            }
        } catch {
            // Not a schema kput writes (Protobuf): the line's fault, as an unknown id.
            throw ToolFailure(error.status == .configError ? .dataError : error.status, error.message)
        }
    }

    private func fetch(_ resolution: SchemaResolution) throws(RegistryError) -> RegisteredSchema {
        switch resolution {
        case .id(let id): return try registry.schema(id: id)
        case .subjectVersion(let subject, nil): return try registry.latest(subject: subject)
        case .subjectVersion(let subject, let version?): return try registry.version(subject: subject, version: version)
        case .lookupOrRegister(let subject, let schema):
            do throws(RegistryError) {
                return try registry.lookup(subject: subject, schema: schema)
            } catch where error.facts.kind == .unknownSubject || error.facts.kind == .unknownSchema {
                let id = try registry.register(subject: subject, schema: schema)
                return RegisteredSchema(id: id, subject: subject, schema: schema)
            }
        }
    }

    /// An Avro schema with its references (SchemaRegistry.avroSchema, shared with the consumers' decoder).
    private func parse(_ registered: RegisteredSchema, status: ExitStatus) throws(ToolFailure) -> AvroSchema {
        try registry.avroSchema(registered, status: status, reader: "kput can write")
    }
}

extension RegistryArguments {
    /// kput's encoder: with `--value-schema` / `--key-schema`, or `--envelope` and a registry, the registry's;
    /// else today's (nil). The schemas the options name are resolved here, before any input is read.
    package func produceEncoder(_ client: ClientSettings, job: ProduceJob) throws(ToolFailure) -> (any RecordEncoder)? {
        let named = job.valueSchema ?? job.keySchema
        guard let registry = try open(client) else {
            if named != nil {
                let option = job.valueSchema != nil ? SchemaField.value.option : SchemaField.key.option
                throw ToolFailure(.usage, "\(option) needs a schema registry: --registry URL, or schema.registry.url in -F/-X")
            }
            return nil
        }
        // A registry named but nothing to encode: lines go as today (an envelope's ids are honoured).
        guard named != nil || job.mode == .envelope else { return nil }
        let schemas = ProduceSchemas(registry)
        let value = try job.valueSchema.map { (spec) throws(ToolFailure) in try schemas.resolve(spec, field: .value, topic: job.topic) }
        let key = try job.keySchema.map { (spec) throws(ToolFailure) in try schemas.resolve(spec, field: .key, topic: job.topic) }
        return RegistryRecordEncoder(value: value, key: key, form: form) { (id) throws(ToolFailure) in try schemas.schema(id: id) }
    }
}
