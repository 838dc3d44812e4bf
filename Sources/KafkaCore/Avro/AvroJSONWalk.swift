#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The encoder's walk over one JSON value (see `AvroEncoder` for what each type takes).
/// Errors are thrown with an empty path at the value that does not fit; each enclosing record field,
/// array item and map entry adds its component while the error unwinds.
struct AvroJSONWalk {
    let json: UnsafeRawBufferPointer
    let p: UnsafePointer<UInt8>
    let schema: AvroSchema
    let form: AvroJSONForm
    let forDefault: Bool
    /// Decoded string content, reused.
    private var scratch: [UInt8] = []
    /// Where each field's member is, per record being encoded (a stack, reused): start, end, or -1.
    private var slots: [Int] = []

    init(json: UnsafeRawBufferPointer, p: UnsafePointer<UInt8>, schema: AvroSchema, form: AvroJSONForm, forDefault: Bool) {
        self.json = json
        self.p = p
        self.schema = schema
        self.form = form
        self.forDefault = forDefault
    }

    private func kind(_ range: Range<Int>) -> JSONKind { JSONCursor.kind(of: p[range.lowerBound]) }

    mutating func value(_ index: Int, _ range: Range<Int>, depth: Int, to out: inout [UInt8]) throws(AvroEncodeError) {
        guard depth < AvroDecoder.depthLimit else { throw AvroEncodeError("nesting deeper than \(AvroDecoder.depthLimit)") }
        let kind = kind(range)
        switch schema.nodes[index] {
        case .null:
            guard kind == .null else { throw mismatch(index, range) }
        case .boolean:
            guard kind == .true || kind == .false else { throw mismatch(index, range) }
            out.append(kind == .true ? 1 : 0)
        case .int, .long:
            guard kind == .number, let value = AvroNumbers.integer(p, range) else { throw mismatch(index, range) }
            if case .int = schema.nodes[index], Int32(exactly: value) == nil {
                throw AvroEncodeError("expected int, got \(got(range)) (out of the 32-bit range)")
            }
            AvroEncoder.appendLong(value, to: &out)
        case .float:
            var value: Float
            if kind == .number {
                value = AvroNumbers.float(p, range)
                guard value.isFinite else { throw AvroEncodeError("expected float, got \(got(range)) (out of the float range)") }
            } else if kind == .string, let special = nonFinite(range) {
                value = Float(special)
            } else {
                throw mismatch(index, range)
            }
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case .double:
            var value: Double
            if kind == .number {
                value = AvroNumbers.double(p, range)
            } else if kind == .string, let special = nonFinite(range) {
                value = special
            } else {
                throw mismatch(index, range)
            }
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case .string:
            guard kind == .string else { throw mismatch(index, range) }
            let content = range.lowerBound &+ 1 ..< range.upperBound &- 1
            if JSONUnescaper.firstBackslash(p, content.lowerBound, content.upperBound) == content.upperBound {
                AvroEncoder.appendLong(Int64(content.count), to: &out)
                out.append(contentsOf: UnsafeBufferPointer(start: p + content.lowerBound, count: content.count))
            } else {
                decode(range)
                AvroEncoder.appendLong(Int64(scratch.count), to: &out)
                out.append(contentsOf: scratch)
            }
        case .bytes:
            if let decimal = try decimal(index, range, fixedSize: nil) {
                AvroEncoder.appendLong(Int64(decimal.count), to: &out)
                out.append(contentsOf: decimal)
                return
            }
            let bytes = try codePoints(index, range)
            AvroEncoder.appendLong(Int64(bytes.count), to: &out)
            out.append(contentsOf: bytes)
        case .fixed(let name, let size):
            if let decimal = try decimal(index, range, fixedSize: size) {
                out.append(contentsOf: decimal)
                return
            }
            let bytes = try codePoints(index, range)
            guard bytes.count == size else {
                throw AvroEncodeError("expected \(name) (fixed, \(size) bytes), got \(bytes.count) bytes")
            }
            out.append(contentsOf: bytes)
        case .enumeration(let name, let symbols, _):
            guard kind == .string else { throw mismatch(index, range) }
            decode(range)
            guard let k = symbols.firstIndex(where: { $0.utf8.elementsEqual(scratch) }) else {
                throw AvroEncodeError("expected a symbol of \(name) (\(symbols.joined(separator: ", "))), got \(got(range))")
            }
            AvroEncoder.appendLong(Int64(k), to: &out)
        case .record(let name, let fields):
            guard kind == .object else { throw mismatch(index, range) }
            try record(name, fields, range, depth: depth, to: &out)
        case .array(let items):
            guard kind == .array else { throw mismatch(index, range) }
            let mark = out.count
            var count = 0
            var cursor = entries(range)
            while let entry = try next(&cursor, range) {
                do throws(AvroEncodeError) {
                    try value(items, entry.value, depth: depth &+ 1, to: &out)
                } catch {
                    throw error.adding(.index(count))
                }
                count &+= 1
            }
            try blockEnd(count, from: mark, to: &out)
        case .map(let values):
            guard kind == .object else { throw mismatch(index, range) }
            let mark = out.count
            var count = 0
            var cursor = entries(range)
            while let entry = try next(&cursor, range) {
                scratch.removeAll(keepingCapacity: true)
                JSONScanner.appendDecodedContent(json, entry.name, to: &scratch)
                AvroEncoder.appendLong(Int64(scratch.count), to: &out)
                out.append(contentsOf: scratch)
                do throws(AvroEncodeError) {
                    try value(values, entry.value, depth: depth &+ 1, to: &out)
                } catch {
                    throw error.adding(.key(String(decoding: JSONScanner.decodeStringContent(json, entry.name), as: UTF8.self)))
                }
                count &+= 1
            }
            try blockEnd(count, from: mark, to: &out)
        case .union(let branches):
            try union(index, branches, range, kind, depth: depth, to: &out)
        }
    }

