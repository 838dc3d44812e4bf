import KafkaCore
import KafkaRegistry

/// The mechanism behind `RegistryFields`: a schema id's schema from the registry (`SchemaRegistry`,
/// fetched once per run), its references fetched and parsed first, turned into a `DecodingSchema`.
/// Registry failures become the tool's failure through ErrorMap's `.registry` context (unreachable 69,
/// refused credentials 78, an unknown id 65).
final class RegistrySchemaSource {
    let registry: SchemaRegistry

    init(_ registry: SchemaRegistry) {
        self.registry = registry
    }

    func schema(id: Int32) throws(ToolFailure) -> DecodingSchema {
        let registered: RegisteredSchema
        do {
            registered = try registry.schema(id: id)
        } catch {
            throw error.failure()
        }
        switch registered.schema.type {
        case .json: return .json
        case .protobuf: return .protobuf
        case .avro:
            let referenced: [String: RegisteredSchema]
            do {
                referenced = try registry.referenced(by: registered.schema)
            } catch {
                throw error.failure()
            }
            var parsed: [String: AvroSchema] = [:]
            return .avro(try Self.parse(registered.schema, id: id, referenced: referenced, parsed: &parsed, depth: 0))
        }
    }

    /// `schema` parsed with its references, each parsed first with its own (at most
    /// `SchemaRegistry.maxReferenceDepth` deep, so a cycle ends).
    private static func parse(_ schema: RegistrySchema, id: Int32, referenced: [String: RegisteredSchema],
                              parsed: inout [String: AvroSchema], depth: Int) throws(ToolFailure) -> AvroSchema {
        guard depth <= SchemaRegistry.maxReferenceDepth else {
            throw ToolFailure(.dataError, "schema id \(id): references nested deeper than \(SchemaRegistry.maxReferenceDepth)")
        }
        var references: [AvroSchema] = []
        for reference in schema.references {
            if let done = parsed[reference.name] {
                references.append(done)
                continue
            }
            guard let target = referenced[reference.name] else {
                throw ToolFailure(.dataError, "schema id \(id): reference \"\(reference.name)\" not found")
            }
            let done = try parse(target.schema, id: id, referenced: referenced, parsed: &parsed, depth: depth + 1)
            parsed[reference.name] = done
            references.append(done)
        }
        do {
            return try AvroSchema(parsing: schema.text, references: references)
        } catch {
            throw ToolFailure(.dataError, "schema id \(id) is not an Avro schema we can read: \(error)")
        }
    }
}

extension RegistryOptions {
    /// The consumers' fields: with a registry named (option or config file), its codec; else today's.
    package func fields(_ client: ClientSettings) throws(ToolFailure) -> MessageFields {
        guard let registry = try open(client) else { return .plain }
        let source = RegistrySchemaSource(registry)
        return .decoded(RegistryFields(form: form) { (id) throws(ToolFailure) in try source.schema(id: id) })
    }
}
