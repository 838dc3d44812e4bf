/// The encoder's fast path: one pass over the JSON bytes, driven by the schema's flattened program,
/// scanning each token and writing its binary at once (no cursor per container, no entry ranges, no
/// second look at a member). It takes only the plain shapes: a record's members in the schema's order
/// with none missing, strings without escapes, integers without fraction or exponent, a union whose
/// branch the value's kind alone decides. Anything else, and every error, makes it give up (`false`):
/// the caller drops what it wrote and runs the general walk (`AvroJSONWalk`), which decides and names
/// the error. So whatever this path accepts, the general walk accepts with the same bytes, and the
/// JSON it accepts is valid: each token it passes is checked against the grammar as it is read.
struct AvroFastEncoder {
    let p: UnsafePointer<UInt8>
    let n: Int
    let ops: UnsafePointer<AvroProgram.Op>
    let links: UnsafePointer<AvroProgram.Link>
    let text: UnsafePointer<UInt8>
    let natural: Bool
    var i = 0

    /// Nesting beyond this is left to the general walk (which has the real limit).
    static let depthLimit = 64

    init(_ p: UnsafePointer<UInt8>, _ n: Int, program: AvroJSONWalk.Program, natural: Bool) {
        self.p = p
        self.n = n
        ops = program.ops
        links = program.links
        text = program.text
        self.natural = natural
    }

    /// The whole document as one value of `type`: true when it was encoded into `out`; false when the
    /// general walk must decide (the caller truncates `out`).
    mutating func document(_ type: Int, to out: inout AvroOutput) -> Bool {
        skipWhitespace()
        guard value(type, depth: 0, to: &out) else { return false }
        skipWhitespace()
        return i == n
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        // Most tokens follow one another without whitespace: one test for that.
        guard i < n, p[i] <= 0x20 else { return }
        while i < n {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i &+= 1
        }
    }

    /// Whether the next byte (after whitespace) is `b`; consumed when it is.
    @inline(__always)
    private mutating func take(_ b: UInt8) -> Bool {
        skipWhitespace()
        guard i < n, p[i] == b else { return false }
        i &+= 1
        return true
    }

