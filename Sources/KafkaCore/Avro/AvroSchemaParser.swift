/// Turns a schema text into an `AvroSchema`, following the specification's rules for names,
/// namespaces, unions and logical types. Every violation is an `AvroSchemaError` naming the place.
struct AvroSchemaParser {
    private var text: UnsafeRawBufferPointer
    private var nodes: [AvroNode] = []
    private var logicalTypes: [AvroLogicalType?] = []
    private var namedTypes: [String: Int] = [:]

    static func parse(_ text: UnsafeRawBufferPointer, references: [AvroSchema]) throws(AvroSchemaError) -> AvroSchema {
        let json = try AvroSchemaJSON.parse(text)
        var parser = AvroSchemaParser(text: text)
        for reference in references { try parser.include(reference) }
        let root = try parser.type(json, namespace: "", place: "the schema")
        var schema = AvroSchema(nodes: parser.nodes, logicalTypes: parser.logicalTypes, root: root,
                                namedTypes: parser.namedTypes)
        try AvroSchemaParser.encodeDefaults(&schema)
        // Again, now with the defaults' bytes for the encoder.
        schema.program = AvroProgram(nodes: schema.nodes, logicalTypes: schema.logicalTypes, minimumSizes: schema.minimumSizes)
        return schema
    }

    // MARK: - References

    /// Copies a referenced schema's nodes in (indices shifted) and makes its named types resolvable.
    private mutating func include(_ reference: AvroSchema) throws(AvroSchemaError) {
        let shift = nodes.count
        for node in reference.nodes {
            switch node {
            case .record(let name, var fields):
                for k in fields.indices { fields[k].type += shift }
                nodes.append(.record(fullName: name, fields: fields))
            case .array(let items): nodes.append(.array(items: items + shift))
            case .map(let values): nodes.append(.map(values: values + shift))
            case .union(let branches): nodes.append(.union(branches: branches.map { $0 + shift }))
            default: nodes.append(node)
            }
        }
        logicalTypes.append(contentsOf: reference.logicalTypes)
        for (name, index) in reference.namedTypes {
            if let existing = namedTypes[name], nodes[existing].branchName != name || existing != index + shift {
                // The same reference reached twice (a diamond) defines the same name twice: keep the first.
                continue
            }
            namedTypes[name] = index + shift
        }
    }

    // MARK: - Types

    private mutating func add(_ node: AvroNode, _ logical: AvroLogicalType? = nil) -> Int {
        nodes.append(node)
        logicalTypes.append(logical)
        return nodes.count - 1
    }

    private static func primitive(_ name: String) -> AvroNode? {
        switch name {
        case "null": return .null
        case "boolean": return .boolean
        case "int": return .int
        case "long": return .long
        case "float": return .float
        case "double": return .double
        case "bytes": return .bytes
        case "string": return .string
        default: return nil
        }
    }

    /// `place` says where the type stands, for errors ("field \"zip\" of record a.Address").
    private mutating func type(_ json: AvroSchemaJSON, namespace: String, place: String) throws(AvroSchemaError) -> Int {
        switch json.kind {
        case .string:
            if let node = AvroSchemaParser.primitive(json.string) { return add(node) }
            return try reference(json.string, namespace: namespace, place: place)
        case .array:
            return try union(json, namespace: namespace, place: place)
        case .object:
            return try object(json, namespace: namespace, place: place)
        default:
            throw AvroSchemaError("\(place): a type must be a name, an object or a union array")
        }
    }

    private func reference(_ name: String, namespace: String, place: String) throws(AvroSchemaError) -> Int {
        // As Java's parser: the enclosing namespace first, then the null namespace.
        if let index = namedTypes[AvroNames.fullName(name, namespace: namespace)] ?? namedTypes[name] { return index }
        throw AvroSchemaError("\(place): unknown type \"\(name)\"")
    }

    private mutating func union(_ json: AvroSchemaJSON, namespace: String, place: String) throws(AvroSchemaError) -> Int {
        var branches: [Int] = []
        var seen: Set<String> = []
        for (k, item) in json.items.enumerated() {
            let branch = try type(item, namespace: namespace, place: "\(place), union branch \(k)")
            let name = nodes[branch].branchName
            if case .union = nodes[branch] { throw AvroSchemaError("\(place): a union may not contain a union") }
            guard seen.insert(name).inserted else {
                throw AvroSchemaError("\(place): the union has two branches of type \(name)")
            }
            branches.append(branch)
        }
        guard !branches.isEmpty else { throw AvroSchemaError("\(place): a union needs at least one branch") }
        return add(.union(branches: branches))
    }

