extension Envelope {
    /// Parses one envelope line (a trailing `\n` or `\r\n` is fine: it is JSON whitespace).
    ///
    /// The line must be one JSON object. Unknown members are ignored; a known member appearing twice
    /// is an error. `value` absent or `null` is a tombstone. Without `value_encoding` the payload is
    /// the value member's exact bytes (raw JSON); `"text"` needs a string and takes its decoded UTF-8;
    /// `"base64"` needs a string and decodes it strictly. `key` is a string (or absent/null → nil),
    /// decoded from base64 with `"key_encoding":"base64"`. `headers` is an array of objects with a
    /// string `key`, a string or null `value` (absent → null) and optional `"encoding":"base64"`.
    /// partition (Int32 ≥ -1), offset (Int64) and timestamp (Int64 ≥ 0) must be JSON integers; `null`
    /// counts as absent for them and for topic.
    static func decode(_ line: UnsafeRawBufferPointer) throws(EnvelopeError) -> EnvelopeRecord {
        var fields = Fields()
        try forEachMember(line, container: "envelope") { (name: Range<Int>, value: Range<Int>, kind: JSONKind) throws(EnvelopeError) in
            guard let member = Member(line, name) else { return }
            guard fields.slots[member.rawValue] == nil else {
                throw EnvelopeError("duplicate member \"\(member.name)\"")
            }
            fields.slots[member.rawValue] = Field(range: value, kind: kind)
        }

        var record = EnvelopeRecord()
        if let field = fields[.topic], field.kind != .null {
            guard field.kind == .string else { throw EnvelopeError("member \"topic\" must be a string") }
            record.topic = String(decoding: JSONScanner.decodeStringToken(line, field.range), as: UTF8.self)
        }
        if let field = fields[.partition] {
            record.partition = try integer(line, field, .partition, min: -1, max: Int64(Int32.max)).map { Int32($0) }
        }
        if let field = fields[.offset] {
            record.offset = try integer(line, field, .offset, min: Int64.min, max: Int64.max)
        }
        if let field = fields[.timestamp] {
            record.timestamp = try integer(line, field, .timestamp, min: 0, max: Int64.max)
        }

        // A schema registry's ids (kpull --registry): the key or value member is its JSON, any kind.
        if let field = fields[.keySchemaID] {
            record.keySchemaID = try integer(line, field, .keySchemaID, min: 0, max: Int64(Int32.max)).map { Int32($0) }
        }
        if let field = fields[.valueSchemaID] {
            record.valueSchemaID = try integer(line, field, .valueSchemaID, min: 0, max: Int64(Int32.max)).map { Int32($0) }
        }

        let keyEncoding = try encoding(line, fields[.keyEncoding], member: "key_encoding")
        if let field = fields[.key], field.kind != .null {
            if field.kind != .string && record.keySchemaID != nil && keyEncoding == nil {
                // Not a string: its JSON, which the key's schema encodes (without a registry, its bytes).
                record.key = Array(UnsafeRawBufferPointer(rebasing: line[field.range]))
            } else {
                guard field.kind == .string else { throw EnvelopeError("member \"key\" must be a string or null") }
                record.key = try payload(line, field, keyEncoding ?? .text, what: "\"key\"")
            }
            record.keyToken = field.range
        }

        let valueEncoding = try encoding(line, fields[.valueEncoding], member: "value_encoding")
        if let field = fields[.value], field.kind != .null {
            record.valueToken = field.range
            if let valueEncoding {
                guard field.kind == .string else {
                    throw EnvelopeError("member \"value\" must be a string when value_encoding is \"\(valueEncoding.name)\"")
                }
                record.value = try payload(line, field, valueEncoding, what: "\"value\"")
            } else {
                record.value = Array(UnsafeRawBufferPointer(rebasing: line[field.range]))
            }
        }

        // A member written with an encoding (base64, text) is its payload's bytes already, framing and all
        // (kpull --registry writes a Protobuf value so): its id is kept out of the encoder's way.
        if keyEncoding != nil { record.keySchemaID = nil }
        if valueEncoding != nil { record.valueSchemaID = nil }

        if let field = fields[.headers], field.kind != .null {
            guard field.kind == .array else { throw EnvelopeError("member \"headers\" must be an array") }
            record.headers = try headers(UnsafeRawBufferPointer(rebasing: line[field.range]))
        }
        return record
    }

