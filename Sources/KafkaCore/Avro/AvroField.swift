/// One field of a record.
package struct AvroField: Sendable {
    /// The field's name, as written in the JSON.
    package var name: String
    /// The field's name as UTF-8 (compared with a JSON member's name without building a String).
    var nameBytes: [UInt8]
    /// `"name":`, ready to append when decoding.
    var jsonKey: [UInt8]
    /// The node of the field's type in its schema.
    package var type: Int
    /// The default's JSON text as the schema wrote it, nil without one.
    package var defaultJSON: [UInt8]?
    /// The default, encoded once when the schema is parsed: appended when a record's JSON lacks the member.
    var defaultBinary: [UInt8]?
}
