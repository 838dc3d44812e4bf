/// One type of a parsed schema. Children are indices into `AvroSchema.nodes`, so recursive types
/// (a record whose field refers to the record itself) are plain cycles of indices.
package enum AvroNode: Sendable {
    case null, boolean, int, long, float, double, bytes, string
    /// `fullName` includes the namespace.
    case record(fullName: String, fields: [AvroField])
    /// `symbols` as written; `quoted` the symbols as JSON strings, ready to append.
    case enumeration(fullName: String, symbols: [String], quoted: [[UInt8]])
    case array(items: Int)
    case map(values: Int)
    case union(branches: [Int])
    case fixed(fullName: String, size: Int)

    /// The name a union branch of this type has in Avro's JSON encoding (`{"name": value}`): the full
    /// name for named types, the type's name otherwise.
    var branchName: String {
        switch self {
        case .null: return "null"
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .bytes: return "bytes"
        case .string: return "string"
        case .record(let name, _), .enumeration(let name, _, _), .fixed(let name, _): return name
        case .array: return "array"
        case .map: return "map"
        case .union: return "union"
        }
    }
}
