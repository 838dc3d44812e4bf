/// Avro binary → JSON, appended straight to an output buffer: no document tree, no per-value allocation
/// beyond the buffer's growth. The walk reads the schema's flattened `AvroProgram`.
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
    @inline(__always)
    package static func appendJSON(body: UnsafeRawBufferPointer, schema: AvroSchema, form: AvroJSONForm = .natural,
                                   to out: inout [UInt8]) throws(AvroDecodeError) {
        try appendJSON(body: body, program: schema.decoderProgram, form: form, to: &out)
    }

    /// The same with the schema's `decoderProgram` (what a caller keeps per schema id).
    package static func appendJSON(body: UnsafeRawBufferPointer, program: AvroPointerProgram, form: AvroJSONForm = .natural,
                                   to out: inout [UInt8]) throws(AvroDecodeError) {
        let mark = out.count
        let reader = AvroBinaryReader(
            p: body.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1).unsafelyUnwrapped,
            n: body.count)
        let result: Result<Void, AvroDecodeError> = AvroOutput.with(&out) { output in
            var walk = Walk(ops: program.ops, links: program.links, text: program.text, natural: form == .natural,
                            reader: reader)
            do throws(AvroDecodeError) {
                try walk.value(program.root, depth: 0, to: &output)
                guard walk.reader.i == walk.reader.n else {
                    throw AvroDecodeError(walk.reader.i, "\(walk.reader.n - walk.reader.i) bytes after the value")
                }
                return .success(())
            } catch {
                output.truncate(to: mark)
                return .failure(error)
            }
        }
        try result.get()
    }

    /// The walk over one value. Fixed-size pieces (numbers, punctuation, names) are written through
    /// `AvroOutput.room`; strings in bulk; escapes and decimals (rare) through the array.
    private struct Walk {
        let ops: UnsafePointer<AvroProgram.Op>
        let links: UnsafePointer<AvroProgram.Link>
        let text: UnsafePointer<UInt8>
        let natural: Bool
        var reader: AvroBinaryReader

        /// A value: the scalars here, inline (most record fields and items), the rest through `composite`.
        @inline(__always)
        mutating func value(_ index: Int, depth: Int, to out: inout AvroOutput) throws(AvroDecodeError) {
            switch ops[index].kind {
            case .long:
                let v = try reader.long()
                out.n &+= AvroNumbers.writeInteger(v, at: out.room(24))
            case .string:
                let at = reader.i
                let (p, n) = try reader.lengthPrefixed()
                guard string(p, n, to: &out) else { throw AvroDecodeError(at, "a string that is not UTF-8") }
            case .int:
                let v = Int64(try reader.int())
                out.n &+= AvroNumbers.writeInteger(v, at: out.room(24))
            case .boolean:
                let at = reader.i
                let b = try reader.byte()
                guard b <= 1 else { throw AvroDecodeError(at, "a boolean must be 0 or 1, not \(b)") }
                if b == 1 { out.literal("true") } else { out.literal("false") }
            case .enumeration:
                let at = reader.i
                let k = try reader.long()
                let count = ops[index].count
                guard k >= 0, k < count else {
                    throw AvroDecodeError(at, "enum index \(k) out of range 0..<\(count)")
                }
                let link = links[ops[index].first &+ Int(k)]
                out.bytes(text + link.textStart, link.textCount)
            default:
                try composite(index, depth: depth, to: &out)
            }
        }

        @inline(never)
        mutating func composite(_ index: Int, depth: Int, to out: inout AvroOutput) throws(AvroDecodeError) {
            let op = ops[index]
            switch op.kind {
            case .boolean, .int, .long, .string, .enumeration:
                // `value` decodes these itself and never sends them here.
                try value(index, depth: depth, to: &out)
            case .null:
                out.literal("null")
            case .float:
                let v = try reader.float()
                if v.isFinite {
                    var text = v.description   // shortest round-trip; short, so held inline, not allocated
                    text.withUTF8 { out.bytes($0.baseAddress.unsafelyUnwrapped, $0.count) }
                } else {
                    out.literal(AvroNumbers.nonFiniteLiteral(v.isNaN, v < 0))
                }
            case .double:
                let v = try reader.double()
                if let count = AvroNumbers.writeShortDecimal(v, at: out.room(48)) {
                    out.n &+= count
                } else if v.isFinite {
                    var text = v.description   // shortest round-trip; short, so held inline, not allocated
                    text.withUTF8 { out.bytes($0.baseAddress.unsafelyUnwrapped, $0.count) }
                } else {
                    out.literal(AvroNumbers.nonFiniteLiteral(v.isNaN, v < 0))
                }
            case .bytes:
                let at = reader.i
                let (p, n) = try reader.lengthPrefixed()
                try bytes(op, p, n, at: at, to: &out)
            case .fixed:
                let at = reader.i
                let p = try reader.take(op.count)
                try bytes(op, p, op.count, at: at, to: &out)
            case .record:
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                out.byte(UInt8(ascii: "{"))
                var k = op.first
                let end = op.first &+ op.count
                while k < end {
                    // The fields after the first: `,"name":` (`AvroPointerProgram`).
                    let link = links[k]
                    out.bytes(text + link.textStart, link.textCount)
                    try value(link.node, depth: depth &+ 1, to: &out)
                    k &+= 1
                }
                out.byte(UInt8(ascii: "}"))
            case .array:
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                out.byte(UInt8(ascii: "["))
                var first = true
                var total = 0
                while true {
                    let count = try blockCount(ops[op.first].minimumSize, soFar: &total)
                    if count == 0 { break }
                    for _ in 0..<count {
                        if !first { out.byte(UInt8(ascii: ",")) }
                        first = false
                        try value(op.first, depth: depth &+ 1, to: &out)
                    }
                }
                out.byte(UInt8(ascii: "]"))
            case .map:
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                out.byte(UInt8(ascii: "{"))
                var first = true
                var total = 0
                while true {
                    // Keys are strings: at least one byte each, so the count is bounded by what remains.
                    let count = try blockCount(1, soFar: &total)
                    if count == 0 { break }
                    for _ in 0..<count {
                        if !first { out.byte(UInt8(ascii: ",")) }
                        first = false
                        let at = reader.i
                        let (p, n) = try reader.lengthPrefixed()
                        guard string(p, n, to: &out) else {
                            throw AvroDecodeError(at, "a map key that is not UTF-8")
                        }
                        out.byte(UInt8(ascii: ":"))
                        try value(op.first, depth: depth &+ 1, to: &out)
                    }
                }
                out.byte(UInt8(ascii: "}"))
            case .union:
                guard depth < AvroDecoder.depthLimit else { throw tooDeep() }
                let at = reader.i
                let k = try reader.long()
                guard k >= 0, k < op.count else {
                    throw AvroDecodeError(at, "union branch \(k) out of range 0..<\(op.count)")
                }
                let link = links[op.first &+ Int(k)]
                if natural {
                    try value(link.node, depth: depth &+ 1, to: &out)
                } else if ops[link.node].kind == .null {
                    out.literal("null")
                } else {
                    out.bytes(text + link.textStart, link.textCount)   // {"branch":
                    try value(link.node, depth: depth &+ 1, to: &out)
                    out.byte(UInt8(ascii: "}"))
                }
            }
        }

        /// A string's UTF-8 as a JSON string. Inline, for 4 to 32 bytes (most field values): copied as up to
        /// four overlapping words and checked in the same pass for a byte that needs escaping or UTF-8
        /// validation (below 0x20, '"', backslash, from 0x80); anything else in `longString`.
        @inline(__always)
        private func string(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout AvroOutput) -> Bool {
            let from = UnsafeRawPointer(p)
            if n >= 8, n <= 32 {
                let q = out.room(34)
                let to = UnsafeMutableRawPointer(q + 1)
                let last = n &- 8
                let b = last < 8 ? last : 8, c = last < 16 ? last : 16
                let w0 = from.loadUnaligned(as: UInt64.self)
                let w1 = from.loadUnaligned(fromByteOffset: b, as: UInt64.self)
                let w2 = from.loadUnaligned(fromByteOffset: c, as: UInt64.self)
                let w3 = from.loadUnaligned(fromByteOffset: last, as: UInt64.self)
                to.storeBytes(of: w0, as: UInt64.self)
                to.storeBytes(of: w1, toByteOffset: b, as: UInt64.self)
                to.storeBytes(of: w2, toByteOffset: c, as: UInt64.self)
                to.storeBytes(of: w3, toByteOffset: last, as: UInt64.self)
                if Self.plainLanes(w0) | Self.plainLanes(w1) | Self.plainLanes(w2) | Self.plainLanes(w3) == 0 {
                    q[0] = UInt8(ascii: "\"")
                    q[n &+ 1] = UInt8(ascii: "\"")
                    out.n &+= n &+ 2
                    return true
                }
            } else if n >= 4, n < 8 {
                let q = out.room(10)
                let to = UnsafeMutableRawPointer(q + 1)
                let head = from.loadUnaligned(as: UInt32.self)
                let tail = from.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
                to.storeBytes(of: head, as: UInt32.self)
                to.storeBytes(of: tail, toByteOffset: n &- 4, as: UInt32.self)
                if Self.plainLanes(UInt64(head) | UInt64(tail) &<< 32) == 0 {
                    q[0] = UInt8(ascii: "\"")
                    q[n &+ 1] = UInt8(ascii: "\"")
                    out.n &+= n &+ 2
                    return true
                }
            }
            return longString(p, n, to: &out)
        }

        /// High bits set in the lanes of `w` that a JSON string cannot hold as they are: a control byte, '"',
        /// backslash, or a byte from 0x80 (non-zero exactly when there is one: the borrows these subtractions
        /// may carry into higher lanes come only from a lane that is itself flagged).
        @inline(__always)
        private static func plainLanes(_ w: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let control = (w &- ones &* 0x20) & ~w
            let q = w ^ (ones &* 0x22), s = w ^ (ones &* 0x5C)
            return (w | control | ((q &- ones) & ~q) | ((s &- ones) & ~s)) & 0x8080_8080_8080_8080
        }

        /// Any other string: longer ones a word at a time, shorter ones, and those that need escaping.
        @inline(never)
        private func longString(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout AvroOutput) -> Bool {
            if n >= 8, n <= AvroOutput.capacity / 2 {
                // Copied and checked in the same pass, a word at a time (the last one overlapping the one
                // before); a string that needs escaping is left in the buffer, uncounted, and done below.
                let q = out.room(n &+ 2)
                let from = UnsafeRawPointer(p), to = UnsafeMutableRawPointer(q + 1)
                var stop: UInt64 = 0
                var k = 0
                while k &+ 8 <= n {
                    let w = from.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                    to.storeBytes(of: w, toByteOffset: k, as: UInt64.self)
                    stop |= SWAR.stringStopLanes(w)
                    k &+= 8
                }
                if k < n {
                    let w = from.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
                    to.storeBytes(of: w, toByteOffset: n &- 8, as: UInt64.self)
                    stop |= SWAR.stringStopLanes(w)
                }
                if stop == 0 {
                    q[0] = UInt8(ascii: "\"")
                    q[n &+ 1] = UInt8(ascii: "\"")
                    out.n &+= n &+ 2
                    return true
                }
            } else if AvroNumbers.isPlain(p, n) {
                if n <= AvroOutput.capacity / 2 {
                    let q = out.room(n &+ 2)
                    q[0] = UInt8(ascii: "\"")
                    AvroOutput.copy(q + 1, p, n)
                    q[n &+ 1] = UInt8(ascii: "\"")
                    out.n &+= n &+ 2
                } else {
                    out.byte(UInt8(ascii: "\""))
                    out.bytes(p, n)
                    out.byte(UInt8(ascii: "\""))
                }
                return true
            }
            return escaped(p, n, to: &out)
        }

        /// A string that needs escaping (or checking as UTF-8), through the array: kept out of `string`,
        /// so the common path's frame stays small.
        @inline(never)
        private func escaped(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout AvroOutput) -> Bool {
            out.flush()
            return AvroNumbers.appendString(p, n, to: &out.out)
        }

        /// Bytes and fixed: a decimal string for a decimal in the natural form, else one code point per byte.
        private func bytes(_ op: AvroProgram.Op, _ p: UnsafePointer<UInt8>, _ n: Int, at: Int,
                           to out: inout AvroOutput) throws(AvroDecodeError) {
            if natural, op.isDecimal {
                guard n <= AvroDecoder.decimalByteLimit else {
                    throw AvroDecodeError(at, "a decimal of \(n) bytes (at most \(AvroDecoder.decimalByteLimit))")
                }
                if n <= 8, op.scale <= 256 {
                    let q = out.room(op.scale &+ 26)
                    q[0] = UInt8(ascii: "\"")
                    let count = AvroDecimal.writeSmall(p, n, scale: op.scale, at: q + 1)
                    q[count &+ 1] = UInt8(ascii: "\"")
                    out.n &+= count &+ 2
                    return
                }
                out.flush()
                out.out.append(UInt8(ascii: "\""))
                AvroDecimal.appendDecimal(p, n, scale: op.scale, to: &out.out)
                out.out.append(UInt8(ascii: "\""))
                return
            }
            out.flush()
            AvroNumbers.appendCodePointString(p, n, to: &out.out)
        }

        /// The next block's item count (0 at the end), after checking it against the remaining bytes
        /// (`minimum`: the least bytes an item takes). A negative count is followed by the block's size in
        /// bytes, which is read and checked, not used.
        private mutating func blockCount(_ minimum: Int, soFar total: inout Int) throws(AvroDecodeError) -> Int {
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
