/// A schema as a registry holds it: its type, its text, and the other schemas it refers to.
package struct RegistrySchema: Sendable, Equatable {
    package enum SchemaType: String, Sendable, Equatable, CaseIterable {
        case avro = "AVRO", json = "JSON", protobuf = "PROTOBUF"
    }

    /// `schemaType`; absent in an answer means AVRO.
    package var type: SchemaType
    /// `schema`: the schema's text (Avro's JSON, a JSON Schema, a .proto file).
    package var text: String
    /// `references`: named types defined in other subjects' versions.
    package var references: [SchemaReference]

    package init(type: SchemaType = .avro, text: String, references: [SchemaReference] = []) {
        self.type = type
        self.text = text
        self.references = references
    }
}

/// One entry of `references`: the name the schema uses, and the subject version that defines it.
package struct SchemaReference: Sendable, Equatable, Hashable {
    package var name: String
    package var subject: String
    package var version: Int32
    package init(name: String, subject: String, version: Int32) {
        self.name = name
        self.subject = subject
        self.version = version
    }
}

/// A schema with what the registry says about it; `subject` and `version` only in the answers that carry them.
package struct RegisteredSchema: Sendable, Equatable {
    package var id: Int32
    package var subject: String?
    package var version: Int32?
    package var schema: RegistrySchema
    package init(id: Int32, subject: String? = nil, version: Int32? = nil, schema: RegistrySchema) {
        self.id = id
        self.subject = subject
        self.version = version
        self.schema = schema
    }
}