    private mutating func object(_ json: AvroSchemaJSON, namespace: String, place: String) throws(AvroSchemaError) -> Int {
        guard let typeMember = json["type"] else { throw AvroSchemaError("\(place): a type object needs \"type\"") }
        guard typeMember.kind == .string else {
            throw AvroSchemaError("\(place): \"type\" must be a string (a nested type goes in a field's \"type\")")
        }
        let typeName = typeMember.string
        if let node = AvroSchemaParser.primitive(typeName) {
            return add(node, logical(json, node: node, fixedSize: nil))
        }
        switch typeName {
        case "array":
            guard let items = json["items"] else { throw AvroSchemaError("\(place): an array needs \"items\"") }
            let index = add(.null)
            nodes[index] = .array(items: try type(items, namespace: namespace, place: "\(place), array items"))
            return index
        case "map":
            guard let values = json["values"] else { throw AvroSchemaError("\(place): a map needs \"values\"") }
            let index = add(.null)
            nodes[index] = .map(values: try type(values, namespace: namespace, place: "\(place), map values"))
            return index
        case "record", "error", "enum", "fixed":
            return try named(json, kind: typeName, namespace: namespace, place: place)
        default:
            // A named type referred to through {"type": "Name"}.
            return try reference(typeName, namespace: namespace, place: place)
        }
    }

    private mutating func named(_ json: AvroSchemaJSON, kind: String, namespace: String, place: String) throws(AvroSchemaError) -> Int {
        guard let nameMember = json["name"], nameMember.kind == .string else {
            throw AvroSchemaError("\(place): a \(kind) needs a \"name\" string")
        }
        var space = namespace
        if let member = json["namespace"] {
            guard member.kind == .string || member.kind == .null else {
                throw AvroSchemaError("\(place): \"namespace\" must be a string")
            }
            space = member.string
        }
        let fullName = AvroNames.fullName(nameMember.string, namespace: space)
        let shortName = String(fullName.split(separator: ".", omittingEmptySubsequences: false).last ?? "")
        guard AvroNames.isValidName(shortName), AvroNames.isValidNamespace(AvroNames.namespace(of: fullName)) else {
            throw AvroSchemaError("\(place): invalid name \"\(fullName)\"")
        }
        guard !AvroNames.primitives.contains(shortName), namedTypes[fullName] == nil else {
            throw AvroSchemaError("\(place): \"\(fullName)\" is defined twice or is a primitive type's name")
        }
        let ownSpace = AvroNames.namespace(of: fullName)
        let here = "\(kind) \(fullName)"
        switch kind {
        case "enum":
            guard let symbols = json["symbols"], symbols.kind == .array else {
                throw AvroSchemaError("\(here): an enum needs a \"symbols\" array")
            }
            var names: [String] = []
            for symbol in symbols.items {
                guard symbol.kind == .string, AvroNames.isValidName(symbol.string) else {
                    throw AvroSchemaError("\(here): each symbol must be a name ([A-Za-z_][A-Za-z0-9_]*)")
                }
                guard !names.contains(symbol.string) else { throw AvroSchemaError("\(here): symbol \(symbol.string) twice") }
                names.append(symbol.string)
            }
            if let fallback = json["default"], fallback.kind != .string || !names.contains(fallback.string) {
                throw AvroSchemaError("\(here): the default must be one of the symbols")
            }
            let quoted = names.map { name -> [UInt8] in
                var out: [UInt8] = []
                JSONString.appendQuoted(name, to: &out)
                return out
            }
            let index = add(.enumeration(fullName: fullName, symbols: names, quoted: quoted))
            namedTypes[fullName] = index
            return index
        case "fixed":
            guard let size = json["size"], size.kind == .number, let count = Int(size.numberText(text)), count >= 0 else {
                throw AvroSchemaError("\(here): a fixed needs a \"size\", a non-negative integer")
            }
            // A bound that keeps size arithmetic far from overflow; no message is that large.
            guard count <= Int(Int32.max) else { throw AvroSchemaError("\(here): size \(count) above \(Int32.max)") }
            let node = AvroNode.fixed(fullName: fullName, size: count)
            let index = add(node, logical(json, node: node, fixedSize: count))
            namedTypes[fullName] = index
            return index
        default:
            // Registered before its fields, so they may refer to the record itself.
            let index = add(.record(fullName: fullName, fields: []))
            namedTypes[fullName] = index
            guard let fieldsMember = json["fields"], fieldsMember.kind == .array else {
                throw AvroSchemaError("\(here): a record needs a \"fields\" array")
            }
            var fields: [AvroField] = []
            for (k, field) in fieldsMember.items.enumerated() {
                guard field.kind == .object, let name = field["name"], name.kind == .string,
                      AvroNames.isValidName(name.string)
                else {
                    throw AvroSchemaError("\(here): field \(k) needs a \"name\" ([A-Za-z_][A-Za-z0-9_]*)")
                }
                guard !fields.contains(where: { $0.name == name.string }) else {
                    throw AvroSchemaError("\(here): field \"\(name.string)\" twice")
                }
                guard let fieldType = field["type"] else {
                    throw AvroSchemaError("\(here): field \"\(name.string)\" needs a \"type\"")
                }
                let type = try type(fieldType, namespace: ownSpace, place: "field \"\(name.string)\" of \(here)")
                var key: [UInt8] = []
                JSONString.appendQuoted(name.string, to: &key)
                key.append(UInt8(ascii: ":"))
                let defaultJSON = field["default"].map { Array(UnsafeRawBufferPointer(rebasing: text[$0.range])) }
                fields.append(AvroField(name: name.string, nameBytes: Array(name.string.utf8), jsonKey: key, type: type,
                                        defaultJSON: defaultJSON, defaultBinary: nil))
            }
            nodes[index] = .record(fullName: fullName, fields: fields)
            return index
        }
    }

