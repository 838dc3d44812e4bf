extension JSONScanner {
    /// Decodes a string token — the range INCLUDING its quotes, as `scanObject` reports for values of
    /// kind `.string` — into UTF-8 bytes, resolving escapes and surrogate pairs.
    ///
    /// Meant for tokens the scanner accepted. Anything else never traps: the range is clamped to the
    /// buffer, missing quotes are tolerated, invalid escapes are copied raw and unpaired surrogates
    /// become U+FFFD.
    static func decodeStringToken(_ bytes: UnsafeRawBufferPointer, _ tokenRange: Range<Int>) -> [UInt8] {
        var range = clamp(tokenRange, bytes.count)
        if let base = bytes.baseAddress, range.count >= 2 {
            let p = base.assumingMemoryBound(to: UInt8.self)
            if p[range.lowerBound] == UInt8(ascii: "\""), p[range.upperBound &- 1] == UInt8(ascii: "\"") {
                range = range.lowerBound &+ 1 ..< range.upperBound &- 1
            }
        }
        return decodeStringContent(bytes, range)
    }

    /// Decodes a string's raw content — the range WITHOUT quotes, as `scanObject` reports for member
    /// names — into UTF-8 bytes. Same leniency as `decodeStringToken`.
    static func decodeStringContent(_ bytes: UnsafeRawBufferPointer, _ contentRange: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        appendDecodedContent(bytes, contentRange, to: &out)
        return out
    }

    /// Appends the decoded content to `out` (no intermediate array).
    static func appendDecodedContent(_ bytes: UnsafeRawBufferPointer, _ contentRange: Range<Int>, to out: inout [UInt8]) {
        let range = clamp(contentRange, bytes.count)
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let p = base.assumingMemoryBound(to: UInt8.self)
        JSONUnescaper.forEachChunk(p, range.lowerBound, range.upperBound) { chunk in
            out.append(contentsOf: chunk)
            return true
        }
    }

    /// True when the raw name content (between the quotes) equals `name` after escape decoding.
    /// Without escapes this is a length check and a memcmp.
    static func nameEquals(_ bytes: UnsafeRawBufferPointer, _ nameRange: Range<Int>, _ name: StaticString) -> Bool {
        if name.hasPointerRepresentation {
            return nameEquals(bytes, nameRange, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        return nameEquals(bytes, nameRange, name.description)
    }

    /// True when the raw name content (between the quotes) equals `name` after escape decoding.
    static func nameEquals(_ bytes: UnsafeRawBufferPointer, _ nameRange: Range<Int>, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { nameEquals(bytes, nameRange, $0) }
    }

    static func nameEquals(_ bytes: UnsafeRawBufferPointer, _ nameRange: Range<Int>, _ want: UnsafeBufferPointer<UInt8>) -> Bool {
        let range = clamp(nameRange, bytes.count)
        guard let base = bytes.baseAddress, !range.isEmpty else { return want.isEmpty }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let raw = UnsafeBufferPointer(start: p + range.lowerBound, count: range.count)
        if raw.count == want.count, raw.elementsEqual(want) { return true }
        guard JSONUnescaper.firstBackslash(p, range.lowerBound, range.upperBound) < range.upperBound else { return false }
        // Escaped names are rare: decode chunk by chunk and compare as we go, still without allocating.
        var matched = 0
        let complete = JSONUnescaper.forEachChunk(p, range.lowerBound, range.upperBound) { chunk in
            guard matched &+ chunk.count <= want.count else { return false }
            for (k, byte) in chunk.enumerated() where want[matched &+ k] != byte { return false }
            matched &+= chunk.count
            return true
        }
        return complete && matched == want.count
    }

    @inline(__always)
    static func clamp(_ range: Range<Int>, _ count: Int) -> Range<Int> {
        let lower = min(max(range.lowerBound, 0), count)
        let upper = min(max(range.upperBound, lower), count)
        return lower..<upper
    }
}

/// Turns escaped string content into UTF-8, as a series of chunks: runs of raw bytes straight from
/// the input, and decoded escapes from a small stack buffer.
enum JSONUnescaper {
    /// Offset of the first backslash in `p[start..<end]`, or `end`: eight bytes at a time while they
    /// fit (the lowest flagged lane is exact), then byte by byte. The one backslash search: the
    /// decoder, `nameEquals` and the envelope reader's member lookup all use it.
    @inline(__always)
    static func firstBackslash(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var (i, found) = SWAR.skipWords(p, start, end) { SWAR.zeroLanes($0 ^ (0x5C &* SWAR.ones)) }
        if found { return i }
        while i < end, p[i] != UInt8(ascii: "\\") { i &+= 1 }
        return i
    }

    /// Calls `body` with consecutive chunks until it returns false (then returns false) or the
    /// content is exhausted (then returns true).
    @discardableResult
    static func forEachChunk(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int,
                             _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var i = start
        var run = start
        var scratch: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        while i < end {
            i = firstBackslash(p, i, end)
            guard i < end else { break }
            if run < i, !body(UnsafeBufferPointer(start: p + run, count: i &- run)) { return false }
            let (scalar, consumed) = decodeEscape(p, i, end)
            if let scalar {
                let count = withUnsafeMutableBytes(of: &scratch) { buffer -> Int in
                    encodeUTF8(scalar, into: buffer.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self))
                }
                let ok = withUnsafeBytes(of: &scratch) { buffer in
                    body(UnsafeBufferPointer(start: buffer.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self),
                                             count: count))
                }
                if !ok { return false }
                i &+= consumed
                run = i
            } else {
                // Not a valid escape: keep the backslash as ordinary content.
                run = i
                i &+= 1
            }
        }
        if run < end, !body(UnsafeBufferPointer(start: p + run, count: end &- run)) { return false }
        return true
    }

    /// The scalar an escape at `p[at]` (a backslash) stands for and how many bytes it spans,
    /// or (nil, 0) when it is not a valid escape.
    private static func decodeEscape(_ p: UnsafePointer<UInt8>, _ at: Int, _ end: Int) -> (UInt32?, Int) {
        guard at &+ 1 < end else { return (nil, 0) }
        switch p[at &+ 1] {
        case UInt8(ascii: "\""): return (0x22, 2)
        case UInt8(ascii: "\\"): return (0x5C, 2)
        case UInt8(ascii: "/"): return (0x2F, 2)
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "u"):
            guard let unit = hex4(p, at &+ 2, end) else { return (nil, 0) }
            switch unit {
            case 0xD800...0xDBFF:
                if at &+ 11 < end, p[at &+ 6] == UInt8(ascii: "\\"), p[at &+ 7] == UInt8(ascii: "u"),
                   let low = hex4(p, at &+ 8, end), low >= 0xDC00, low <= 0xDFFF
                {
                    return (0x10000 &+ ((unit &- 0xD800) &<< 10) &+ (low &- 0xDC00), 12)
                }
                return (0xFFFD, 6)
            case 0xDC00...0xDFFF:
                return (0xFFFD, 6)
            default:
                return (unit, 6)
            }
        default:
            return (nil, 0)
        }
    }

    private static func hex4(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> UInt32? {
        guard from &+ 4 <= end else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let digit = jsonHexValue[Int(p[from &+ k])]
            if digit == JSONTables.notHex { return nil }
            value = value &<< 4 | UInt32(digit)
        }
        return value
    }

    /// Writes `scalar` (≤ U+10FFFF, not a surrogate) as UTF-8; returns the byte count.
    static func encodeUTF8(_ scalar: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(truncatingIfNeeded: scalar)
            return 1
        case 0x80..<0x800:
            out[0] = 0xC0 | UInt8(truncatingIfNeeded: scalar &>> 6)
            out[1] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[0] = 0xE0 | UInt8(truncatingIfNeeded: scalar &>> 12)
            out[1] = 0x80 | UInt8(truncatingIfNeeded: (scalar &>> 6) & 0x3F)
            out[2] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            return 3
        default:
            out[0] = 0xF0 | UInt8(truncatingIfNeeded: (scalar &>> 18) & 0x07)
            out[1] = 0x80 | UInt8(truncatingIfNeeded: (scalar &>> 12) & 0x3F)
            out[2] = 0x80 | UInt8(truncatingIfNeeded: (scalar &>> 6) & 0x3F)
            out[3] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            return 4
        }
    }
}
