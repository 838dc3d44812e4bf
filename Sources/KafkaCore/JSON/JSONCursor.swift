/// One top-level entry of a container: for objects the member name's raw content (between the
/// quotes, escapes not decoded), for arrays an empty name range; the value token's exact range.
struct JSONEntry {
    var name: Range<Int>
    var value: Range<Int>
    var kind: JSONKind
}

/// The one implementation of the JSON grammar: `JSONScanner.validate` (kput's check of every line),
/// `scanObject` (kput -k's key lookup) and the envelope reader all run it, so they cannot disagree on
/// a document.
///
/// Single pass, allocation-free, no recursion (so no stack overflow on hostile nesting); container
/// kinds for up to 512 levels live in `ContainerStack`. Written as direct structural code (after a
/// member name comes ':' then a value, after a value ',' or a closer), which the optimiser keeps in
/// registers; it can pause after each top-level entry so callers pick values out without a second
/// pass. Validation alone (`reportEntries: false`) is the same code specialised with the reporting
/// compiled out.
/// It keeps a raw pointer to the input: use it only inside the `withUnsafeBytes` scope it was made in.
struct JSONCursor {
    private enum State: UInt8 {
        case start       // the top-level value starts at `i`
        case afterEntry  // a top-level entry ending at `i` was just reported (so `depth` is 1)
        case done
    }

    private let p: UnsafePointer<UInt8>
    private let n: Int
    private let depthLimit: Int
    private let reportEntries: Bool

    private var i: Int
    private var depth = 0
    private var inObject = false
    private var state = State.start
    private var objects = ContainerStack()
    private var failure: JSONScanError?

    /// Offset of the top-level value's first byte.
    private let first: Int

    /// Kind of the top-level value.
    var topKind: JSONKind { JSONCursor.kind(of: p[first]) }

    /// Fails with `.empty` for input that is empty or only whitespace.
    /// `depthLimit` is clamped to 1...512 (the capacity of the inline stack).
    init(_ base: UnsafePointer<UInt8>, count: Int, depthLimit: Int = JSONScanner.maxDepth, reportEntries: Bool)
        throws(JSONScanError)
    {
        let first = JSONCursor.skipWhitespace(base, 0, count)
        guard first < count else { throw JSONScanError(offset: count, reason: .empty) }
        self.init(base, count: count, first: first, depthLimit: depthLimit, reportEntries: reportEntries)
    }

    /// `first` is the offset of the first non-whitespace byte, < `count`.
    @inline(__always)
    private init(_ base: UnsafePointer<UInt8>, count: Int, first: Int, depthLimit: Int, reportEntries: Bool) {
        p = base
        n = count
        self.depthLimit = min(max(depthLimit, 1), ContainerStack.capacity)
        self.reportEntries = reportEntries
        i = first
        self.first = first
    }

