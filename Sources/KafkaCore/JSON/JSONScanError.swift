/// Why and where a byte sequence is not one strict (RFC 8259) JSON document.
///
/// The description never echoes input beyond a single printable ASCII character,
/// so it is safe to print for payloads that may hold secrets or binary data.
struct JSONScanError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset in the input where scanning went wrong.
    var offset: Int
    var reason: Reason

    enum Reason: Equatable, Sendable {
        /// No bytes, or only whitespace.
        case empty
        /// A malformed, overlong, surrogate, out-of-range or truncated UTF-8 sequence inside a string.
        case invalidUTF8
        /// A byte that cannot appear at this point of the grammar.
        case unexpectedByte(UInt8)
        /// The input ended inside a value or container.
        case unexpectedEnd
        /// More than `JSONScanner.maxDepth` nested arrays/objects.
        case tooDeep
        /// A backslash not followed by one of `"\/bfnrt` or by `u` and four hex digits.
        case invalidEscape
        /// An unescaped byte below 0x20 inside a string.
        case controlCharacterInString
        /// A number outside the RFC grammar, or one whose magnitude rounds to infinity as a binary64.
        case invalidNumber
        /// Non-whitespace after the complete top-level value.
        case trailingData
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high+low pair.
        case loneSurrogate
        /// The document is valid but its top-level value is not an object.
        case notAnObject
    }

    init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    var description: String {
        let what: String
        switch reason {
        case .empty: what = "empty input"
        case .invalidUTF8: what = "invalid UTF-8"
        case .unexpectedByte(let byte): what = "unexpected " + JSONScanError.describe(byte)
        case .unexpectedEnd: what = "unexpected end of input"
        case .tooDeep: what = "nesting deeper than \(JSONScanner.maxDepth)"
        case .invalidEscape: what = "invalid escape sequence"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidNumber: what = "invalid number"
        case .trailingData: what = "data after the JSON value"
        case .loneSurrogate: what = "unpaired UTF-16 surrogate escape"
        case .notAnObject: what = "not a JSON object"
        }
        return "invalid JSON at byte \(offset): \(what)"
    }

    /// One printable character quoted, anything else as hex: keeps terminals and logs clean.
    static func describe(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F {
            return "'" + String(UnicodeScalar(byte)) + "'"
        }
        return "byte 0x" + JSONTables.hex(byte, uppercase: true)
    }
}

/// The kind of a JSON value, decided by its first byte.
enum JSONKind: Sendable {
    case object, array, string, number, `true`, `false`, null
}
