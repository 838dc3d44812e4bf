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
    /// The schema's flattened program (`AvroProgram`): the hot paths read it, not `schema.nodes`, whose
    /// enum payloads would be retained and released per value.
    let ops: UnsafePointer<AvroProgram.Op>
    let links: UnsafePointer<AvroProgram.Link>
    let text: UnsafePointer<UInt8>
    /// Decoded string content, reused.
    private var scratch: [UInt8] = []


    /// The program's storage, as `AvroProgram.withPointers` gives it.
    struct Program {
        let ops: UnsafePointer<AvroProgram.Op>
        let links: UnsafePointer<AvroProgram.Link>
        let text: UnsafePointer<UInt8>
    }

    init(json: UnsafeRawBufferPointer, p: UnsafePointer<UInt8>, schema: AvroSchema, form: AvroJSONForm, forDefault: Bool,
         program: Program) {
        ops = program.ops
        links = program.links
        text = program.text
        self.json = json
        self.p = p
        self.schema = schema
        self.form = form
        self.forDefault = forDefault
    }

    func kind(_ range: Range<Int>) -> JSONKind { JSONCursor.kind(of: p[range.lowerBound]) }

    mutating func value(_ index: Int, _ range: Range<Int>, depth: Int, to out: inout AvroOutput) throws(AvroEncodeError) {
        guard depth < AvroDecoder.depthLimit else { throw AvroEncodeError("nesting deeper than \(AvroDecoder.depthLimit)") }
        let kind = kind(range)
        let op = ops[index]
        switch op.kind {
        case .null:
            guard kind == .null else { throw mismatch(index, range) }
        case .boolean:
            guard kind == .true || kind == .false else { throw mismatch(index, range) }
            out.byte(kind == .true ? 1 : 0)
        case .int, .long:
            guard kind == .number, let value = AvroNumbers.integer(p, range) else { throw mismatch(index, range) }
            if op.kind == .int, Int32(exactly: value) == nil {
                throw AvroEncodeError("expected int, got \(got(range)) (out of the 32-bit range)")
            }
            out.long(value)
        case .float, .double:
            try floatingPoint(index, op, range, kind, to: &out)
        case .string:
            guard kind == .string else { throw mismatch(index, range) }
            let content = range.lowerBound &+ 1 ..< range.upperBound &- 1
            if JSONUnescaper.firstBackslash(p, content.lowerBound, content.upperBound) == content.upperBound {
                out.long(Int64(content.count))
                out.bytes(p + content.lowerBound, content.count)
            } else {
                decode(range)
                out.long(Int64(scratch.count))
                out.array(scratch)
            }
        case .bytes, .fixed:
            try byteString(index, op, range, to: &out)
        case .enumeration:
            try enumeration(index, op, range, kind, to: &out)
        case .record:
            guard kind == .object else { throw mismatch(index, range) }
            try record(index, op, range, depth: depth, to: &out)
        case .array, .map:
            try container(index, op, range, kind, depth: depth, to: &out)
        case .union:
            guard case .union(let branches) = schema.nodes[index] else { return }
            try union(index, branches, range, kind, depth: depth, to: &out)
        }
    }

    // The less common types, each in its own function: `value` recurses once per nesting level, and a
    // debug build gives every local of every case a slot in its frame.

    private mutating func floatingPoint(_ index: Int, _ op: AvroProgram.Op, _ range: Range<Int>, _ kind: JSONKind,
                                        to out: inout AvroOutput) throws(AvroEncodeError) {
        if op.kind == .float {
            var value: Float
            if kind == .number {
                value = AvroNumbers.float(p, range)
                guard value.isFinite else { throw AvroEncodeError("expected float, got \(got(range)) (out of the float range)") }
            } else if kind == .string, let special = nonFinite(range) {
                value = Float(special)
            } else {
                throw mismatch(index, range)
            }
            out.littleEndian(value.bitPattern)
            return
        }
        var value: Double
        if kind == .number {
            value = AvroNumbers.double(p, range)
        } else if kind == .string, let special = nonFinite(range) {
            value = special
        } else {
            throw mismatch(index, range)
        }
        out.littleEndian(value.bitPattern)
    }

    private mutating func byteString(_ index: Int, _ op: AvroProgram.Op, _ range: Range<Int>,
                                     to out: inout AvroOutput) throws(AvroEncodeError) {
        // A decimal of up to 18 digits as written (a string without escapes, or a number): straight into
        // the output. Anything else, errors included, goes the general way.
        if op.isDecimal, form == .natural, !forDefault {
            let kind = kind(range)
            let content = kind == .string ? range.lowerBound &+ 1 ..< range.upperBound &- 1 : range
            if kind == .number || (kind == .string
                    && JSONUnescaper.firstBackslash(p, content.lowerBound, content.upperBound) == content.upperBound),
               case .success(let (value, length))? = AvroDecimal.smallUnscaled(
                    p, content, precision: op.precision, scale: op.scale, fixedSize: op.kind == .fixed ? op.count : nil) {
                if op.kind == .bytes { out.long(Int64(length)) }
                var k = length
                while k > 0 {
                    k &-= 1
                    out.byte(k < 8 ? UInt8(truncatingIfNeeded: value >> (8 &* k)) : (value < 0 ? 0xFF : 0))
                }
                return
            }
        }
        if op.kind == .bytes {
            if let decimal = try decimal(index, range, fixedSize: nil) {
                out.long(Int64(decimal.count))
                out.array(decimal)
                return
            }
            let bytes = try codePoints(index, range)
            out.long(Int64(bytes.count))
            out.array(bytes)
            return
        }
        let size = op.count
        if let decimal = try decimal(index, range, fixedSize: size) {
            out.array(decimal)
            return
        }
        let bytes = try codePoints(index, range)
        guard bytes.count == size else {
            guard case .fixed(let name, _) = schema.nodes[index] else { return }
            throw AvroEncodeError("expected \(name) (fixed, \(size) bytes), got \(bytes.count) bytes")
        }
        out.array(bytes)
    }

    private mutating func enumeration(_ index: Int, _ op: AvroProgram.Op, _ range: Range<Int>, _ kind: JSONKind,
                                      to out: inout AvroOutput) throws(AvroEncodeError) {
        guard kind == .string else { throw mismatch(index, range) }
        // Symbols are names (no escapes): the token as written against each quoted symbol.
        var k = 0
        while k < op.count {
            let link = links[op.first &+ k]
            if link.textCount == range.count, AvroOutput.same(p + range.lowerBound, text + link.textStart, range.count) {
                out.long(Int64(k))
                return
            }
            k &+= 1
        }
        guard case .enumeration(let name, let symbols, _) = schema.nodes[index] else { return }
        decode(range)
        guard let k = symbols.firstIndex(where: { $0.utf8.elementsEqual(scratch) }) else {
            throw AvroEncodeError("expected a symbol of \(name) (\(symbols.joined(separator: ", "))), got \(got(range))")
        }
        out.long(Int64(k))
    }

    private mutating func container(_ index: Int, _ op: AvroProgram.Op, _ range: Range<Int>, _ kind: JSONKind, depth: Int,
                                    to out: inout AvroOutput) throws(AvroEncodeError) {
        if op.kind == .array {
            let items = op.first
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
            return
        }
        let values = op.first
        guard kind == .object else { throw mismatch(index, range) }
        let mark = out.count
        var count = 0
        var cursor = entries(range)
        while let entry = try next(&cursor, range) {
            scratch.removeAll(keepingCapacity: true)
            JSONScanner.appendDecodedContent(json, entry.name, to: &scratch)
            out.long(Int64(scratch.count))
            out.array(scratch)
            do throws(AvroEncodeError) {
                try value(values, entry.value, depth: depth &+ 1, to: &out)
            } catch {
                throw error.adding(.key(String(decoding: JSONScanner.decodeStringContent(json, entry.name), as: UTF8.self)))
            }
            count &+= 1
        }
        try blockEnd(count, from: mark, to: &out)
    }

    // MARK: - Records

    private mutating func record(_ index: Int, _ op: AvroProgram.Op, _ range: Range<Int>, depth: Int,
                                 to out: inout AvroOutput) throws(AvroEncodeError) {
        let count = op.count
        let fields = links + op.first
        // Where each field's member is (start, end, or -1): on the output's slot stack, or the heap
        // for records too large or deep for it.
        let need = count &* 2
        let onStack = out.slotTop &+ need <= AvroOutput.slotCapacity
        let slots = onStack ? out.slots + out.slotTop : UnsafeMutablePointer<Int>.allocate(capacity: need)
        slots.initialize(repeating: -1, count: need)
        if onStack { out.slotTop &+= need }
        defer {
            if onStack { out.slotTop &-= need } else { slots.deallocate() }
        }
        let base = 0
        var expected = 0
        var cursor = entries(range)
        while let entry = try next(&cursor, range) {
            // Members usually come in the schema's order: try the next field first.
            var found = -1
            if expected < count, nameEquals(entry.name, fields[expected]) {
                found = expected
            } else {
                var k = 0
                while k < count {
                    if nameEquals(entry.name, fields[k]) {
                        found = k
                        break
                    }
                    k &+= 1
                }
            }
            guard found >= 0 else {
                let member = String(decoding: JSONScanner.decodeStringContent(json, entry.name), as: UTF8.self)
                throw AvroEncodeError("not a field of record \(recordName(index))").adding(.key(member))
            }
            guard slots[base &+ found &* 2] < 0 else {
                throw AvroEncodeError("member given twice").adding(.field(fieldName(index, found)))
            }
            slots[base &+ found &* 2] = entry.value.lowerBound
            slots[base &+ found &* 2 &+ 1] = entry.value.upperBound
            expected = found &+ 1
        }
        for k in 0..<count {
            let start = slots[base &+ k &* 2]
            let field = fields[k]
            if start >= 0 {
                do throws(AvroEncodeError) {
                    try value(field.node, start..<slots[base &+ k &* 2 &+ 1], depth: depth &+ 1, to: &out)
                } catch {
                    throw error.adding(.field(fieldName(index, k)))
                }
            } else if field.defaultStart >= 0 {
                out.bytes(text + field.defaultStart, field.defaultCount)
            } else if field.defaultJSONStart >= 0 {
                // While the schema's defaults are being encoded, a default may need another one.
                do throws(AvroEncodeError) {
                    let json = UnsafeRawBufferPointer(start: text + field.defaultJSONStart, count: field.defaultJSONCount)
                    try AvroEncoder.walk(json, type: field.node, schema: schema, program: Program(ops: ops, links: links, text: text),
                                         form: .avro, forDefault: true, depth: depth &+ 1, to: &out)
                } catch {
                    throw error.adding(.field(fieldName(index, k)))
                }
            } else {
                throw AvroEncodeError("missing (no default)").adding(.field(fieldName(index, k)))
            }
        }
    }

    private func recordName(_ index: Int) -> String {
        if case .record(let name, _) = schema.nodes[index] { return name }
        return ""
    }

    private func fieldName(_ index: Int, _ k: Int) -> String {
        if case .record(_, let fields) = schema.nodes[index] { return fields[k].name }
        return ""
    }

    /// A member name against a field's (its `"name":` text, names needing no escapes): the raw bytes
    /// first, the escape-decoding comparison only when they differ and the member's name has a backslash.
    private func nameEquals(_ name: Range<Int>, _ field: AvroProgram.Link) -> Bool {
        let want = UnsafeBufferPointer(start: text + (field.textStart &+ 1), count: field.textCount &- 3)
        if name.count == want.count, AvroOutput.same(p + name.lowerBound, want.baseAddress.unsafelyUnwrapped, want.count) {
            return true
        }
        return JSONUnescaper.firstBackslash(p, name.lowerBound, name.upperBound) < name.upperBound
            && JSONScanner.nameEquals(json, name, want)
    }

    // MARK: - Pieces

    func isDecimal(_ index: Int) -> Bool {
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
    private func blockEnd(_ count: Int, from mark: Int, to out: inout AvroOutput) throws(AvroEncodeError) {
        if count > 0 { out.insertLong(Int64(count), at: mark) }
        out.byte(0)
    }

    func nameEquals(_ name: Range<Int>, _ want: UnsafeBufferPointer<UInt8>) -> Bool {
        JSONScanner.nameEquals(json, name, want)
    }

    /// A cursor over the container at `range` (valid JSON, checked before the walk).
    func entries(_ range: Range<Int>) -> JSONCursor? {
        try? JSONCursor(p + range.lowerBound, count: range.count, reportEntries: true)
    }

    /// The next entry with its ranges made absolute. (The cursor is advanced in place: copying one costs
    /// more than the entry.)
    /// The cursor checks the grammar as it goes (the whole value is checked by the time its container's
    /// last entry is reported), so the encoder reads the JSON once: an error here is the JSON's.
    func next(_ cursor: inout JSONCursor?, _ range: Range<Int>) throws(AvroEncodeError) -> JSONEntry? {
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
}