    private mutating func value(_ index: Int, depth: Int, to out: inout AvroOutput) -> Bool {
        guard i < n, depth < AvroFastEncoder.depthLimit else { return false }
        let op = ops[index]
        switch op.kind {
        case .null:
            return literal("null")
        case .boolean:
            if p[i] == UInt8(ascii: "t") {
                guard literal("true") else { return false }
                out.byte(1)
                return true
            }
            guard literal("false") else { return false }
            out.byte(0)
            return true
        case .int, .long:
            return integer(int: op.kind == .int, to: &out)
        case .float, .double:
            let start = i
            guard number() else { return false }
            if op.kind == .double {
                out.littleEndian(AvroNumbers.double(p, start..<i).bitPattern)
            } else {
                let v = AvroNumbers.float(p, start..<i)
                guard v.isFinite else { return false }
                out.littleEndian(v.bitPattern)
            }
            return true
        case .string:
            return string(codePoints: false, to: &out)
        case .enumeration:
            guard p[i] == UInt8(ascii: "\""), let end = plainString() else { return false }
            let start = i
            i = end &+ 1
            let count = i &- start
            var k = 0
            while k < op.count {
                let link = links[op.first &+ k]
                if link.textCount == count, AvroOutput.same(p + start, text + link.textStart, count) {
                    out.long(Int64(k))
                    return true
                }
                k &+= 1
            }
            return false
        case .bytes, .fixed:
            return byteString(op, to: &out)
        case .record:
            return record(op, depth: depth, to: &out)
        case .array:
            guard p[i] == UInt8(ascii: "[") else { return false }
            i &+= 1
            let mark = out.count
            var count = 0
            if take(UInt8(ascii: "]")) {
                out.byte(0)
                return true
            }
            while true {
                skipWhitespace()
                guard value(op.first, depth: depth &+ 1, to: &out) else { return false }
                count &+= 1
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "]")) else { return false }
                break
            }
            out.insertLong(Int64(count), at: mark)
            out.byte(0)
            return true
        case .map:
            guard p[i] == UInt8(ascii: "{") else { return false }
            i &+= 1
            let mark = out.count
            var count = 0
            if take(UInt8(ascii: "}")) {
                out.byte(0)
                return true
            }
            while true {
                skipWhitespace()
                guard i < n, string(codePoints: false, to: &out) else { return false }
                guard take(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard value(op.first, depth: depth &+ 1, to: &out) else { return false }
                count &+= 1
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return false }
                break
            }
            out.insertLong(Int64(count), at: mark)
            out.byte(0)
            return true
        case .union:
            return union(op, depth: depth, to: &out)
        }
    }

    /// A record: its members in the schema's order, every one there, nothing else.
    private mutating func record(_ op: AvroProgram.Op, depth: Int, to out: inout AvroOutput) -> Bool {
        guard p[i] == UInt8(ascii: "{") else { return false }
        // Every member is one deeper (`value` would refuse each at the limit).
        guard op.count == 0 || depth &+ 1 < AvroFastEncoder.depthLimit else { return false }
        i &+= 1
        var k = 0
        while k < op.count {
            let link = links[op.first &+ k]
            // The link's text is `"name":`: the comma before it (after the first member), the name and
            // the colon, written without whitespace, in one comparison.
            let comma = k > 0 ? 1 : 0
            if link.textCount &+ comma <= n &- i, k == 0 || p[i] == UInt8(ascii: ","),
               AvroOutput.same(p + (i &+ comma), text + link.textStart, link.textCount) {
                i &+= link.textCount &+ comma
            } else {
                if k > 0, !take(UInt8(ascii: ",")) { return false }
                skipWhitespace()
                // The member's name token must be `"name"` exactly.
                let nameCount = link.textCount &- 1
                guard nameCount <= n &- i, AvroOutput.same(p + i, text + link.textStart, nameCount) else { return false }
                i &+= nameCount
                guard take(UInt8(ascii: ":")) else { return false }
            }
            skipWhitespace()
            guard i < n else { return false }
            // The commonest types of a member taken here as `value` takes them, without its call.
            let member = ops[link.node]
            switch member.kind {
            case .string:
                guard string(codePoints: false, to: &out) else { return false }
            case .int, .long:
                guard integer(int: member.kind == .int, to: &out) else { return false }
            case .union:
                guard union(member, depth: depth &+ 1, to: &out) else { return false }
            default:
                guard value(link.node, depth: depth &+ 1, to: &out) else { return false }
            }
            k &+= 1
        }
        return take(UInt8(ascii: "}"))
    }

    /// A union: `null` for its null branch; in the Avro form `{"branch": value}`; in the natural form a
    /// value that exactly one branch could take by its kind (the general walk's candidates are then that
    /// one branch). An object in the natural form (which may be the wrapped form) is left to the walk.
    private mutating func union(_ op: AvroProgram.Op, depth: Int, to out: inout AvroOutput) -> Bool {
        let b = p[i]
        if b == UInt8(ascii: "n") {
            var k = 0
            while k < op.count {
                if ops[links[op.first &+ k].node].kind == .null {
                    guard literal("null") else { return false }
                    out.long(Int64(k))
                    return true
                }
                k &+= 1
            }
            return false
        }
        if !natural {
            guard b == UInt8(ascii: "{") else { return false }
            i &+= 1
            skipWhitespace()
            guard i < n, p[i] == UInt8(ascii: "\""), let end = plainString() else { return false }
            let start = i
            i = end &+ 1
            let count = i &- start
            var k = 0
            while k < op.count {
                // The link's text is `{"branch":`.
                let link = links[op.first &+ k]
                if link.textCount &- 2 == count, AvroOutput.same(p + start, text + (link.textStart &+ 1), count) { break }
                k &+= 1
            }
            guard k < op.count, take(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            out.long(Int64(k))
            guard value(links[op.first &+ k].node, depth: depth &+ 1, to: &out) else { return false }
            return take(UInt8(ascii: "}"))
        }
        var taker = -1
        var k = 0
        while k < op.count {
            if takes(ops[links[op.first &+ k].node].kind, b) {
                guard taker < 0 else { return false }
                taker = k
            }
            k &+= 1
        }
        guard taker >= 0 else { return false }
        out.long(Int64(taker))
        return value(links[op.first &+ taker].node, depth: depth &+ 1, to: &out)
    }

    /// `AvroJSONWalk.takes` by the value's first byte; objects never (see `union`).
    @inline(__always)
    private func takes(_ kind: AvroProgram.Kind, _ b: UInt8) -> Bool {
        let isString = b == UInt8(ascii: "\"")
        let isNumber = b == UInt8(ascii: "-") || b &- 0x30 < 10
        switch kind {
        case .null: return false
        case .boolean: return b == UInt8(ascii: "t") || b == UInt8(ascii: "f")
        case .int, .long: return isNumber
        case .float, .double: return isNumber || isString
        case .string, .enumeration, .bytes, .fixed: return isString
        case .array: return b == UInt8(ascii: "[")
        case .record, .map, .union: return false
        }
    }

    /// Bytes and fixed: a natural decimal as the general walk's first path (a string without escapes or
    /// a number, of at most 18 digits); else a string of ASCII code points, one byte each.
    private mutating func byteString(_ op: AvroProgram.Op, to out: inout AvroOutput) -> Bool {
        if op.isDecimal, natural {
            let content: Range<Int>
            if p[i] == UInt8(ascii: "\"") {
                guard let end = plainString() else { return false }
                content = i &+ 1 ..< end
                i = end &+ 1
            } else {
                let start = i
                guard number() else { return false }
                content = start..<i
            }
            guard case .success(let (value, length))? = AvroDecimal.smallUnscaled(
                p, content, precision: op.precision, scale: op.scale, fixedSize: op.kind == .fixed ? op.count : nil)
            else { return false }
            if op.kind == .bytes { out.long(Int64(length)) }
            var k = length
            while k > 0 {
                k &-= 1
                out.byte(k < 8 ? UInt8(truncatingIfNeeded: value >> (8 &* k)) : (value < 0 ? 0xFF : 0))
            }
            return true
        }
        if op.kind == .bytes { return string(codePoints: true, to: &out) }
        let mark = out.count
        guard string(codePoints: true, lengthPrefix: false, to: &out) else { return false }
        return out.count &- mark == op.count
    }

    /// A string token at `p[i]` as Avro's string (its UTF-8) or, `codePoints`, as bytes (one per code
    /// point U+0000–U+00FF), after its length unless `lengthPrefix` is false. False for anything the
    /// JSON grammar or the type does not allow, and for escaped strings longer than `escapedLimit`.
    private mutating func string(codePoints: Bool, lengthPrefix: Bool = true, to out: inout AvroOutput) -> Bool {
        guard p[i] == UInt8(ascii: "\"") else { return false }
        if !codePoints, lengthPrefix, shortASCII(to: &out) { return true }
        var escaped = false
        guard let end = scanString(&escaped, codePoints: codePoints) else { return false }
        let start = i &+ 1
        i = end &+ 1
        if !escaped, !codePoints || end &- start == 0 || !hasHighByte(start, end) {
            if lengthPrefix { out.long(Int64(end &- start)) }
            out.bytes(p + start, end &- start)
            return true
        }
        guard end &- start <= AvroFastEncoder.escapedLimit else { return false }
        let mark = out.count
        let q = out.room(end &- start)
        var j = start
        var w = 0
        while j < end {
            let b = p[j]
            if b == UInt8(ascii: "\\") {
                let e = p[j &+ 1]
                if e == UInt8(ascii: "u") {
                    let unit = hex4(j &+ 2)   // checked by the scan; never a surrogate there
                    j &+= 6
                    if codePoints {
                        guard unit <= 0xFF else { return false }
                        q[w] = UInt8(truncatingIfNeeded: unit)
                        w &+= 1
                    } else if unit < 0x80 {
                        q[w] = UInt8(truncatingIfNeeded: unit)
                        w &+= 1
                    } else if unit < 0x800 {
                        q[w] = 0xC0 | UInt8(truncatingIfNeeded: unit &>> 6)
                        q[w &+ 1] = 0x80 | UInt8(truncatingIfNeeded: unit & 0x3F)
                        w &+= 2
                    } else {
                        q[w] = 0xE0 | UInt8(truncatingIfNeeded: unit &>> 12)
                        q[w &+ 1] = 0x80 | UInt8(truncatingIfNeeded: (unit &>> 6) & 0x3F)
                        q[w &+ 2] = 0x80 | UInt8(truncatingIfNeeded: unit & 0x3F)
                        w &+= 3
                    }
                    continue
                }
                switch e {
                case UInt8(ascii: "b"): q[w] = 0x08
                case UInt8(ascii: "f"): q[w] = 0x0C
                case UInt8(ascii: "n"): q[w] = 0x0A
                case UInt8(ascii: "r"): q[w] = 0x0D
                case UInt8(ascii: "t"): q[w] = 0x09
                default: q[w] = e   // " \ /
                }
                w &+= 1
                j &+= 2
            } else if codePoints, b >= 0x80 {
                // The scan let only C2 and C3 lead bytes through: U+0080–U+00FF.
                q[w] = (b & 0x03) &<< 6 | p[j &+ 1] & 0x3F
                w &+= 1
                j &+= 2
            } else {
                q[w] = b
                w &+= 1
                j &+= 1
            }
        }
        out.n &+= w
        if lengthPrefix, w > 0 { out.insertLong(Int64(w), at: mark) }
        if lengthPrefix, w == 0 { out.byte(0) }
        return true
    }

    /// The commonest string, at `p[i]`'s quote: ASCII without escapes or control characters, shorter than
    /// 64 bytes (its length one varint byte), fitting the output's buffer. Copied a word at a time as it
    /// is scanned, after a byte kept for its length: one pass instead of a scan, then a copy. False,
    /// nothing written and `i` unmoved, for anything else (`string`'s general path then decides).
    @inline(__always)
    private mutating func shortASCII(to out: inout AvroOutput) -> Bool {
        // Room for the length byte and 64 bytes: whole words may be stored past the string's end.
        guard AvroOutput.capacity &- out.n >= 1 &+ 64 &+ 8 else { return false }
        let q = out.base + (out.n &+ 1)
        var j = i &+ 1
        var w = 0
        while w < 64 {
            if n &- j >= 8 {
                let word = SWAR.load(p + j)
                UnsafeMutableRawPointer(q + w).storeBytes(of: word.littleEndian, as: UInt64.self)
                let lanes = SWAR.stringStopLanes(word)
                if lanes == 0 {
                    j &+= 8
                    w &+= 8
                    continue
                }
                let k = SWAR.firstLane(lanes)
                j &+= k
                w &+= k
            } else {
                // The last few bytes of the input, one at a time.
                while j < n, w < 64 {
                    let b = p[j]
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { break }
                    q[w] = b
                    j &+= 1
                    w &+= 1
                }
            }
            break
        }
        guard w < 64, j < n, p[j] == UInt8(ascii: "\"") else { return false }
        q[-1] = UInt8(truncatingIfNeeded: w &<< 1)   // zigzag: 2 × length
        out.n &+= 1 &+ w
        i = j &+ 1
        return true
    }

    /// Escaped strings up to this many bytes (as written) are decoded into the output's buffer.
    static let escapedLimit = 256

    private func hasHighByte(_ start: Int, _ end: Int) -> Bool {
        var j = start
        while j < end {
            if p[j] >= 0x80 { return true }
            j &+= 1
        }
        return false
    }

    @inline(__always)
    private func hex4(_ from: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = p[from &+ k]
            let digit = c &- 0x30 < 10 ? c &- 0x30 : (c | 0x20) &- 0x57
            value = value &<< 4 | UInt32(digit)
        }
        return value
    }

    @inline(__always)
    private func isHex(_ c: UInt8) -> Bool {
        c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 6
    }

    /// `p[i]` is a string's opening quote: the index of its closing quote when the string is valid JSON
    /// (escapes other than surrogates, set `escaped`) and valid UTF-8 (`codePoints`: with no raw code
    /// point above U+00FF); nil otherwise.
    @inline(__always)
    private func scanString(_ escaped: inout Bool, codePoints: Bool) -> Int? {
        var j = i &+ 1
        while true {
            while j &+ 8 <= n {
                let lanes = SWAR.stringStopLanes(SWAR.load(p + j))
                if lanes != 0 {
                    j &+= SWAR.firstLane(lanes)
                    break
                }
                j &+= 8
            }
            guard j < n else { return nil }
            let b = p[j]
            if b == UInt8(ascii: "\"") { return j }
            if b >= 0x80 {
                if codePoints, b & 0xFE != 0xC2 { return nil }
                let length = UTF8Validation.sequenceLength(p, j, n)
                guard length != 0 else { return nil }
                j &+= length
            } else if b == UInt8(ascii: "\\") {
                guard j &+ 1 < n else { return nil }
                let e = p[j &+ 1]
                if e == UInt8(ascii: "u") {
                    guard j &+ 5 < n, isHex(p[j &+ 2]), isHex(p[j &+ 3]), isHex(p[j &+ 4]), isHex(p[j &+ 5]) else { return nil }
                    let unit = hex4(j &+ 2)
                    guard unit < 0xD800 || unit > 0xDFFF else { return nil }
                    j &+= 6
                } else {
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        j &+= 2
                    default:
                        return nil
                    }
                }
                escaped = true
            } else if b < 0x20 {
                return nil
            } else {
                j &+= 1   // plain, in the tail of fewer than eight bytes
            }
        }
    }

    /// `p[i]` is a string's opening quote: the index of its closing quote when the string has no escape
    /// and no control character and is valid UTF-8 (`asciiOnly`: and is ASCII); nil otherwise.
    @inline(__always)
    private func plainString(asciiOnly: Bool = false) -> Int? {
        var j = i &+ 1
        while true {
            while j &+ 8 <= n {
                let lanes = SWAR.stringStopLanes(SWAR.load(p + j))
                if lanes != 0 {
                    j &+= SWAR.firstLane(lanes)
                    break
                }
                j &+= 8
            }
            guard j < n else { return nil }
            let b = p[j]
            if b == UInt8(ascii: "\"") { return j }
            if b >= 0x80 {
                guard !asciiOnly else { return nil }
                let length = UTF8Validation.sequenceLength(p, j, n)
                guard length != 0 else { return nil }
                j &+= length
            } else if b < 0x20 || b == UInt8(ascii: "\\") {
                return nil
            } else {
                j &+= 1   // plain, in the tail of fewer than eight bytes
            }
        }
    }

    @inline(__always)
    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard count <= n &- i, AvroOutput.same(p + i, word.utf8Start, count) else { return false }
        i &+= count
        return true
    }

    /// An int (`int`: in Int32's range) or a long, written as its varint.
    @inline(__always)
    private mutating func integer(int: Bool, to out: inout AvroOutput) -> Bool {
        guard let v = integer() else { return false }
        if int, Int32(exactly: v) == nil { return false }
        out.long(v)
        return true
    }

    /// An integer token (`-?(0|[1-9][0-9]*)` of at most 18 digits, not followed by a fraction or
    /// exponent): its value; nil otherwise.
    @inline(__always)
    private mutating func integer() -> Int64? {
        var j = i
        let negative = p[j] == UInt8(ascii: "-")
        if negative { j &+= 1 }
        let start = j
        var value: Int64 = 0
        // Eight digits at a time (more than 18 are refused below, so the wrapping cannot matter).
        while n &- j >= 8 {
            let w = SWAR.load(p + j)
            guard SWAR.nonDigitLanes(w) == 0 else { break }
            var v = w &- 0x3030_3030_3030_3030
            v = (v &* 10 &+ (v &>> 8)) & 0x00FF_00FF_00FF_00FF
            v = (v &* 100 &+ (v &>> 16)) & 0x0000_FFFF_0000_FFFF
            v = (v &* 10000 &+ (v &>> 32)) & 0xFFFF_FFFF
            value = value &* 100_000_000 &+ Int64(v)
            j &+= 8
        }
        while j < n {
            let digit = p[j] &- 0x30
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            j &+= 1
        }
        let digits = j &- start
        guard digits > 0, digits <= 18, digits == 1 || p[start] != UInt8(ascii: "0") else { return nil }
        if j < n {
            let next = p[j]
            if next == UInt8(ascii: ".") || next | 0x20 == UInt8(ascii: "e") || next == UInt8(ascii: "+")
                || next == UInt8(ascii: "-") { return nil }
        }
        i = j
        return negative ? 0 &- value : value
    }

    /// A number token by the JSON grammar (`JSONCursor.scanNumber`), moved past; false when it is not
    /// one, or has an exponent or 309 integer digits or more (which the general walk checks for overflow).
    @inline(__always)
    private mutating func number() -> Bool {
        var j = i
        if p[j] == UInt8(ascii: "-") { j &+= 1 }
        guard j < n else { return false }
        let intStart = j
        let first = p[j]
        if first == UInt8(ascii: "0") {
            j &+= 1
        } else if first &- 0x31 < 9 {
            j &+= 1
            while j < n, p[j] &- 0x30 < 10 { j &+= 1 }
        } else {
            return false
        }
        guard j &- intStart < 309 else { return false }
        if j < n, p[j] == UInt8(ascii: ".") {
            j &+= 1
            guard j < n, p[j] &- 0x30 < 10 else { return false }
            while j < n, p[j] &- 0x30 < 10 { j &+= 1 }
        }
        if j < n {
            let next = p[j]
            if next &- 0x30 < 10 || next == UInt8(ascii: ".") || next | 0x20 == UInt8(ascii: "e")
                || next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { return false }
        }
        i = j
        return true
    }
}
