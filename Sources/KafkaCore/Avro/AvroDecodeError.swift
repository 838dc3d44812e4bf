/// Why an Avro binary body does not decode with its schema, and at which byte of the body.
/// Never echoes the body's bytes.
package struct AvroDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Offset in the body where decoding went wrong.
    package var offset: Int
    package var reason: String

    init(_ offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    package var description: String { "Avro body at byte \(offset): \(reason)" }
}