    /// The logical type an object gives `node`, or nil (none, unknown, or invalid: then ignored).
    private func logical(_ json: AvroSchemaJSON, node: AvroNode, fixedSize: Int?) -> AvroLogicalType? {
        guard let member = json["logicalType"], member.kind == .string else { return nil }
        switch (member.string, node) {
        case ("decimal", .bytes), ("decimal", .fixed):
            guard let p = json["precision"], p.kind == .number, let precision = Int(p.numberText(text)), precision > 0 else {
                return nil
            }
            var scale = 0
            if let s = json["scale"] {
                guard s.kind == .number, let value = Int(s.numberText(text)), value >= 0 else { return nil }
                scale = value
            }
            // Beyond what the decoder prints (AvroDecoder.decimalByteLimit bytes hold 1,233 digits), a
            // precision is taken as invalid like any other: the type is read as its bytes.
            guard scale <= precision, precision <= 1233 else { return nil }
            if let size = fixedSize {
                // The most digits a size-byte two's complement number always holds: floor(log10(2^(8·size−1) − 1)).
                guard size > 0, Double(precision) <= (Double(8 * size - 1) * 0.30102999566398120).rounded(.down) else { return nil }
            }
            return .decimal(precision: precision, scale: scale)
        case ("uuid", .string): return .uuid
        case ("date", .int): return .date
        case ("time-millis", .int): return .timeMillis
        case ("time-micros", .long): return .timeMicros
        case ("timestamp-millis", .long): return .timestampMillis
        case ("timestamp-micros", .long): return .timestampMicros
        case ("local-timestamp-millis", .long): return .localTimestampMillis
        case ("local-timestamp-micros", .long): return .localTimestampMicros
        case ("duration", .fixed(_, 12)): return .duration
        default: return nil
        }
    }

    // MARK: - Defaults

    /// Encodes every field default once, which also checks that each fits its field's type.
    private static func encodeDefaults(_ schema: inout AvroSchema) throws(AvroSchemaError) {
        for index in schema.nodes.indices {
            guard case .record(let name, var fields) = schema.nodes[index] else { continue }
            var changed = false
            for k in fields.indices {
                guard let json = fields[k].defaultJSON else { continue }
                var out: [UInt8] = []
                do throws(AvroEncodeError) {
                    try AvroEncoder.appendDefault(json, type: fields[k].type, schema: schema, to: &out)
                } catch {
                    throw AvroSchemaError("field \"\(fields[k].name)\" of record \(name): the default does not fit: \(error)")
                }
                fields[k].defaultBinary = out
                changed = true
            }
            if changed { schema.nodes[index] = .record(fullName: name, fields: fields) }
        }
    }
}