    // MARK: - Members

    private enum Member: Int, CaseIterable {
        case topic, partition, offset, timestamp, key, keyEncoding, headers, valueEncoding, value, keySchemaID, valueSchemaID

        var name: StaticString {
            switch self {
            case .topic: return "topic"
            case .partition: return "partition"
            case .offset: return "offset"
            case .timestamp: return "timestamp"
            case .key: return "key"
            case .keyEncoding: return "key_encoding"
            case .headers: return "headers"
            case .valueEncoding: return "value_encoding"
            case .value: return "value"
            case .keySchemaID: return "key_schema_id"
            case .valueSchemaID: return "value_schema_id"
            }
        }

        /// nil for unknown members, which are ignored.
        init?(_ line: UnsafeRawBufferPointer, _ name: Range<Int>) {
            let raw = UnsafeRawBufferPointer(rebasing: line[name])
            let escaped = raw.baseAddress.map { base in
                JSONUnescaper.firstBackslash(base.assumingMemoryBound(to: UInt8.self), 0, raw.count) < raw.count
            } ?? false
            for member in Member.allCases {
                let want = member.name
                let matches = escaped
                    ? JSONScanner.nameEquals(line, name, want)
                    : raw.count == want.utf8CodeUnitCount
                        && raw.elementsEqual(UnsafeBufferPointer(start: want.utf8Start, count: want.utf8CodeUnitCount))
                if matches {
                    self = member
                    return
                }
            }
            return nil
        }
    }

    private struct Field {
        var range: Range<Int>
        var kind: JSONKind
    }

    private struct Fields {
        var slots: [Field?] = Array(repeating: nil, count: Member.allCases.count)
        subscript(member: Member) -> Field? { slots[member.rawValue] }
    }

    private enum Encoding {
        case text, base64
        var name: String { self == .text ? "text" : "base64" }
    }

    /// Walks the top-level entries (object members or array elements) of `bytes`, turning JSON errors
    /// into envelope errors; `body` also gets the top-level kind. Returns that kind.
    @discardableResult
    private static func forEachEntry(
        _ bytes: UnsafeRawBufferPointer, _ body: (_ top: JSONKind, _ entry: JSONEntry) throws(EnvelopeError) -> Void
    ) throws(EnvelopeError) -> JSONKind {
        var cursor: JSONCursor
        do throws(JSONScanError) {
            cursor = try JSONCursor(bytes, reportEntries: true)
        } catch {
            throw EnvelopeError(error)
        }
        while true {
            let entry: JSONEntry?
            do throws(JSONScanError) {
                entry = try cursor.next()
            } catch {
                throw EnvelopeError(error)
            }
            guard let entry else { return cursor.topKind }
            try body(cursor.topKind, entry)
        }
    }

    /// Walks the top-level members of an object, turning JSON errors into envelope errors.
    private static func forEachMember(
        _ bytes: UnsafeRawBufferPointer, container: String,
        _ body: (Range<Int>, Range<Int>, JSONKind) throws(EnvelopeError) -> Void
    ) throws(EnvelopeError) {
        let top = try forEachEntry(bytes) { (top: JSONKind, entry: JSONEntry) throws(EnvelopeError) in
            if top == .object { try body(entry.name, entry.value, entry.kind) }
        }
        guard top == .object else { throw EnvelopeError("\(container) must be a JSON object") }
    }

    private static func encoding(_ line: UnsafeRawBufferPointer, _ field: Field?, member: String)
        throws(EnvelopeError) -> Encoding?
    {
        guard let field, field.kind != .null else { return nil }
        guard field.kind == .string else { throw EnvelopeError("member \"\(member)\" must be a string") }
        if JSONScanner.nameEquals(line, inner(field.range), "text") { return .text }
        if JSONScanner.nameEquals(line, inner(field.range), "base64") { return .base64 }
        let name = JSONScanner.decodeStringToken(line, field.range)
        throw EnvelopeError("member \"\(member)\": unknown encoding \"\(excerpt(name))\"")
    }

    private static func payload(_ line: UnsafeRawBufferPointer, _ field: Field, _ encoding: Encoding, what: String)
        throws(EnvelopeError) -> [UInt8]
    {
        let text = JSONScanner.decodeStringToken(line, field.range)
        guard encoding == .base64 else { return text }
        guard let bytes = text.withUnsafeBytes({ Base64.decode($0) }) else {
            throw EnvelopeError("bad base64 in \(what)")
        }
        return bytes
    }