    // MARK: - Records

    private mutating func record(_ name: String, _ fields: [AvroField], _ range: Range<Int>, depth: Int,
                                 to out: inout [UInt8]) throws(AvroEncodeError) {
        let base = slots.count
        slots.append(contentsOf: repeatElement(-1, count: fields.count &* 2))
        defer { slots.removeSubrange(base...) }
        var expected = 0
        var cursor = entries(range)
        while let entry = try next(&cursor, range) {
            // Members usually come in the schema's order: try the next field first.
            var found = -1
            if expected < fields.count, nameEquals(entry.name, fields[expected].nameBytes) {
                found = expected
            } else {
                found = fields.firstIndex { nameEquals(entry.name, $0.nameBytes) } ?? -1
            }
            guard found >= 0 else {
                let member = String(decoding: JSONScanner.decodeStringContent(json, entry.name), as: UTF8.self)
                throw AvroEncodeError("not a field of record \(name)").adding(.key(member))
            }
            guard slots[base &+ found &* 2] < 0 else {
                throw AvroEncodeError("member given twice").adding(.field(fields[found].name))
            }
            slots[base &+ found &* 2] = entry.value.lowerBound
            slots[base &+ found &* 2 &+ 1] = entry.value.upperBound
            expected = found &+ 1
        }
        for k in fields.indices {
            let start = slots[base &+ k &* 2]
            if start >= 0 {
                do throws(AvroEncodeError) {
                    try value(fields[k].type, start..<slots[base &+ k &* 2 &+ 1], depth: depth &+ 1, to: &out)
                } catch {
                    throw error.adding(.field(fields[k].name))
                }
            } else if let binary = fields[k].defaultBinary {
                out.append(contentsOf: binary)
            } else if let json = fields[k].defaultJSON {
                // While the schema's defaults are being encoded, a default may need another one.
                do throws(AvroEncodeError) {
                    try AvroEncoder.appendDefault(json, type: fields[k].type, schema: schema, depth: depth &+ 1, to: &out)
                } catch {
                    throw error.adding(.field(fields[k].name))
                }
            } else {
                throw AvroEncodeError("missing (no default)").adding(.field(fields[k].name))
            }
        }
    }

    // MARK: - Unions

