/// Avro binary → JSON, appended straight to an output buffer: no document tree, no per-value allocation
/// beyond the buffer's growth (and a String for each float or double printed).
///
/// Bounds: every length and count is checked against the bytes that remain before anything is read or
/// reserved; items of a type that can take zero bytes (null, an empty record) are limited to
/// `zeroSizeItemLimit` per array; nesting (records, arrays, maps, unions) to `depthLimit`, so the JSON
/// fits an envelope. A body with bytes after its value is an error.
package enum AvroDecoder {
    package static let depthLimit = 500
    package static let zeroSizeItemLimit = 65_536
    /// A decimal longer than this is refused rather than printed (its conversion is quadratic).
    package static let decimalByteLimit = 512

    /// Appends the JSON of the value in `body` (written with `schema`) to `out`. On error `out` is left
    /// as it was.
    package static func appendJSON(body: UnsafeRawBufferPointer, schema: AvroSchema, form: AvroJSONForm = .natural,
                                   to out: inout [UInt8]) throws(AvroDecodeError) {
        let mark = out.count
        var reader = AvroBinaryReader(
            p: body.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1).unsafelyUnwrapped,
            n: body.count)
        do throws(AvroDecodeError) {
            try schema.nodes.withUnsafeBufferPointer { nodes throws(AvroDecodeError) in
                var walk = Walk(nodes: nodes, schema: schema, natural: form == .natural, reader: reader)
                try walk.value(schema.root, depth: 0, to: &out)
                reader = walk.reader
            }
            guard reader.i == reader.n else {
                throw AvroDecodeError(reader.i, "\(reader.n - reader.i) bytes after the value")
            }
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
    }

    private struct Walk {
        let nodes: UnsafeBufferPointer<AvroNode>
        let schema: AvroSchema
        let natural: Bool
        var reader: AvroBinaryReader

        mutating func value(_ index: Int, depth: Int, to out: inout [UInt8]) throws(AvroDecodeError) {
            switch nodes[index] {
            case .null:
                Envelope.appendLiteral("null", to: &out)
            case .boolean:
                let at = reader.i
                let b = try reader.byte()
                guard b <= 1 else { throw AvroDecodeError(at, "a boolean must be 0 or 1, not \(b)") }
                if b == 1 { Envelope.appendLiteral("true", to: &out) } else { Envelope.appendLiteral("false", to: &out) }
            case .int:
                Envelope.appendInteger(Int64(try reader.int()), to: &out)
            case .long:
                Envelope.appendInteger(try reader.long(), to: &out)
            case .float:
                AvroNumbers.appendFloat(try reader.float(), to: &out)
            case .double:
                AvroNumbers.appendDouble(try reader.double(), to: &out)
            case .string:
                let at = reader.i
                let (p, n) = try reader.lengthPrefixed()
                guard AvroNumbers.appendString(p, n, to: &out) else { throw AvroDecodeError(at, "a string that is not UTF-8") }
            case .bytes:
                let at = reader.i
                let (p, n) = try reader.lengthPrefixed()
                try bytes(index, p, n, at: at, to: &out)
            case .fixed(_, let size):
                let at = reader.i
                let p = try reader.take(size)
                try bytes(index, p, size, at: at, to: &out)
            case .enumeration(_, _, let quoted):
                let at = reader.i
                let k = try reader.long()
                guard k >= 0, k < quoted.count else {
                    throw AvroDecodeError(at, "enum index \(k) out of range 0..<\(quoted.count)")
                }
                out.append(contentsOf: quoted[Int(k)])
            case .record(_, let fields):
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                out.append(UInt8(ascii: "{"))
                for k in fields.indices {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: fields[k].jsonKey)
                    try value(fields[k].type, depth: depth + 1, to: &out)
                }
                out.append(UInt8(ascii: "}"))
            case .array(let items):
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                out.append(UInt8(ascii: "["))
                var first = true
                var total = 0
                while true {
                    let count = try blockCount(items, soFar: &total)
                    if count == 0 { break }
                    for _ in 0..<count {
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        try value(items, depth: depth + 1, to: &out)
                    }
                }
                out.append(UInt8(ascii: "]"))
            case .map(let values):
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                out.append(UInt8(ascii: "{"))
                var first = true
                var total = 0
                while true {
                    // Keys are strings: at least one byte each, so the count is bounded by what remains.
                    let count = try blockCount(-1, soFar: &total)
                    if count == 0 { break }
                    for _ in 0..<count {
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        let at = reader.i
                        let (p, n) = try reader.lengthPrefixed()
                        guard AvroNumbers.appendString(p, n, to: &out) else {
                            throw AvroDecodeError(at, "a map key that is not UTF-8")
                        }
                        out.append(UInt8(ascii: ":"))
                        try value(values, depth: depth + 1, to: &out)
                    }
                }
                out.append(UInt8(ascii: "}"))
            case .union(let branches):
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                let at = reader.i
                let k = try reader.long()
                guard k >= 0, k < branches.count else {
                    throw AvroDecodeError(at, "union branch \(k) out of range 0..<\(branches.count)")
                }
                let branch = branches[Int(k)]
                if natural {
                    try value(branch, depth: depth + 1, to: &out)
                } else if case .null = nodes[branch] {
                    Envelope.appendLiteral("null", to: &out)
                } else {
                    out.append(UInt8(ascii: "{"))
                    JSONString.appendQuoted(nodes[branch].branchName, to: &out)
                    out.append(UInt8(ascii: ":"))
                    try value(branch, depth: depth + 1, to: &out)
                    out.append(UInt8(ascii: "}"))
                }
            }
        }

        /// Bytes and fixed: a decimal string for a decimal in the natural form, else one code point per byte.
        private func bytes(_ index: Int, _ p: UnsafePointer<UInt8>, _ n: Int, at: Int, to out: inout [UInt8]) throws(AvroDecodeError) {
            if natural, case .decimal(_, let scale) = schema.logicalTypes[index] {
                guard n <= AvroDecoder.decimalByteLimit else {
                    throw AvroDecodeError(at, "a decimal of \(n) bytes (at most \(AvroDecoder.decimalByteLimit))")
                }
                out.append(UInt8(ascii: "\""))
                AvroDecimal.appendDecimal(p, n, scale: scale, to: &out)
                out.append(UInt8(ascii: "\""))
                return
            }
            AvroNumbers.appendCodePointString(p, n, to: &out)
        }

        /// The next block's item count (0 at the end), after checking it against the remaining bytes.
        /// A negative count is followed by the block's size in bytes, which is read and checked, not used.
        private mutating func blockCount(_ items: Int, soFar total: inout Int) throws(AvroDecodeError) -> Int {
            let at = reader.i
            var count = try reader.long()
            if count < 0 {
                guard count != Int64.min else { throw AvroDecodeError(at, "block count out of range") }
                count = -count
                let sizeAt = reader.i
                let size = try reader.long()
                guard size >= 0, size <= reader.n - reader.i else {
                    throw AvroDecodeError(sizeAt, "block size \(size) past the end (\(reader.n - reader.i) bytes left)")
                }
            }
            let minimum = items < 0 ? 1 : schema.minimumSizes[items]
            let remaining = reader.n - reader.i
            if minimum > 0 {
                guard count <= remaining / minimum else {
                    throw AvroDecodeError(at, "block of \(count) items cannot fit in the \(remaining) bytes left")
                }
            } else {
                total += Int(min(count, Int64(AvroDecoder.zeroSizeItemLimit) + 1))
                guard total <= AvroDecoder.zeroSizeItemLimit else {
                    throw AvroDecodeError(at, "more than \(AvroDecoder.zeroSizeItemLimit) items of a zero-size type")
                }
            }
            return Int(count)
        }

        private func tooDeep() -> AvroDecodeError {
            AvroDecodeError(reader.i, "nesting deeper than \(AvroDecoder.depthLimit)")
        }
    }
}