    /// A JSON integer (no fraction, no exponent) within min...max.
    private static func integer(_ line: UnsafeRawBufferPointer, _ field: Field, _ member: Member, min: Int64, max: Int64)
        throws(EnvelopeError) -> Int64?
    {
        if field.kind == .null { return nil }
        let notInteger = EnvelopeError("member \"\(member.name)\" must be an integer")
        guard field.kind == .number else { throw notInteger }
        let token = UnsafeRawBufferPointer(rebasing: line[field.range])
        var index = token.startIndex
        let negative = token[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        // Accumulate negatively so Int64.min parses without overflow.
        var value: Int64 = 0
        var overflow = false
        while index < token.endIndex {
            let digit = token[index] &- 0x30
            guard digit < 10 else { throw notInteger }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(Int64(digit))
            overflow = overflow || o1 || o2
            value = next
            index += 1
        }
        if !negative {
            let (positive, o3) = value.multipliedReportingOverflow(by: -1)
            overflow = overflow || o3
            value = positive
        }
        guard !overflow, value >= min, value <= max else {
            throw EnvelopeError("member \"\(member.name)\" is out of range (\(min)...\(max))")
        }
        return value
    }

    // MARK: - Headers

    private static func headers(_ array: UnsafeRawBufferPointer) throws(EnvelopeError) -> [EnvelopeHeader] {
        var result: [EnvelopeHeader] = []
        try forEachEntry(array) { (_: JSONKind, entry: JSONEntry) throws(EnvelopeError) in
            let index = result.count
            guard entry.kind == .object else { throw EnvelopeError("header \(index) must be an object") }
            result.append(try header(UnsafeRawBufferPointer(rebasing: array[entry.value]), index: index))
        }
        return result
    }

    private static func header(_ object: UnsafeRawBufferPointer, index: Int) throws(EnvelopeError) -> EnvelopeHeader {
        var key: Field?
        var value: Field?
        var encodingField: Field?
        try forEachMember(object, container: "header \(index)") { (name: Range<Int>, range: Range<Int>, kind: JSONKind) throws(EnvelopeError) in
            let field = Field(range: range, kind: kind)
            if JSONScanner.nameEquals(object, name, "key") {
                guard key == nil else { throw EnvelopeError("header \(index): duplicate member \"key\"") }
                key = field
            } else if JSONScanner.nameEquals(object, name, "value") {
                guard value == nil else { throw EnvelopeError("header \(index): duplicate member \"value\"") }
                value = field
            } else if JSONScanner.nameEquals(object, name, "encoding") {
                guard encodingField == nil else { throw EnvelopeError("header \(index): duplicate member \"encoding\"") }
                encodingField = field
            }
        }
        guard let key else { throw EnvelopeError("header \(index): missing member \"key\"") }
        guard key.kind == .string else { throw EnvelopeError("header \(index): member \"key\" must be a string") }
        let name = String(decoding: JSONScanner.decodeStringToken(object, key.range), as: UTF8.self)

        let encoding: Encoding?
        do throws(EnvelopeError) {
            encoding = try self.encoding(object, encodingField, member: "encoding")
        } catch {
            throw EnvelopeError("header \(index): \(error.description)")
        }
        guard let value, value.kind != .null else { return EnvelopeHeader(key: name, value: nil) }
        guard value.kind == .string else { throw EnvelopeError("header \(index): member \"value\" must be a string or null") }
        return EnvelopeHeader(key: name, value: try payload(object, value, encoding ?? .text, what: "header \(index) \"value\""))
    }

    // MARK: - Helpers

    /// The content range of a string token (without its quotes).
    private static func inner(_ token: Range<Int>) -> Range<Int> {
        token.count >= 2 ? token.lowerBound + 1 ..< token.upperBound - 1 : token
    }

    /// A short, printable rendering of untrusted text for error messages.
    static func excerpt(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(32) {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                text.append(Character(UnicodeScalar(byte)))
            } else {
                text += "\\x" + JSONTables.hex(byte)
            }
        }
        if bytes.count > 32 { text += "…" }
        return text
    }
}