    private mutating func union(_ index: Int, _ branches: [Int], _ range: Range<Int>, _ kind: JSONKind, depth: Int,
                                to out: inout [UInt8]) throws(AvroEncodeError) {
        let mark = out.count
        if kind == .object, !forDefault, let (k, inner) = wrapped(branches, range) {
            AvroEncoder.appendLong(Int64(k), to: &out)
            do throws(AvroEncodeError) {
                try value(branches[k], inner, depth: depth &+ 1, to: &out)
                return
            } catch {
                out.removeSubrange(mark...)
                if form == .avro || error.isSyntax { throw error.adding(.key(schema.nodes[branches[k]].branchName)) }
            }
        }
        if form == .avro, !forDefault, kind != .null {
            throw AvroEncodeError("expected {\"branch\": value} for \(expectedUnion(branches)), got \(got(range))")
        }
        var deepFailure: AvroEncodeError?
        var candidates = 0
        // An integer goes to an int or long branch before a float or double one, an object to a record
        // branch before a map: two passes, the first over those preferred branches only.
        let integral = kind == .number && AvroNumbers.integer(p, range) != nil
        let twoPasses = integral || kind == .object
        for pass in twoPasses ? 0...1 : 1...1 {
            for (k, branch) in branches.enumerated() where takes(branch, kind) && !yieldsToDouble(branch, branches, range, kind) {
                let preferred: Bool
                switch schema.nodes[branch] {
                case .int, .long, .record: preferred = true
                default: preferred = false
                }
                if twoPasses, preferred != (pass == 0) { continue }
                candidates &+= 1
                AvroEncoder.appendLong(Int64(k), to: &out)
                do throws(AvroEncodeError) {
                    try value(branch, range, depth: depth &+ 1, to: &out)
                    return
                } catch {
                    out.removeSubrange(mark...)
                    if error.isSyntax { throw error }
                    if !error.reversedPath.isEmpty, deepFailure == nil { deepFailure = error }
                }
            }
        }
        // One branch of the value's kind whose inside did not fit: its error says more than a list.
        if candidates == 1, let deepFailure { throw deepFailure }
        throw AvroEncodeError("expected \(expectedUnion(branches)), got \(got(range))")
    }

    /// `{"name": value}` with `name` a branch's name: that branch and the value's range.
    private func wrapped(_ branches: [Int], _ range: Range<Int>) -> (Int, Range<Int>)? {
        var cursor = entries(range)
        guard let entry = try? next(&cursor, range), (try? next(&cursor, range)) == nil else { return nil }
        for (k, branch) in branches.enumerated() {
            var name = schema.nodes[branch].branchName
            if name.withUTF8({ nameEquals(entry.name, $0) }) { return (k, entry.value) }
        }
        return nil
    }

    /// A float branch passes over a number when the union has a double branch, as fastavro's writer
    /// does: the double holds it exactly, and reads back as the same JSON number (a float's shortest
    /// text is the float's, so 2^53 would come back as 9.007199e+15).
    private func yieldsToDouble(_ branch: Int, _ branches: [Int], _ range: Range<Int>, _ kind: JSONKind) -> Bool {
        guard kind == .number, case .float = schema.nodes[branch] else { return false }
        return branches.contains { if case .double = schema.nodes[$0] { return true } else { return false } }
    }

    /// Whether a branch could take a JSON value of this kind at all (the trial decides the rest).
    private func takes(_ branch: Int, _ kind: JSONKind) -> Bool {
        switch schema.nodes[branch] {
        case .null: return kind == .null
        case .boolean: return kind == .true || kind == .false
        case .int, .long: return kind == .number
        case .float, .double: return kind == .number || kind == .string
        case .string, .enumeration: return kind == .string
        // A decimal in a union takes only a string: a number there is a float's, double's, int's or long's.
        case .bytes, .fixed: return kind == .string
        case .record, .map: return kind == .object
        case .array: return kind == .array
        case .union: return false
        }
    }

    // MARK: - Pieces

    private func isDecimal(_ index: Int) -> Bool {
        if form == .natural, !forDefault, case .decimal = schema.logicalTypes[index] { return true }
        return false
    }

    /// A decimal's bytes in the natural form, nil when the node is no decimal (or the form is Avro's).
    private mutating func decimal(_ index: Int, _ range: Range<Int>, fixedSize: Int?) throws(AvroEncodeError) -> [UInt8]? {
        guard isDecimal(index), case .decimal(let precision, let scale) = schema.logicalTypes[index] else { return nil }
        let kind = kind(range)
        if kind == .string {
            decode(range)
        } else if kind == .number {
            scratch = Array(UnsafeBufferPointer(start: p + range.lowerBound, count: range.count))
        } else {
            throw AvroEncodeError("expected a decimal string, got \(got(range))")
        }
        switch AvroDecimal.bytes(scratch[...], precision: precision, scale: scale, fixedSize: fixedSize) {
        case .success(let bytes): return bytes
        case .failure(.syntax): throw AvroEncodeError("expected a decimal string such as \"12.34\", got \(got(range))")
        case .failure(.scale): throw AvroEncodeError("more than \(scale) fraction digits (decimal scale \(scale)): \(got(range))")
        case .failure(.precision): throw AvroEncodeError("more than \(precision) digits (decimal precision \(precision)): \(got(range))")
        case .failure(.size): throw AvroEncodeError("does not fit \(fixedSize ?? 0) bytes: \(got(range))")
        }
    }

