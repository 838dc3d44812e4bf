/// A schema text as a small tree, read with the project's JSON grammar (`JSONCursor`). Only schemas are
/// read this way, once each: messages are never turned into a tree.
struct AvroSchemaJSON {
    var kind: JSONKind
    /// The value's exact bytes in the schema text (a default is kept as these bytes).
    var range: Range<Int>
    /// The decoded text of a string.
    var string: String = ""
    /// An object's members, in order.
    var members: [(name: String, value: AvroSchemaJSON)] = []
    /// An array's items.
    var items: [AvroSchemaJSON] = []

    /// The whole text as one JSON value, or where and why it is not one.
    static func parse(_ text: UnsafeRawBufferPointer) throws(AvroSchemaError) -> AvroSchemaJSON {
        if let error = JSONScanner.validate(text) { throw AvroSchemaError("not JSON: \(error)") }
        return parse(valid: text)
    }

    /// `text`, already known to be one valid JSON value (`JSONScanner.validate`), as a tree.
    static func parse(valid text: UnsafeRawBufferPointer) -> AvroSchemaJSON {
        let p = text.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
        let start = JSONCursor.skipWhitespace(p, 0, text.count)
        var end = text.count
        while end > start, Envelope.isJSONWhitespace(p[end &- 1]) { end &-= 1 }
        return value(text, start..<end)
    }

    /// `range` is one valid JSON value without surrounding whitespace.
    private static func value(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> AvroSchemaJSON {
        let p = text.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
        var node = AvroSchemaJSON(kind: JSONCursor.kind(of: p[range.lowerBound]), range: range)
        switch node.kind {
        case .string:
            node.string = String(decoding: JSONScanner.decodeStringToken(text, range), as: UTF8.self)
        case .object, .array:
            // Valid already: the cursor over the sub-range cannot fail.
            guard var cursor = try? JSONCursor(p + range.lowerBound, count: range.count, reportEntries: true) else { break }
            let base = range.lowerBound
            while let entry = try? cursor.next() {
                let child = value(text, entry.value.lowerBound &+ base ..< entry.value.upperBound &+ base)
                if node.kind == .object {
                    let name = JSONScanner.decodeStringContent(text, entry.name.lowerBound &+ base ..< entry.name.upperBound &+ base)
                    node.members.append((String(decoding: name, as: UTF8.self), child))
                } else {
                    node.items.append(child)
                }
            }
        default:
            break
        }
        return node
    }

    subscript(_ name: String) -> AvroSchemaJSON? {
        members.first { $0.name == name }?.value
    }

    /// The text of a number token.
    func numberText(_ text: UnsafeRawBufferPointer) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: text[range]), as: UTF8.self)
    }
}
