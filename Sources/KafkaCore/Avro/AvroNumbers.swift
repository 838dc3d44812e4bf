#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers and byte strings between Avro and JSON text.
enum AvroNumbers {
    /// The shortest text that reads back as the same float (Swift's description is shortest
    /// round-trip); NaN and the infinities, which JSON cannot hold, as the strings "NaN",
    /// "Infinity" and "-Infinity".
    static func appendFloat(_ value: Float, to out: inout [UInt8]) {
        if value.isFinite { out.append(contentsOf: value.description.utf8) } else { appendNonFinite(value.isNaN, value < 0, to: &out) }
    }

    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        if value.isFinite { out.append(contentsOf: value.description.utf8) } else { appendNonFinite(value.isNaN, value < 0, to: &out) }
    }

    private static func appendNonFinite(_ nan: Bool, _ negative: Bool, to out: inout [UInt8]) {
        if nan {
            Envelope.appendLiteral("\"NaN\"", to: &out)
        } else if negative {
            Envelope.appendLiteral("\"-Infinity\"", to: &out)
        } else {
            Envelope.appendLiteral("\"Infinity\"", to: &out)
        }
    }

    /// Appends the UTF-8 bytes as a JSON string; false (nothing appended) when they are not UTF-8.
    /// Printable ASCII without a quote or backslash, the common case, is found eight bytes at a time and
    /// copied at once; anything else is validated and escaped by the JSON writer.
    @inline(__always)
    static func appendString(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout [UInt8]) -> Bool {
        var i = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i &+ 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let control = (w &- ones &* 0x20) & ~w                 // a byte below 0x20 (or ≥ 0x80: caught by w)
            let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)    // zero bytes where a quote or backslash is
            let quote = (q &- ones) & ~q
            let backslash = (b &- ones) & ~b
            if (w | control | quote | backslash) & highs != 0 { break }
            i &+= 8
        }
        while i < n {
            let b = p[i]
            if b < 0x20 || b >= 0x80 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
            i &+= 1
        }
        if i < n {
            guard UTF8Validation.firstInvalid(p, i, n) == nil else { return false }
            out.append(UInt8(ascii: "\""))
            JSONString.appendEscaped(p, n, to: &out)
            out.append(UInt8(ascii: "\""))
            return true
        }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        out.append(UInt8(ascii: "\""))
        return true
    }

    /// Avro's JSON for bytes and fixed: a string of one code point U+0000–U+00FF per byte.
    static func appendCodePointString(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var run = 0
        var i = 0
        while i < n {
            let b = p[i]
            if b >= 0x80 {
                if run < i { JSONString.appendEscaped(p + run, i &- run, to: &out) }
                out.append(0xC0 | b &>> 6)
                out.append(0x80 | b & 0x3F)
                run = i &+ 1
            }
            i &+= 1
        }
        if run < n { JSONString.appendEscaped(p + run, n &- run, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// The bytes a code-point string stands for (its decoded UTF-8 content in `utf8`), or nil when a
    /// code point is above U+00FF.
    static func codePointBytes(_ utf8: [UInt8], into out: inout [UInt8]) -> Bool {
        var i = 0
        let n = utf8.count
        while i < n {
            let b = utf8[i]
            if b < 0x80 {
                out.append(b)
                i &+= 1
            } else if b & 0xFE == 0xC2, i &+ 1 < n {
                out.append((b & 0x03) &<< 6 | utf8[i &+ 1] & 0x3F)
                i &+= 2
            } else {
                return false
            }
        }
        return true
    }

    /// A JSON number token (`-?digits`, no fraction or exponent) as an integer; nil when it has a
    /// fraction or exponent (not integral as written) or does not fit 64 bits.
    static func integer(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int64? {
        var i = range.lowerBound
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i &+= 1 }
        guard i < range.upperBound else { return nil }
        var magnitude: UInt64 = 0
        while i < range.upperBound {
            let digit = p[i] &- 0x30
            guard digit < 10 else { return nil }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            magnitude = sum
            i &+= 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// A JSON number token read as the nearest double (glibc's strtod rounds correctly).
    static func double(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Double {
        withCString(p, range) { strtod($0, nil) }
    }

    /// A JSON number token read as the nearest float, straight from the text (strtof): going through
    /// a double first could round twice.
    static func float(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Float {
        withCString(p, range) { strtof($0, nil) }
    }

    private static func withCString<T>(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, _ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count &+ 1) { buffer in
            let base = buffer.baseAddress.unsafelyUnwrapped
            UnsafeMutableRawPointer(base).copyMemory(from: p + range.lowerBound, byteCount: range.count)
            base[range.count] = 0
            return body(base)
        }
    }

    /// The string that stands for a non-finite float or double ("NaN", "Infinity", "-Infinity"), as
    /// its decoded content.
    static func nonFinite(_ content: [UInt8]) -> Double? {
        switch content {
        case Array("NaN".utf8): return .nan
        case Array("Infinity".utf8): return .infinity
        case Array("-Infinity".utf8): return -.infinity
        default: return nil
        }
    }
}
