/// JSON → Avro binary, appended straight to an output buffer. The JSON is one value's raw bytes, checked
/// by the project's JSON grammar first and walked with `JSONCursor` over the value's sub-ranges: no
/// document tree is built.
///
/// What each Avro type takes (natural form; the Avro form takes the same except where noted):
/// - null: `null`; boolean: `true`/`false`; int, long: an integer written without fraction or exponent,
///   in range; float, double: a number, or the string "NaN", "Infinity" or "-Infinity".
/// - string: a string; bytes, fixed: a string of code points U+0000–U+00FF, one per byte (fixed: exactly
///   its size); a decimal (natural form only): a decimal string such as "12.34" (or, outside a union,
///   a number without exponent), with at most `scale` fraction digits (more only when zeros) and `precision` digits.
/// - enum: one of its symbols; array: an array; map: an object; record: an object with a member per
///   field, a missing member taking the field's default (an error without one), an unknown member an error.
/// - union: `null` for its null branch. The Avro form: `{"branch": value}`, the branch named by its
///   type's name (the full name for a record, enum or fixed). The natural form takes that wrapped form
///   too, when the object has exactly one member named as a branch and its value fits that branch;
///   otherwise the value itself goes to the FIRST branch, in the union's order, that takes it (so
///   `5` in ["int","long"] is an int, and an object goes to the first record whose fields fit), with
///   these preferences: an integer (written without fraction or exponent) goes to an int or long
///   branch before any float or double one (`5` in ["double","long"] is a long, `5.0` a double); an
///   object to a record branch before a map one; a float branch passes over any number when the
///   union also has a double branch (as fastavro's writer); a decimal branch takes only a decimal string, not a number.
///   Record defaults are read as the specification writes them: a union's default for its first
///   branch, bytes as code points.
package enum AvroEncoder {
    /// Appends the Avro binary of the JSON value `json` (`schema`'s type) to `out`; on error `out` is
    /// left as it was and the error names the path and what was expected.
    package static func appendBinary(json: UnsafeRawBufferPointer, schema: AvroSchema, form: AvroJSONForm = .natural,
                                     to out: inout [UInt8]) throws(AvroEncodeError) {
        try append(json, type: schema.root, schema: schema, form: form, forDefault: false, depth: 0, to: &out)
    }

    /// A field default (JSON as in the schema) encoded with the field's type.
    /// `depth`: how deep the value that needs the default already is, so that a record whose default
    /// needs its own default (`{"name":"f","type":"R","default":{}}` in R) ends at the depth limit.
    static func appendDefault(_ json: [UInt8], type: Int, schema: AvroSchema, depth: Int = 0,
                              to out: inout [UInt8]) throws(AvroEncodeError) {
        let result: Result<Void, AvroEncodeError> = json.withUnsafeBytes { bytes in
            do throws(AvroEncodeError) {
                try append(bytes, type: type, schema: schema, form: .avro, forDefault: true, depth: depth, to: &out)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private static func append(_ json: UnsafeRawBufferPointer, type: Int, schema: AvroSchema, form: AvroJSONForm,
                               forDefault: Bool, depth: Int, to out: inout [UInt8]) throws(AvroEncodeError) {
        let result: Result<Void, AvroEncodeError> = schema.program.withPointers { ops, links, text in
            AvroOutput.with(&out) { output in
                do throws(AvroEncodeError) {
                    let program = AvroJSONWalk.Program(ops: ops, links: links, text: text)
                    try walk(json, type: type, schema: schema, program: program, form: form, forDefault: forDefault,
                             depth: depth, to: &output)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        try result.get()
    }

    /// Encodes `json` with the walk's program into its output: the whole value, or (`forDefault`) a
    /// default needed while the schema's defaults are being encoded, inside a walk (the same program and
    /// output, and no closure per level, so the depth limit is reached without a deep stack).
    static func walk(_ json: UnsafeRawBufferPointer, type: Int, schema: AvroSchema, program: AvroJSONWalk.Program,
                             form: AvroJSONForm, forDefault: Bool, depth: Int, to out: inout AvroOutput) throws(AvroEncodeError) {
        guard let base = json.baseAddress, json.count > 0 else {
            throw AvroEncodeError(syntax: JSONScanError(offset: 0, reason: .empty))
        }
        let p = base.assumingMemoryBound(to: UInt8.self)
        if !forDefault, depth == 0 {
            // The plain shapes in one pass; anything else (every error included) by the walk below.
            let mark = out.count
            var fast = AvroFastEncoder(p, json.count, program: program, natural: form == .natural)
            if fast.document(type, to: &out) { return }
            out.truncate(to: mark)
        }
        let start = JSONCursor.skipWhitespace(p, 0, json.count)
        // An object or array is checked by the walk's cursors as they go (one pass, not two); anything
        // else (and trailing bytes after a container, which its cursor reports) here.
        let checked = start == json.count || (p[start] != UInt8(ascii: "{") && p[start] != UInt8(ascii: "["))
        if checked, let error = JSONScanner.validate(json) { throw AvroEncodeError(syntax: error) }
        var end = json.count
        while end > start, Envelope.isJSONWhitespace(p[end &- 1]) { end &-= 1 }
        let mark = out.count
        var walk = AvroJSONWalk(json: json, p: p, schema: schema, form: form, forDefault: forDefault, program: program)
        do throws(AvroEncodeError) {
            try walk.value(type, start..<end, depth: depth, to: &out)
        } catch {
            out.truncate(to: mark)
            // A value that did not fit may have stopped the walk before the cursors reached a syntax error
            // further on: invalid JSON is named as such, whatever else is wrong.
            if !checked, !error.isSyntax, let syntax = JSONScanner.validate(json) { throw AvroEncodeError(syntax: syntax) }
            throw error
        }
    }

    /// Appends `value` as a zigzag varint.
    @inline(__always)
    static func appendLong(_ value: Int64, to out: inout [UInt8]) {
        var raw = UInt64(bitPattern: (value &<< 1) ^ (value &>> 63))
        while raw >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: raw) | 0x80)
            raw &>>= 7
        }
        out.append(UInt8(truncatingIfNeeded: raw))
    }
}
