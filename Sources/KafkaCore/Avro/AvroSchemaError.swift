/// Why a schema text is not a usable Avro schema. `where` names the place in the schema
/// (a field, a named type), the message what is wrong.
package struct AvroSchemaError: Error, Equatable, Sendable, CustomStringConvertible {
    package var message: String

    init(_ message: String) { self.message = message }

    package var description: String { "invalid Avro schema: " + message }
}
