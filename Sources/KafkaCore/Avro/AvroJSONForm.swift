/// Which JSON an Avro value is written as (and read from, for the encoder).
package enum AvroJSONForm: Sendable, Equatable {
    /// What jq users expect: a union's value without its branch name, a decimal as an exact decimal
    /// string. The default.
    case natural
    /// Avro's own JSON encoding (the specification's, which avro-c and so kcat print): a union as
    /// `{"branch": value}` with the full name of a named branch, logical types as their underlying type
    /// (a decimal as its bytes).
    case avro
}
