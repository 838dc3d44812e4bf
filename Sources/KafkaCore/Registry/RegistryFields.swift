/// What a schema id stands for when reading: how its framed bodies become JSON.
package enum DecodingSchema: Sendable {
    /// Avro binary, decoded with the writer's schema.
    case avro(AvroSchema)
    /// A JSON Schema: the body is the JSON document itself.
    case json
    /// Protobuf: not decoded yet; written as today (base64) with its id.
    case protobuf
}

/// How one key or value is written, decided before its line is built (`RegistryFields.prepare`).
package enum RegistryPayload: Equatable, Sendable {
    /// Not registry-framed (no magic byte, shorter than 5 bytes, a tombstone): today's fields.
    case plain
    /// Decoded: the JSON is in the decoder's buffer; the id goes out as `…_schema_id`.
    case decoded(id: Int32)
    /// Framed but not decoded (Protobuf): today's fields plus the id.
    case undecoded(id: Int32)
}

/// The consumer's fields with a schema registry (issue 22): a key or value that is registry-framed
/// (`RegistryFraming.split`: 0x00, a 4-byte id, the body) is written with its schema — Avro decoded into
/// JSON (`AvroJSONForm`), a JSON Schema's body embedded as JSON — and followed by `"key_schema_id":N` /
/// `"value_schema_id":N`; Protobuf stays base64 with its id (one note per run); anything not framed is
/// written as today (`PlainFields`).
///
/// Everything that can fail happens in `prepare`, before any of the message's line is built: an unknown
/// id, an unreachable registry, a body that does not decode with its schema throw a `ToolFailure` (the
/// caller names the position and stops before that message: whatever came before is written and
/// committed). The `append…` calls that follow for the same message only copy what `prepare` made.
///
/// The schemas come from `source` (the registry: mechanism, in KafkaFilters), each id asked once per run
/// and kept, parsed, in a bounded cache.
package final class RegistryFields: MessageFieldDecoder {
    package typealias Source = (Int32) throws(ToolFailure) -> DecodingSchema

    package let form: AvroJSONForm
    private let source: Source
    private let note: (String) -> Void
    private var schemas: SchemaCache<DecodingSchema>
    /// The last id asked for: most topics carry one schema, so most messages skip the cache. A class, so
    /// taking it per message is one reference, not a copy of the schema's arrays.
    private var last: Entry?

    private final class Entry {
        let id: Int32
        let schema: DecodingSchema
        /// The Avro schema's decoder program, when it is one: taken per message as one reference (the
        /// schema itself is a struct of arrays, each retained and released when it is copied out).
        let avro: AvroPointerProgram?
        /// `,"key_schema_id":N` and `,"value_schema_id":N`, made once.
        let keySuffix: [UInt8]
        let valueSuffix: [UInt8]
        init(id: Int32, schema: DecodingSchema) {
            self.id = id
            self.schema = schema
            if case .avro(let a) = schema { avro = a.decoderProgram } else { avro = nil }
            var key: [UInt8] = [], value: [UInt8] = []
            RegistryFields.appendID(",\"key_schema_id\":", id, to: &key)
            RegistryFields.appendID(",\"value_schema_id\":", id, to: &value)
            keySuffix = key
            valueSuffix = value
        }
    }
    private var protobufNoted = false

    /// The prepared key and value of the current message.
    package private(set) var key = RegistryPayload.plain
    package private(set) var value = RegistryPayload.plain
    /// A decoded key's or value's members, ready to append: `,"value":` + the JSON + `,"value_schema_id":N`
    /// (the JSON alone at `…Range`, for `--format value`).
    private var keyJSON: [UInt8] = []
    private var valueJSON: [UInt8] = []
    private var valueRange = 0..<0

    /// `note` says something once per run on stderr (the Protobuf note).
    package init(form: AvroJSONForm, cacheCapacity: Int = SchemaCache<DecodingSchema>.defaultCapacity,
                 note: @escaping (String) -> Void = { Diagnostics.warning($0) }, source: @escaping Source) {
        self.form = form
        self.source = source
        self.note = note
        schemas = SchemaCache(capacity: cacheCapacity)
    }

    /// Decides and decodes the message's key (nil: none, or not written) and value (nil: a tombstone).
    /// Throws, leaving nothing prepared, when the message cannot be written with its schemas.
    package func prepare(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) throws(ToolFailure) {
        self.key = .plain
        self.value = .plain
        if let key {
            var unused = 0..<0
            self.key = try decode(key, isKey: true, into: &keyJSON, json: &unused)
        }
        if let value {
            do throws(ToolFailure) {
                self.value = try decode(value, isKey: false, into: &valueJSON, json: &valueRange)
            } catch {
                self.key = .plain
                throw error
            }
        }
    }

    /// The schema of `id`: the last one, the cache, or `source` (then cached).
    package func schema(id: Int32) throws(ToolFailure) -> DecodingSchema {
        try entry(id: id).schema
    }

    private func entry(id: Int32) throws(ToolFailure) -> Entry {
        if let last, last.id == id { return last }
        let found: DecodingSchema
        if let cached = schemas.schema(id: id) {
            found = cached
        } else {
            found = try source(id)
            schemas.insert(id: id, found)
        }
        let entry = Entry(id: id, schema: found)
        last = entry
        return entry
    }

    /// The rule for one payload: not framed → plain; framed → its members in `out` (replaced): the
    /// member's name, its schema's JSON (at `json`), its schema id.
    private func decode(_ payload: UnsafeRawBufferPointer, isKey: Bool, into out: inout [UInt8],
                        json: inout Range<Int>) throws(ToolFailure) -> RegistryPayload {
        guard let (id, start) = RegistryFraming.split(payload) else { return .plain }
        let entry = try entry(id: id)
        let body = UnsafeRawBufferPointer(rebasing: payload[start...])
        out.removeAll(keepingCapacity: true)
        if isKey { Envelope.appendLiteral(",\"key\":", to: &out) } else { Envelope.appendLiteral(",\"value\":", to: &out) }
        let jsonStart = out.count
        if let avro = entry.avro {
            do {
                try AvroDecoder.appendJSON(body: body, program: avro, form: form, to: &out)
            } catch {
                throw ToolFailure(.dataError, "\(isKey ? "key" : "value") with schema id \(id) does not decode: \(error)")
            }
            json = jsonStart..<out.count
            out.append(contentsOf: isKey ? entry.keySuffix : entry.valueSuffix)
            return .decoded(id: id)
        }
        let member = isKey ? "key" : "value"
        switch entry.schema {
        case .avro:
            preconditionFailure("an Avro entry always has its schema")
        case .json:
            guard Self.isOneLineJSON(body) else {
                throw ToolFailure(.dataError, "\(member) with schema id \(id) (JSON Schema) is not one JSON document on one line")
            }
            out.append(contentsOf: body)
            json = jsonStart..<out.count
            out.append(contentsOf: isKey ? entry.keySuffix : entry.valueSuffix)
            return .decoded(id: id)
        case .protobuf:
            if !protobufNoted {
                protobufNoted = true
                note("\(member) with schema id \(id) is Protobuf: written as base64 with its \(member)_schema_id (Protobuf is not decoded yet)")
            }
            return .undecoded(id: id)
        }
    }

    /// A JSON Schema body embedded in an envelope: exactly one JSON document, no line break.
    static func isOneLineJSON(_ body: UnsafeRawBufferPointer) -> Bool {
        guard let base = body.baseAddress, body.count > 0 else { return false }
        let p = base.assumingMemoryBound(to: UInt8.self)
        return !Envelope.containsLineBreak(p, body.count) && JSONScanner.validate(body, maxDepth: JSONScanner.maxDepth &- 1) == nil
    }

    // MARK: - MessageFieldDecoder (after `prepare`, for the same message)

    package func appendKeyMembers(_ key: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        switch self.key {
        case .plain:
            PlainFields().appendKeyMembers(key, to: &out)
        case .decoded:
            out.append(contentsOf: keyJSON)   // its members, whole (`decode`)
        case .undecoded(let id):
            PlainFields().appendKeyMembers(key, to: &out)
            Self.appendID(",\"key_schema_id\":", id, to: &out)
        }
    }

    package func appendValueMembers(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        switch self.value {
        case .plain:
            PlainFields().appendValueMembers(value, to: &out)
        case .decoded:
            out.append(contentsOf: valueJSON)   // its members, whole (`decode`)
        case .undecoded(let id):
            PlainFields().appendValueMembers(value, to: &out)
            Self.appendID(",\"value_schema_id\":", id, to: &out)
        }
    }

    /// `--format value`: the decoded JSON alone; anything else as today.
    package func appendValueLine(_ value: UnsafeRawBufferPointer?, to out: inout [UInt8]) throws(Envelope.ValueLineError) {
        guard value != nil, case .decoded = self.value else {
            return try PlainFields().appendValueLine(value, to: &out)
        }
        valueJSON.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[valueRange])) }
        out.append(UInt8(ascii: "\n"))
    }

    fileprivate static func appendID(_ name: StaticString, _ id: Int32, to out: inout [UInt8]) {
        Envelope.appendLiteral(name, to: &out)
        Envelope.appendInteger(Int64(id), to: &out)
    }
}