    /// Convenience for raw buffers, which have no base address when empty.
    init(_ bytes: UnsafeRawBufferPointer, depthLimit: Int = JSONScanner.maxDepth, reportEntries: Bool)
        throws(JSONScanError)
    {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONScanError(offset: 0, reason: .empty)
        }
        try self.init(base.assumingMemoryBound(to: UInt8.self), count: bytes.count,
                      depthLimit: depthLimit, reportEntries: reportEntries)
    }

    static func kind(of first: UInt8) -> JSONKind {
        switch first {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"): return .true
        case UInt8(ascii: "f"): return .false
        case UInt8(ascii: "n"): return .null
        default: return .number
        }
    }

    /// Scans on. Returns the next top-level entry when reporting (objects and arrays only),
    /// nil once the whole document has been validated.
    mutating func next() throws(JSONScanError) -> JSONEntry? {
        let entry = reportEntries ? nextReporting() : nextValidating()
        if let failure { throw failure }
        return entry
    }

    @inline(never)
    private mutating func nextReporting() -> JSONEntry? { walk(report: true) }

    @inline(never)
    private mutating func nextValidating() -> JSONEntry? { walk(report: false) }

    /// Validation of a whole document, as `next()` without reporting: a local cursor the optimiser
    /// can take apart into registers, and no call per document beyond this one.
    /// Throws where and why `p[0..<n]` is not one JSON document.
    @inline(never)
    static func validate(_ p: UnsafePointer<UInt8>, _ n: Int, depthLimit: Int) throws(JSONScanError) {
        let first = JSONCursor.skipWhitespace(p, 0, n)
        guard first < n else { throw JSONScanError(offset: n, reason: .empty) }
        var cursor = JSONCursor(p, count: n, first: first, depthLimit: depthLimit, reportEntries: false)
        _ = cursor.walk(report: false)
        if let failure = cursor.failure { throw failure }
    }

    /// The grammar. `report` is a constant in each caller above, so validation carries none of the
    /// entry bookkeeping. Errors end the walk in `failure` (and `.done`): the throws below are branches
    /// to the one `catch`, and callers throw `failure` on.
    @inline(__always)
    private mutating func walk(report: Bool) -> JSONEntry? {
        // Work on locals so the optimiser keeps them in registers; write back only when pausing.
        let p = self.p
        let n = self.n
        let limit = self.depthLimit
        var i = self.i
        var depth = self.depth
        var inObject = self.inObject
        // A pause comes only where a top-level entry ends, so the entry's bounds and `needName` never
        // outlive a call: only `i`, `depth`, `inObject` and the stack are kept between calls.
        var needName = false
        var nameStart = 0
        var nameEnd = 0
        var valueStart = 0
        if state == .done { return nil }
        // The entry ending at `i` was reported before this call. Only reporting ever pauses, so for
        // validation this is the constant false and the checks below fold away.
        var resumed = report && state == .afterEntry

        do throws(JSONScanError) {
        value: while true {
            if !resumed {
                if needName {
                    // A member name and its ':' first.
                    needName = false
                    try JSONCursor.expect(UInt8(ascii: "\""), p, &i, n)
                    let start = i &+ 1
                    let end = JSONCursor.scanPlainString(p, start, n)
                    i = end >= 0 ? end : try JSONCursor.scanString(p, ~end, n)
                    if report, depth == 1 {
                        nameStart = start
                        nameEnd = i &- 1
                    }
                    try JSONCursor.expect(UInt8(ascii: ":"), p, &i, n)
                    i &+= 1
                }
                let b = try JSONCursor.significantByte(p, &i, n)
                if report, depth == 1 { valueStart = i }
                if b == UInt8(ascii: "\"") {
                    let end = JSONCursor.scanPlainString(p, i &+ 1, n)
                    i = end >= 0 ? end : try JSONCursor.scanString(p, ~end, n)
                } else if b &- 0x30 < 10 || b == UInt8(ascii: "-") {
                    let end = JSONCursor.scanPlainNumber(p, i, n)
                    i = end >= 0 ? end : try JSONCursor.scanNumber(p, i, n)
                } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                    guard depth < limit else { throw JSONScanError(offset: i, reason: .tooDeep) }
                    let isObject = b == UInt8(ascii: "{")
                    depth &+= 1
                    self.objects.set(depth, isObject: isObject)
                    inObject = isObject
                    i &+= 1
                    if try JSONCursor.significantByte(p, &i, n) == b &+ 2 {   // "}" is "{"+2 and "]" is "["+2 in ASCII
                        i &+= 1
                        depth &-= 1
                        inObject = depth > 0 && self.objects.isObject(depth)
                    } else {
                        needName = isObject
                        continue value
                    }
                } else if b == UInt8(ascii: "t") {
                    i = try JSONCursor.scanLiteral(p, i, n, "true")
                } else if b == UInt8(ascii: "f") {
                    i = try JSONCursor.scanLiteral(p, i, n, "false")
                } else if b == UInt8(ascii: "n") {
                    i = try JSONCursor.scanLiteral(p, i, n, "null")
                } else {
                    throw JSONScanError(offset: i, reason: .unexpectedByte(b))
                }
            }
            // A value just ended at `i`, inside `depth` open containers: then ',' or the innermost
            // closer, possibly several closers in a row.
            while true {
                if depth == 0 {
                    i = JSONCursor.skipWhitespace(p, i, n)
                    guard i == n else { throw JSONScanError(offset: i, reason: .trailingData) }
                    self.i = i
                    self.state = .done
                    return nil
                }
                if report, depth == 1 {
                    if resumed {
                        resumed = false
                    } else {
                        self.i = i
                        self.depth = depth
                        self.inObject = inObject
                        self.state = .afterEntry
                        return JSONEntry(name: inObject ? nameStart..<nameEnd : 0..<0, value: valueStart..<i,
                                         kind: JSONCursor.kind(of: p[valueStart]))
                    }
                }
                let c = try JSONCursor.significantByte(p, &i, n)
                if c == UInt8(ascii: ",") {
                    i &+= 1                     // whitespace after it: skipped where the name or value starts
                    needName = inObject
                    continue value
                }
                guard c == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw JSONScanError(offset: i, reason: .unexpectedByte(c))
                }
                i &+= 1
                depth &-= 1
                inObject = depth > 0 && self.objects.isObject(depth)
            }
        }
        } catch {
            self.failure = error
            self.state = .done
            return nil
        }
    }

    // MARK: - Tokens

    /// Moves `i` to the first byte at or after it that is not whitespace, which must be `byte`.
    @inline(__always)
    static func expect(_ byte: UInt8, _ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws(JSONScanError) {
        guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
        if p[i] == byte { return }
        i = skipWhitespace(p, i, n)
        guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
        guard p[i] == byte else { throw JSONScanError(offset: i, reason: .unexpectedByte(p[i])) }
    }

    /// The first byte at or after `i` that is not whitespace, with `i` moved to it; the input must not
    /// end first. Compact JSON has no whitespace: one comparison decides the common case.
    @inline(__always)
    static func significantByte(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws(JSONScanError) -> UInt8 {
        guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
        let b = p[i]
        if b > 0x20 { return b }
        i = skipWhitespace(p, i, n)
        guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
        return p[i]
    }

    @inline(__always)
    static func skipWhitespace(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var i = start
        while i < n {
            let b = p[i]
            // Compact JSON has no whitespace: one comparison decides the common case.
            if b > 0x20 { return i }
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return i }
            i &+= 1
        }
        return i
    }

    /// The common case of a string: printable ASCII up to the closing quote. `start` is just after the
    /// opening quote. Returns the index after the closing quote, or the bitwise complement of the index
    /// of the first byte that needs `scanString` (escape, control, non-ASCII, end of input).
    /// Small and non-throwing so it inlines into the state machine; everything else is out of line.
    @inline(__always)
    static func scanPlainString(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var (i, found) = SWAR.skipWords(p, start, n, SWAR.stringStopLanes)
        if found { return p[i] == UInt8(ascii: "\"") ? i &+ 1 : ~i }
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") { return i &+ 1 }
            // Plain: 0x20...0x7F but not the backslash (the quote is handled above). Compares, not the
            // table: its pointer would take a register from the structural loop this inlines into.
            if b &- 0x20 >= 0x60 || b == UInt8(ascii: "\\") { return ~i }
            i &+= 1
        }
        return ~i
    }

    /// The common case of a number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?` followed by a byte that cannot
    /// continue a number. Returns the end index, or -1 to leave the token to `scanNumber`
    /// (exponents, very long integers, malformed numbers, end of input).
    @inline(__always)
    static func scanPlainNumber(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var i = start
        if p[i] == UInt8(ascii: "-") { i &+= 1 }
        guard i < n else { return -1 }
        let intStart = i
        let first = p[i]
        if first == UInt8(ascii: "0") {
            i &+= 1
        } else if first &- 0x31 < 9 {
            i = skipDigits(p, i &+ 1, n)
            if i &- intStart >= 309 { return -1 }
        } else {
            return -1
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i &+= 1
            let fraction = i
            i = skipDigits(p, i, n)
            if i == fraction { return -1 }
        }
        if i < n {
            let next = p[i]
            if next &- 0x30 < 10 || next == UInt8(ascii: ".") || next | 0x20 == UInt8(ascii: "e")
                || next == UInt8(ascii: "+") || next == UInt8(ascii: "-")
            {
                return -1
            }
        }
        return i
    }

    /// Index of the first non-digit at or after `start` (or `n`): eight bytes at a time while they fit.
    @inline(__always)
    static func skipDigits(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var (i, found) = SWAR.skipWords(p, start, n, SWAR.nonDigitLanes)
        if found { return i }
        while i < n, p[i] &- 0x30 < 10 { i &+= 1 }
        return i
    }

    /// Any string, from `start` (after the opening quote, or where `scanPlainString` stopped) to just
    /// after the closing quote, with full escape, control and UTF-8 checks.
    @inline(never)
    static func scanString(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONScanError) -> Int {
        let plainBytes = jsonStringByteClass   // read once here, so the global's lazy-init check stays out of the loop
        var i = start
        while true {
            // Find the next byte that is not plain printable ASCII: eight at a time, then the table for the tail.
            let found: Bool
            (i, found) = SWAR.skipWords(p, i, n, SWAR.stringStopLanes)
            if !found {
                while i < n, plainBytes[Int(p[i])] == JSONTables.plain { i &+= 1 }
                guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
            }
            // Plain compare-and-branch, most frequent first: a table-driven switch here compiles to an
            // indirect jump that mispredicts on every string.
            let b = p[i]
            if b == UInt8(ascii: "\"") { return i &+ 1 }
            if b == UInt8(ascii: "\\") {
                i = try scanEscape(p, i, n)
            } else if b < 0x20 {
                throw JSONScanError(offset: i, reason: .controlCharacterInString)
            } else {
                let length = UTF8Validation.sequenceLength(p, i, n)
                guard length != 0 else { throw JSONScanError(offset: i, reason: .invalidUTF8) }
                i &+= length
            }
        }
    }

    /// `at` is the backslash; returns the index after the escape (and after a low surrogate escape).
    private static func scanEscape(_ p: UnsafePointer<UInt8>, _ at: Int, _ n: Int) throws(JSONScanError) -> Int {
        guard at &+ 1 < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
        switch p[at &+ 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return at &+ 2
        case UInt8(ascii: "u"):
            let unit = try hex4(p, at &+ 2, n, escapeAt: at)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate is only meaningful followed by an escaped low surrogate.
                guard at &+ 7 < n else {
                    // Distinguish truncation from a following byte that already proves it unpaired.
                    if at &+ 6 < n, p[at &+ 6] != UInt8(ascii: "\\") {
                        throw JSONScanError(offset: at, reason: .loneSurrogate)
                    }
                    throw JSONScanError(offset: n, reason: .unexpectedEnd)
                }
                guard p[at &+ 6] == UInt8(ascii: "\\"), p[at &+ 7] == UInt8(ascii: "u") else {
                    throw JSONScanError(offset: at, reason: .loneSurrogate)
                }
                let low = try hex4(p, at &+ 8, n, escapeAt: at &+ 6)
                guard low >= 0xDC00, low <= 0xDFFF else { throw JSONScanError(offset: at, reason: .loneSurrogate) }
                return at &+ 12
            case 0xDC00...0xDFFF:
                throw JSONScanError(offset: at, reason: .loneSurrogate)
            default:
                return at &+ 6
            }
        default:
            throw JSONScanError(offset: at, reason: .invalidEscape)
        }
    }

    @inline(__always)
    private static func hex4(_ p: UnsafePointer<UInt8>, _ from: Int, _ n: Int, escapeAt: Int)
        throws(JSONScanError) -> UInt32
    {
        let hex = jsonHexValue
        var value: UInt32 = 0
        for k in 0..<4 {
            guard from &+ k < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
            let digit = hex[Int(p[from &+ k])]
            guard digit != JSONTables.notHex else { throw JSONScanError(offset: escapeAt, reason: .invalidEscape) }
            value = value &<< 4 | UInt32(digit)
        }
        return value
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, plus the binary64 range check.
    @inline(never)
    static func scanNumber(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws(JSONScanError) -> Int {
        var i = start
        if p[i] == UInt8(ascii: "-") { i &+= 1 }
        guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
        let intStart = i
        let first = p[i]
        if first == UInt8(ascii: "0") {
            i &+= 1
        } else if first &- 0x31 < 9 {
            i &+= 1
            while i < n, p[i] &- 0x30 < 10 { i &+= 1 }
        } else {
            throw JSONScanError(offset: i, reason: .invalidNumber)
        }
        let intDigits = i &- intStart
        var hasExponent = false
        if i < n, p[i] == UInt8(ascii: ".") {
            i &+= 1
            guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
            guard p[i] &- 0x30 < 10 else { throw JSONScanError(offset: i, reason: .invalidNumber) }
            while i < n, p[i] &- 0x30 < 10 { i &+= 1 }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            i &+= 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i &+= 1 }
            guard i < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
            guard p[i] &- 0x30 < 10 else { throw JSONScanError(offset: i, reason: .invalidNumber) }
            while i < n, p[i] &- 0x30 < 10 { i &+= 1 }
        }
        // A digit, point, sign or exponent letter right after a complete number means the number
        // itself is malformed ("01", "1.2.3", "1e5e5"), which reads better than "unexpected byte".
        if i < n {
            let next = p[i]
            if next &- 0x30 < 10 || next == UInt8(ascii: ".") || next | 0x20 == UInt8(ascii: "e")
                || next == UInt8(ascii: "+") || next == UInt8(ascii: "-")
            {
                throw JSONScanError(offset: i, reason: .invalidNumber)
            }
        }
        if hasExponent || intDigits >= 309, JSONNumberRange.overflows(p, start, i) {
            throw JSONScanError(offset: start, reason: .invalidNumber)
        }
        return i
    }

    /// `literal` is "true", "false" or "null"; `p[start]` already equals its first byte.
    @inline(__always)
    private static func scanLiteral(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, _ literal: StaticString)
        throws(JSONScanError) -> Int
    {
        let length = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        if start &+ length <= n {
            // Compare the last four bytes as one word: covers "true"/"null" fully and "false" with p[start].
            let tail = UnsafeRawPointer(p + (start &+ length &- 4)).loadUnaligned(as: UInt32.self)
            let want = UnsafeRawPointer(expected + (length &- 4)).loadUnaligned(as: UInt32.self)
            if tail == want { return start &+ length }
        }
        var k = 1
        while k < length {
            guard start &+ k < n else { throw JSONScanError(offset: n, reason: .unexpectedEnd) }
            let b = p[start &+ k]
            guard b == expected[k] else { throw JSONScanError(offset: start &+ k, reason: .unexpectedByte(b)) }
            k &+= 1
        }
        return start &+ length   // unreachable in practice: the word comparison would have matched
    }
}

/// Whether each open container is an object (1) or an array (0), one bit per level, inline: no
/// allocation, whatever the input.
struct ContainerStack {
    static let capacity = 512
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// Records the kind of the container at `level` (1...capacity).
    @inline(__always)
    mutating func set(_ level: Int, isObject: Bool) {
        let index = level &- 1
        withUnsafeMutableBytes(of: &words) { raw in
            let words = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt64.self)
            let mask: UInt64 = 1 &<< UInt64(index & 63)
            if isObject { words[index &>> 6] |= mask } else { words[index &>> 6] &= ~mask }
        }
    }

    /// The kind recorded for `level` (1...capacity).
    @inline(__always)
    func isObject(_ level: Int) -> Bool {
        let index = level &- 1
        return withUnsafeBytes(of: words) { raw in
            let words = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt64.self)
            return words[index &>> 6] & (1 &<< UInt64(index & 63)) != 0
        }
    }
}