    private mutating func codePoints(_ index: Int, _ range: Range<Int>) throws(AvroEncodeError) -> [UInt8] {
        guard kind(range) == .string else { throw mismatch(index, range) }
        decode(range)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scratch.count)
        guard AvroNumbers.codePointBytes(scratch, into: &bytes) else {
            throw AvroEncodeError("expected \(describe(index)) as code points U+0000–U+00FF, got \(got(range))")
        }
        return bytes
    }

    private mutating func nonFinite(_ range: Range<Int>) -> Double? {
        decode(range)
        return AvroNumbers.nonFinite(scratch)
    }

    /// The decoded content of a string token into `scratch`.
    private mutating func decode(_ range: Range<Int>) {
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.appendDecodedContent(json, range.lowerBound &+ 1 ..< range.upperBound &- 1, to: &scratch)
    }

    /// After an array's or map's items, written from `mark`: the count goes before them (one block),
    /// then the closing 0.
    private func blockEnd(_ count: Int, from mark: Int, to out: inout [UInt8]) throws(AvroEncodeError) {
        if count > 0 && count < 64 {
            out.insert(UInt8(count &<< 1), at: mark)    // the zigzag varint of a small count is one byte
        } else if count > 0 {
            var prefix: [UInt8] = []
            AvroEncoder.appendLong(Int64(count), to: &prefix)
            out.insert(contentsOf: prefix, at: mark)
        }
        out.append(0)
    }

    /// A member name against a field's: the raw bytes first (memcmp), the escape-decoding comparison
    /// only when they differ in length or content and the name has a backslash.
    private func nameEquals(_ name: Range<Int>, _ want: [UInt8]) -> Bool {
        want.withUnsafeBufferPointer { want in
            if name.count == want.count, memcmp(p + name.lowerBound, want.baseAddress.unsafelyUnwrapped, want.count) == 0 {
                return true
            }
            return JSONUnescaper.firstBackslash(p, name.lowerBound, name.upperBound) < name.upperBound
                && JSONScanner.nameEquals(json, name, want)
        }
    }

    private func nameEquals(_ name: Range<Int>, _ want: UnsafeBufferPointer<UInt8>) -> Bool {
        JSONScanner.nameEquals(json, name, want)
    }

    /// A cursor over the container at `range` (valid JSON, checked before the walk).
    private func entries(_ range: Range<Int>) -> JSONCursor? {
        try? JSONCursor(p + range.lowerBound, count: range.count, reportEntries: true)
    }

    /// The next entry with its ranges made absolute. (The cursor is advanced in place: copying one costs
    /// more than the entry.)
    /// The cursor checks the grammar as it goes (the whole value is checked by the time its container's
    /// last entry is reported), so the encoder reads the JSON once: an error here is the JSON's.
    private func next(_ cursor: inout JSONCursor?, _ range: Range<Int>) throws(AvroEncodeError) -> JSONEntry? {
        let found: JSONEntry?
        do throws(JSONScanError) {
            found = try cursor?.next()
        } catch {
            var shifted = error
            shifted.offset += range.lowerBound
            throw AvroEncodeError(syntax: shifted)
        }
        guard let entry = found else { return nil }
        let base = range.lowerBound
        return JSONEntry(name: entry.name.lowerBound &+ base ..< entry.name.upperBound &+ base,
                         value: entry.value.lowerBound &+ base ..< entry.value.upperBound &+ base, kind: entry.kind)
    }

    // MARK: - Messages

    private func mismatch(_ index: Int, _ range: Range<Int>) -> AvroEncodeError {
        AvroEncodeError("expected \(describe(index)), got \(got(range))")
    }

    /// "int or null", "int, string or null": null last, as people say it.
    private func expectedUnion(_ branches: [Int]) -> String {
        var names = branches.filter { if case .null = schema.nodes[$0] { return false } else { return true } }.map(describe)
        if names.count < branches.count { names.append("null") }
        guard names.count > 1 else { return names.first ?? "nothing" }
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    private func describe(_ index: Int) -> String {
        if isDecimal(index) { return "decimal string" }
        switch schema.nodes[index] {
        case .array: return "array"
        case .map: return "map (object)"
        case .record(let name, _): return "record \(name)"
        case .enumeration(let name, _, _): return "enum \(name)"
        case .fixed(let name, let size): return "fixed \(name) (\(size) bytes)"
        case let node: return node.branchName
        }
    }

    /// The value as the user wrote it, up to 40 bytes; containers by their kind.
    private func got(_ range: Range<Int>) -> String {
        switch kind(range) {
        case .object: return "an object"
        case .array: return "an array"
        default:
            let limit = 40
            let shown = String(decoding: UnsafeBufferPointer(start: p + range.lowerBound, count: min(range.count, limit)), as: UTF8.self)
            return range.count > limit ? shown + "…" : shown
        }
    }
}
