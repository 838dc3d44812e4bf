/// A logical type the schema gave a node. Only `decimal` changes how a value is written (as an exact
/// decimal string in the natural JSON); the others are written as the value they are stored as.
/// Per the specification, a logical type on the wrong underlying type (or a decimal whose precision
/// and scale are invalid) is ignored and the node is read as its underlying type.
package enum AvroLogicalType: Sendable, Equatable {
    case decimal(precision: Int, scale: Int)
    case uuid
    case date
    case timeMillis
    case timeMicros
    case timestampMillis
    case timestampMicros
    case localTimestampMillis
    case localTimestampMicros
    case duration
}
