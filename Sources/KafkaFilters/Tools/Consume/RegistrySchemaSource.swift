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
            return .avro(try registry.avroSchema(registered, status: .dataError, reader: "we can read"))
        }
    }
}

extension SchemaRegistry {
    /// `registered`'s Avro schema with its references, each fetched once and parsed first with its own
    /// (at most `maxReferenceDepth` deep, so a cycle ends). A registry failure is ErrorMap's; a schema that
    /// does not parse, or a reference missing, fails with `status` ("... is not an Avro schema `reader`").
    /// The one reader of references for both sides: kpull/kstream's decoder and kput's encoder.
    func avroSchema(_ registered: RegisteredSchema, status: ExitStatus, reader: String) throws(ToolFailure) -> AvroSchema {
        let referenced: [String: RegisteredSchema]
        do {
            referenced = try self.referenced(by: registered.schema)
        } catch {
            throw error.failure()
        }
        var parsed: [String: AvroSchema] = [:]
        return try Self.parse(registered.schema, id: registered.id, referenced: referenced, parsed: &parsed, depth: 0,
                              status: status, reader: reader)
    }

    private static func parse(_ schema: RegistrySchema, id: Int32, referenced: [String: RegisteredSchema],
                              parsed: inout [String: AvroSchema], depth: Int, status: ExitStatus, reader: String)
        throws(ToolFailure) -> AvroSchema
    {
        guard depth <= maxReferenceDepth else {
            throw ToolFailure(status, "schema id \(id): references nested deeper than \(maxReferenceDepth)")
        }
        var references: [AvroSchema] = []
        for reference in schema.references {
            if let done = parsed[reference.name] {
                references.append(done)
                continue
            }
            guard let target = referenced[reference.name] else {
                throw ToolFailure(status, "schema id \(id): reference \"\(reference.name)\" not found")
            }
            let done = try parse(target.schema, id: id, referenced: referenced, parsed: &parsed, depth: depth + 1,
                                 status: status, reader: reader)
            parsed[reference.name] = done
            references.append(done)
        }
        do {
            return try AvroSchema(parsing: schema.text, references: references)
        } catch {
            throw ToolFailure(status, "schema id \(id) is not an Avro schema \(reader): \(error)")
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
