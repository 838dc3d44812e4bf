/// kput's check of a JSON line against a registry's JSON Schema (issue 22, the write side): a line that
/// does not fit is a bad line, named like an Avro misfit (`$.address.zip: expected integer or null, got
/// "x"`), so nothing lands in the topic that Confluent's JSONDeserializer (which validates) would refuse.
///
/// Checked: boolean schemas, `type` (one or a list; `integer` is a number with no fraction), `enum`,
/// `const`, `properties`, `required`, `additionalProperties` (false or a schema), `minProperties`,
/// `maxProperties`, `items` (one schema, or a list for a tuple, with `additionalItems`), `prefixItems`,
/// `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength` (in code points), `minimum`, `maximum`,
/// `exclusiveMinimum`, `exclusiveMaximum` (draft 4's booleans too), `multipleOf`, `allOf`, `anyOf`,
/// `oneOf`, `not`, `if`/`then`/`else`, and `$ref` to a JSON pointer inside the schema (`#`,
/// `#/definitions/X`, `#/$defs/X`). Not checked (`unchecked` names those a schema uses, and kput says so
/// once at -v): `pattern`, `patternProperties`, `format`, `dependencies`, `dependentRequired`,
/// `dependentSchemas`, `propertyNames`, `contains`, `unevaluated*`, and `$ref`s to other documents (a
/// registry reference): a line is not refused for them. The schema is compiled once; each line is read
/// into a small tree (`AvroSchemaJSON`) and walked once.
package final class JSONSchemaValidator: Sendable {
    private let nodes: [Node]
    /// Keywords the schema uses that are not checked, sorted.
    package let unchecked: [String]

    /// A compiled schema: the root, or any schema a `$ref` points at, is `nodes[i]`.
    private struct Node: Sendable {
        var never = false
        var types: [String]?
        var enumValues: [Value]?
        var constValue: Value?
        var properties: [(name: String, node: Int)] = []
        var required: [String] = []
        var additionalProperties: Int?
        var minProperties: Int?, maxProperties: Int?
        var items: Int?
        var tupleItems: [Int]?
        var additionalItems: Int?
        var minItems: Int?, maxItems: Int?
        var uniqueItems = false
        var minLength: Int?, maxLength: Int?
        var minimum: Double?, maximum: Double?
        var exclusiveMinimum: Double?, exclusiveMaximum: Double?
        var multipleOf: Double?
        var allOf: [Int] = [], anyOf: [Int] = [], oneOf: [Int] = []
        var not: Int?
        var ifThenElse: (condition: Int, then: Int?, else: Int?)?
        var ref: Int?
    }

    /// A JSON value compared by `enum`, `const` and `uniqueItems`: numbers by value, objects unordered.
    private indirect enum Value: Equatable, Sendable {
        case null, bool(Bool), number(Double), string(String), array([Value]), object([String: Value])
    }

    private static let ignored: Set<String> = [
        "$schema", "$id", "id", "$comment", "title", "description", "default", "examples", "readOnly",
        "writeOnly", "deprecated", "definitions", "$defs", "contentEncoding", "contentMediaType",
        "connect.index", "connect.type", "connect.parameters", "connect.version", "connect.name",
    ]
    private static let notChecked: Set<String> = [
        "pattern", "patternProperties", "format", "dependencies", "dependentRequired", "dependentSchemas",
        "propertyNames", "contains", "minContains", "maxContains", "unevaluatedProperties", "unevaluatedItems",
        "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$vocabulary",
    ]

    /// Compiles `text`; throws what is wrong with it (not JSON, a keyword of the wrong kind).
    package init(parsing text: String) throws(AvroSchemaError) {
        var copy = text
        let buffer: [UInt8] = copy.withUTF8 { Array($0) }
        let parsed = buffer.withUnsafeBytes { bytes -> Result<AvroSchemaJSON, AvroSchemaError> in
            do throws(AvroSchemaError) { return .success(try AvroSchemaJSON.parse(bytes)) } catch { return .failure(error) }
        }
        let root = try parsed.get()
        var compiler = Compiler(root: root, text: buffer)
        _ = try compiler.compile(pointer: "")
        nodes = compiler.nodes.map { $0 ?? Node() }
        unchecked = compiler.unchecked.sorted()
    }

    /// Why `json` does not fit, or nil. `json` must be one valid JSON value (`JSONScanner.validate`, which
    /// the caller has run to name a syntax error): it is not validated again.
    package func check(_ json: UnsafeRawBufferPointer) -> AvroEncodeError? {
        guard json.count > 0 else { return AvroEncodeError("not JSON") }
        return check(AvroSchemaJSON.parse(valid: json), json, node: 0, depth: 0)
    }

    // MARK: - Checking

    private func check(_ v: AvroSchemaJSON, _ text: UnsafeRawBufferPointer, node index: Int, depth: Int) -> AvroEncodeError? {
        guard depth < 64 else { return AvroEncodeError("schema nests deeper than 64 (a $ref loop?)") }
        let n = nodes[index]
        if n.never { return AvroEncodeError("no value is allowed here, got \(Self.shown(v, text))") }
        if let ref = n.ref, let e = check(v, text, node: ref, depth: depth + 1) { return e }
        if let types = n.types, !types.contains(where: { Self.isOfType(v, $0, text) }) {
            return AvroEncodeError("expected \(types.joined(separator: " or ")), got \(Self.shown(v, text))")
        }
        if let values = n.enumValues {
            let value = Self.value(v, text)
            if !values.contains(value) { return AvroEncodeError("expected one of the schema's enum values, got \(Self.shown(v, text))") }
        }
        if let c = n.constValue, Self.value(v, text) != c { return AvroEncodeError("expected the schema's const value, got \(Self.shown(v, text))") }
        switch v.kind {
        case .object:
            if let e = checkObject(v, text, n, depth: depth) { return e }
        case .array:
            if let e = checkArray(v, text, n, depth: depth) { return e }
        case .string:
            let length = v.string.unicodeScalars.count
            if let min = n.minLength, length < min { return AvroEncodeError("expected a string of at least \(min) characters, got \(length)") }
            if let max = n.maxLength, length > max { return AvroEncodeError("expected a string of at most \(max) characters, got \(length)") }
        case .number:
            if let e = checkNumber(v, text, n) { return e }
        default:
            break
        }
        for sub in n.allOf {
            if let e = check(v, text, node: sub, depth: depth + 1) { return e }
        }
        if !n.anyOf.isEmpty, !n.anyOf.contains(where: { check(v, text, node: $0, depth: depth + 1) == nil }) {
            return AvroEncodeError("expected a value matching one of anyOf's \(n.anyOf.count) schemas, got \(Self.shown(v, text))")
        }
        if !n.oneOf.isEmpty {
            let matching = n.oneOf.filter { check(v, text, node: $0, depth: depth + 1) == nil }.count
            if matching != 1 {
                return AvroEncodeError("expected a value matching exactly one of oneOf's \(n.oneOf.count) schemas, \(matching) match \(Self.shown(v, text))")
            }
        }
        if let not = n.not, check(v, text, node: not, depth: depth + 1) == nil {
            return AvroEncodeError("expected a value the schema's not refuses, got \(Self.shown(v, text))")
        }
        if let (condition, then, otherwise) = n.ifThenElse {
            let branch = check(v, text, node: condition, depth: depth + 1) == nil ? then : otherwise
            if let branch, let e = check(v, text, node: branch, depth: depth + 1) { return e }
        }
        return nil
    }

    private func checkObject(_ v: AvroSchemaJSON, _ text: UnsafeRawBufferPointer, _ n: Node, depth: Int) -> AvroEncodeError? {
        for name in n.required where !v.members.contains(where: { $0.name == name }) {
            return AvroEncodeError("expected member \(Self.quoted(name)), which is required")
        }
        if let min = n.minProperties, v.members.count < min { return AvroEncodeError("expected at least \(min) members, got \(v.members.count)") }
        if let max = n.maxProperties, v.members.count > max { return AvroEncodeError("expected at most \(max) members, got \(v.members.count)") }
        for member in v.members {
            if let known = n.properties.first(where: { $0.name == member.name }) {
                if let e = check(member.value, text, node: known.node, depth: depth + 1) { return e.adding(.key(member.name)) }
            } else if let extra = n.additionalProperties {
                if nodes[extra].never { return AvroEncodeError("no member \(Self.quoted(member.name)) is allowed (additionalProperties)") }
                if let e = check(member.value, text, node: extra, depth: depth + 1) { return e.adding(.key(member.name)) }
            }
        }
        return nil
    }

    private func checkArray(_ v: AvroSchemaJSON, _ text: UnsafeRawBufferPointer, _ n: Node, depth: Int) -> AvroEncodeError? {
        let count = v.items.count
        if let min = n.minItems, count < min { return AvroEncodeError("expected at least \(min) items, got \(count)") }
        if let max = n.maxItems, count > max { return AvroEncodeError("expected at most \(max) items, got \(count)") }
        for (i, item) in v.items.enumerated() {
            let node: Int?
            if let tuple = n.tupleItems {
                node = i < tuple.count ? tuple[i] : n.additionalItems
                if let node, nodes[node].never { return AvroEncodeError("expected at most \(tuple.count) items, got \(count)") }
            } else {
                node = n.items
            }
            if let node, let e = check(item, text, node: node, depth: depth + 1) { return e.adding(.index(i)) }
        }
        if n.uniqueItems {
            let values = v.items.map { Self.value($0, text) }
            for i in values.indices {
                for j in values.indices where j > i && values[i] == values[j] {
                    return AvroEncodeError("expected unique items, item \(j) repeats item \(i)")
                }
            }
        }
        return nil
    }

    private func checkNumber(_ v: AvroSchemaJSON, _ text: UnsafeRawBufferPointer, _ n: Node) -> AvroEncodeError? {
        guard let x = Double(v.numberText(text)) else { return nil }
        let shown = v.numberText(text)
        if let min = n.minimum, x < min { return AvroEncodeError("expected a number ≥ \(Self.number(min)), got \(shown)") }
        if let max = n.maximum, x > max { return AvroEncodeError("expected a number ≤ \(Self.number(max)), got \(shown)") }
        if let min = n.exclusiveMinimum, x <= min { return AvroEncodeError("expected a number > \(Self.number(min)), got \(shown)") }
        if let max = n.exclusiveMaximum, x >= max { return AvroEncodeError("expected a number < \(Self.number(max)), got \(shown)") }
        if let m = n.multipleOf, m > 0 {
            let q = x / m
            if q.isFinite, abs(q - q.rounded()) > 1e-9 * max(1, abs(q)) {
                return AvroEncodeError("expected a multiple of \(Self.number(m)), got \(shown)")
            }
        }
        return nil
    }

    private static func isOfType(_ v: AvroSchemaJSON, _ type: String, _ text: UnsafeRawBufferPointer) -> Bool {
        switch (type, v.kind) {
        case ("null", .null), ("boolean", .true), ("boolean", .false), ("object", .object), ("array", .array),
             ("string", .string), ("number", .number):
            return true
        case ("integer", .number):
            guard let x = Double(v.numberText(text)) else { return false }
            return x.isFinite && x == x.rounded()
        default:
            return false
        }
    }

    private static func value(_ v: AvroSchemaJSON, _ text: UnsafeRawBufferPointer) -> Value {
        switch v.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number: return .number(Double(v.numberText(text)) ?? .nan)
        case .string: return .string(v.string)
        case .array: return .array(v.items.map { value($0, text) })
        case .object:
            var members: [String: Value] = [:]
            for m in v.members { members[m.name] = value(m.value, text) }
            return .object(members)
        }
    }

    /// The value as the line has it, cut at 40 bytes.
    private static func shown(_ v: AvroSchemaJSON, _ text: UnsafeRawBufferPointer) -> String {
        let bytes = UnsafeRawBufferPointer(rebasing: text[v.range])
        if bytes.count <= 40 { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<37]), as: UTF8.self) + "..."
    }

    private static func quoted(_ name: String) -> String {
        var out: [UInt8] = []
        JSONString.appendQuoted(name, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    // MARK: - Compiling

    private struct Compiler {
        let root: AvroSchemaJSON
        let text: [UInt8]
        var nodes: [Node?] = []
        var byPointer: [String: Int] = [:]
        var unchecked: Set<String> = []

        init(root: AvroSchemaJSON, text: [UInt8]) {
            self.root = root
            self.text = text
        }

        /// The node for the schema at JSON pointer `pointer` ("" is the root), compiled once.
        mutating func compile(pointer: String) throws(AvroSchemaError) -> Int {
            if let done = byPointer[pointer] { return done }
            guard let schema = resolve(pointer) else { throw AvroSchemaError("$ref \"#\(pointer)\": nothing there") }
            let index = nodes.count
            nodes.append(nil)
            byPointer[pointer] = index
            nodes[index] = try node(schema, at: pointer)
            return index
        }

        /// A member name as a JSON pointer token (RFC 6901: `~` as `~0`, `/` as `~1`), and back.
        static func escape(_ name: String) -> String {
            var out = ""
            for c in name {
                switch c {
                case "~": out += "~0"
                case "/": out += "~1"
                default: out.append(c)
                }
            }
            return out
        }

        static func unescape(_ token: Substring) -> String {
            var out = ""
            var tilde = false
            for c in token {
                if tilde {
                    out.append(c == "1" ? "/" : c == "0" ? "~" : c)
                    tilde = false
                } else if c == "~" {
                    tilde = true
                } else {
                    out.append(c)
                }
            }
            return out
        }

        private func resolve(_ pointer: String) -> AvroSchemaJSON? {
            var at = root
            for raw in pointer.split(separator: "/", omittingEmptySubsequences: true) {
                let token = Self.unescape(raw)
                if at.kind == .object, let next = at[token] {
                    at = next
                } else if at.kind == .array, let i = Int(token), at.items.indices.contains(i) {
                    at = at.items[i]
                } else {
                    return nil
                }
            }
            return at
        }

        private func number(_ j: AvroSchemaJSON, _ keyword: String) throws(AvroSchemaError) -> Double {
            guard j.kind == .number, let x = text.withUnsafeBytes({ Double(j.numberText($0)) }) else {
                throw AvroSchemaError("\(keyword): expected a number")
            }
            return x
        }

        private func count(_ j: AvroSchemaJSON, _ keyword: String) throws(AvroSchemaError) -> Int {
            let x = try number(j, keyword)
            guard x >= 0, x == x.rounded(), x < 1e15 else { throw AvroSchemaError("\(keyword): expected a count") }
            return Int(x)
        }

        private func value(_ j: AvroSchemaJSON) -> Value {
            text.withUnsafeBytes { JSONSchemaValidator.value(j, $0) }
        }

        private mutating func list(_ j: AvroSchemaJSON, at pointer: String, _ keyword: String) throws(AvroSchemaError) -> [Int] {
            guard j.kind == .array else { throw AvroSchemaError("\(keyword): expected an array of schemas") }
            var out: [Int] = []
            for i in j.items.indices { out.append(try compile(pointer: pointer + "/\(keyword)/\(i)")) }
            return out
        }

        private mutating func node(_ s: AvroSchemaJSON, at pointer: String) throws(AvroSchemaError) -> Node {
            var n = Node()
            switch s.kind {
            case .true: return n
            case .false:
                n.never = true
                return n
            case .object: break
            default: throw AvroSchemaError("a schema must be an object or a boolean")
            }
            var exclusiveMinimumFlag = false, exclusiveMaximumFlag = false
            for (key, j) in s.members {
                let here = pointer + "/" + Self.escape(key)
                switch key {
                case "type":
                    let names = j.kind == .array ? j.items.map(\.string) : [j.string]
                    let known: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]
                    guard !names.isEmpty, names.allSatisfy({ known.contains($0) }) else { throw AvroSchemaError("type: unknown type") }
                    n.types = names
                case "enum":
                    guard j.kind == .array else { throw AvroSchemaError("enum: expected an array") }
                    n.enumValues = j.items.map { value($0) }
                case "const": n.constValue = value(j)
                case "properties":
                    guard j.kind == .object else { throw AvroSchemaError("properties: expected an object") }
                    for m in j.members {
                        n.properties.append((m.name, try compile(pointer: here + "/" + Self.escape(m.name))))
                    }
                case "required":
                    guard j.kind == .array else { throw AvroSchemaError("required: expected an array") }
                    n.required = j.items.map(\.string)
                case "additionalProperties": n.additionalProperties = try compile(pointer: here)
                case "minProperties": n.minProperties = try count(j, key)
                case "maxProperties": n.maxProperties = try count(j, key)
                case "items":
                    if j.kind == .array { n.tupleItems = try list(j, at: pointer, key) } else { n.items = try compile(pointer: here) }
                case "prefixItems": n.tupleItems = try list(j, at: pointer, key)
                case "additionalItems": n.additionalItems = try compile(pointer: here)
                case "minItems": n.minItems = try count(j, key)
                case "maxItems": n.maxItems = try count(j, key)
                case "uniqueItems": n.uniqueItems = j.kind == .true
                case "minLength": n.minLength = try count(j, key)
                case "maxLength": n.maxLength = try count(j, key)
                case "minimum": n.minimum = try number(j, key)
                case "maximum": n.maximum = try number(j, key)
                case "exclusiveMinimum":
                    if j.kind == .true || j.kind == .false { exclusiveMinimumFlag = j.kind == .true } else { n.exclusiveMinimum = try number(j, key) }
                case "exclusiveMaximum":
                    if j.kind == .true || j.kind == .false { exclusiveMaximumFlag = j.kind == .true } else { n.exclusiveMaximum = try number(j, key) }
                case "multipleOf": n.multipleOf = try number(j, key)
                case "allOf": n.allOf = try list(j, at: pointer, key)
                case "anyOf": n.anyOf = try list(j, at: pointer, key)
                case "oneOf": n.oneOf = try list(j, at: pointer, key)
                case "not": n.not = try compile(pointer: here)
                case "if", "then", "else": break
                case "$ref":
                    if j.string == "#" || j.string.hasPrefix("#/") {
                        n.ref = try compile(pointer: String(j.string.dropFirst()))
                    } else {
                        unchecked.insert("$ref \(j.string)")
                    }
                default:
                    if JSONSchemaValidator.notChecked.contains(key) { unchecked.insert(key) }
                }
            }
            if s["if"] != nil {
                let condition = try compile(pointer: pointer + "/if")
                let then = s["then"] == nil ? nil : try compile(pointer: pointer + "/then")
                let otherwise = s["else"] == nil ? nil : try compile(pointer: pointer + "/else")
                n.ifThenElse = (condition, then, otherwise)
            }
            // Draft 4: exclusiveMinimum/Maximum are flags on minimum/maximum.
            if exclusiveMinimumFlag, let min = n.minimum { n.exclusiveMinimum = min; n.minimum = nil }
            if exclusiveMaximumFlag, let max = n.maximum { n.exclusiveMaximum = max; n.maximum = nil }
            return n
        }
    }
}
