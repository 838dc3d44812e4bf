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

    /// The text `description` gives a double from 0.001 to 10^15 (plain decimal notation there) when
    /// its shortest round-trip digits are found by scaling: the first k (fraction digits) for which
    /// round(|v|·10^k) / 10^k gives v back (an exact integer below 2^53 over an exact power of ten, so
    /// one correctly rounded division: that decimal reads back as v), taken only when an ulp of v is
    /// below 10^-k, so no other k-digit decimal reads back as v and the one found is the closest, as
    /// `description`'s. Written at `q` (room for 48 bytes); nil for anything else.
    static func writeShortDecimal(_ v: Double, at q: UnsafeMutablePointer<UInt8>) -> Int? {
        let a = v.magnitude
        guard a >= 0.001, a < 1e15 else { return nil }
        var scale = 1.0
        var power: UInt64 = 1
        var k = 0
        while k <= 17 {
            // Rounded half away from zero, as `rounded()` but without a call into libm: below 2^52
            // adding one half and truncating does it (the sum can round only where both give the same
            // integer, or, below 1, where neither reads back as v); from 2^52 on, t is an integer.
            let t = a * scale
            guard t < 9_007_199_254_740_992 else { return nil }
            let m = t >= 4_503_599_627_370_496 ? t : Double(Int64(t + 0.5))
            if m / scale == a {
                guard a.ulp * scale < 1 else { return nil }
                let digits = UInt64(m)
                var w = q
                if v < 0 {
                    w[0] = UInt8(ascii: "-")
                    w += 1
                }
                w += Envelope.writeInteger(Int64(digits / power), at: w)
                w[0] = UInt8(ascii: ".")
                w += 1
                if k == 0 {
                    w[0] = UInt8(ascii: "0")
                    return w + 1 - q
                }
                var fraction = digits % power
                var at = k &- 1
                while at >= 0 {
                    w[at] = 0x30 &+ UInt8(truncatingIfNeeded: fraction % 10)
                    fraction /= 10
                    at &-= 1
                }
                return w + k - q
            }
            scale *= 10
            power &*= 10
            k &+= 1
        }
        return nil
    }

    /// Writes `value` in decimal at `q` (room for 20 bytes); returns the count. The digits are counted
    /// first, so each pair goes straight to its place: no scratch, no copy.
    @inline(__always)
    static func writeInteger(_ value: Int64, at q: UnsafeMutablePointer<UInt8>) -> Int {
        if value < 0 {
            q[0] = UInt8(ascii: "-")
            return 1 &+ writeDigits(value.magnitude, at: q + 1)
        }
        return writeDigits(value.magnitude, at: q)
    }

    /// How many decimal digits `m` has (1 for 0).
    @inline(__always)
    static func digitCount(_ m: UInt64) -> Int {
        // floor(log10(2^bits)) is bits·1233 >> 12; one comparison with a power of ten finishes it.
        let bits = 64 &- (m | 1).leadingZeroBitCount
        var digits = (bits &* 1233) &>> 12
        if m >= powerOfTen(digits) { digits &+= 1 }
        return digits == 0 ? 1 : digits
    }

    /// Writes the decimal digits of `m` at `w` (room for 20 bytes); returns the count. Below 10^16 (every
    /// timestamp and id in practice) the number is split into two halves of at most eight digits, each
    /// printed with 32-bit arithmetic, two digits per table load and store.
    @inline(__always)
    static func writeDigits(_ m: UInt64, at w: UnsafeMutablePointer<UInt8>) -> Int {
        if m < 100_000_000 { return writeDigits32(UInt32(truncatingIfNeeded: m), at: w) }
        if m < 10_000_000_000_000_000 {
            let high = UInt32(truncatingIfNeeded: m / 100_000_000)
            let count = writeDigits32(high, at: w)
            writeEightDigits(UInt32(truncatingIfNeeded: m % 100_000_000), at: w + count)
            return count &+ 8
        }
        let high = m / 100_000_000   // below 2^64 / 10^8 < 10^12: at most four digits, then eight
        let count = writeDigits32(UInt32(truncatingIfNeeded: high / 100_000_000), at: w)
        writeEightDigits(UInt32(truncatingIfNeeded: high % 100_000_000), at: w + count)
        writeEightDigits(UInt32(truncatingIfNeeded: m % 100_000_000), at: w + (count &+ 8))
        return count &+ 16
    }

    /// The digits of `m` (below 10^8).
    @inline(__always)
    private static func writeDigits32(_ m: UInt32, at w: UnsafeMutablePointer<UInt8>) -> Int {
        var m = m
        let digits = digitCount(UInt64(m))
        let pairs = UnsafeRawPointer(digitPairs.utf8Start)
        let raw = UnsafeMutableRawPointer(w)
        var at = digits
        while m >= 100 {
            let pair = Int(truncatingIfNeeded: m % 100) &* 2
            m /= 100
            at &-= 2
            raw.storeBytes(of: pairs.loadUnaligned(fromByteOffset: pair, as: UInt16.self), toByteOffset: at, as: UInt16.self)
        }
        if m >= 10 {
            raw.storeBytes(of: pairs.loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: m) &* 2, as: UInt16.self),
                           as: UInt16.self)
        } else {
            w[0] = 0x30 &+ UInt8(truncatingIfNeeded: m)
        }
        return digits
    }

    /// Exactly eight digits of `m` (below 10^8), leading zeros included.
    @inline(__always)
    private static func writeEightDigits(_ m: UInt32, at w: UnsafeMutablePointer<UInt8>) {
        let pairs = UnsafeRawPointer(digitPairs.utf8Start)
        let raw = UnsafeMutableRawPointer(w)
        let high = m / 10_000, low = m % 10_000
        let a = Int(truncatingIfNeeded: high / 100) &* 2, b = Int(truncatingIfNeeded: high % 100) &* 2
        let c = Int(truncatingIfNeeded: low / 100) &* 2, d = Int(truncatingIfNeeded: low % 100) &* 2
        raw.storeBytes(of: pairs.loadUnaligned(fromByteOffset: a, as: UInt16.self), as: UInt16.self)
        raw.storeBytes(of: pairs.loadUnaligned(fromByteOffset: b, as: UInt16.self), toByteOffset: 2, as: UInt16.self)
        raw.storeBytes(of: pairs.loadUnaligned(fromByteOffset: c, as: UInt16.self), toByteOffset: 4, as: UInt16.self)
        raw.storeBytes(of: pairs.loadUnaligned(fromByteOffset: d, as: UInt16.self), toByteOffset: 6, as: UInt16.self)
    }

    /// 10^k for k in 0...19 (a constant table to the compiler: no lazily made global to check per call).
    @inline(__always)
    static func powerOfTen(_ k: Int) -> UInt64 {
        switch k {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        case 8: return 100_000_000
        case 9: return 1_000_000_000
        case 10: return 10_000_000_000
        case 11: return 100_000_000_000
        case 12: return 1_000_000_000_000
        case 13: return 10_000_000_000_000
        case 14: return 100_000_000_000_000
        case 15: return 1_000_000_000_000_000
        case 16: return 10_000_000_000_000_000
        case 17: return 100_000_000_000_000_000
        case 18: return 1_000_000_000_000_000_000
        default: return 10_000_000_000_000_000_000
        }
    }

    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// The non-finite values' strings, for a writer with its own buffer.
    static func nonFiniteLiteral(_ nan: Bool, _ negative: Bool) -> StaticString {
        nan ? "\"NaN\"" : negative ? "\"-Infinity\"" : "\"Infinity\""
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
        let i = plainPrefix(p, n)
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

    /// How many bytes from the start are printable ASCII other than a quote or backslash (copied into a
    /// JSON string as they are), eight at a time.
    @inline(__always)
    static func plainPrefix(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
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
        return i
    }

    /// Whether all `n` bytes are printable ASCII other than a quote or backslash: eight at a time, the
    /// last (partial) word read overlapping the one before, so short strings take no byte loop.
    @inline(__always)
    static func isPlain(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            var i = 0
            while i &+ 8 <= n {
                if !isPlainWord(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return false }
                i &+= 8
            }
            return i == n || isPlainWord(raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        }
        if n >= 4 {
            let head = UInt64(raw.loadUnaligned(as: UInt32.self))
            let tail = UInt64(raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
            return isPlainWord(head | tail &<< 32)
        }
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x20 || b >= 0x80 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            i &+= 1
        }
        return true
    }

    @inline(__always)
    private static func isPlainWord(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- ones &* 0x20) & ~w                 // a byte below 0x20 (or ≥ 0x80: caught by w)
        let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)    // zero bytes where a quote or backslash is
        let quote = (q &- ones) & ~q
        let backslash = (b &- ones) & ~b
        return (w | control | quote | backslash) & highs == 0
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
        if range.upperBound &- i <= 18 {   // cannot overflow: no checks per digit
            var value: Int64 = 0
            while i < range.upperBound {
                let digit = p[i] &- 0x30
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
                i &+= 1
            }
            return negative ? 0 &- value : value
        }
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
        // Clinger's fast path: a mantissa below 2^53 and a power of ten up to 10^22 are both exact
        // doubles, so one correctly rounded multiplication or division gives the nearest double.
        if let (negative, mantissa, exponent) = simpleDecimal(p, range), mantissa <= 1 &<< 53, exponent >= -22, exponent <= 22 {
            let power = doublePowerOfTen(exponent < 0 ? 0 &- exponent : exponent)
            let magnitude = exponent < 0 ? Double(mantissa) / power : Double(mantissa) * power
            return negative ? -magnitude : magnitude
        }
        return withCString(p, range) { strtod($0, nil) }
    }

    /// 10^k for k in 0...22, every one an exact double (each literal is exactly its decimal value).
    @inline(__always)
    private static func doublePowerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// A JSON number token as sign, decimal mantissa and power of ten (`-12.5e3`: true, 125, 2); nil when
    /// the mantissa has more than 19 digits or the exponent more than 4 (left to strtod).
    @inline(__always)
    private static func simpleDecimal(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> (Bool, UInt64, Int)? {
        var i = range.lowerBound
        let end = range.upperBound
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i &+= 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while i < end, p[i] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
            digits &+= 1
            i &+= 1
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i &+= 1
            while i < end, p[i] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
                digits &+= 1
                exponent &-= 1
                i &+= 1
            }
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            var sign = 1
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                if p[i] == UInt8(ascii: "-") { sign = -1 }
                i &+= 1
            }
            var e = 0
            var eDigits = 0
            while i < end, p[i] &- 0x30 < 10 {
                e = e &* 10 &+ Int(p[i] &- 0x30)
                eDigits &+= 1
                i &+= 1
            }
            guard eDigits > 0, eDigits <= 4 else { return nil }
            exponent &+= sign &* e
        }
        guard i == end, digits > 0, digits <= 19 else { return nil }
        return (negative, mantissa, exponent)
    }

    /// A JSON number token read as the nearest float, straight from the text (strtof): going through
    /// a double first could round twice.
    static func float(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Float {
        // Clinger's fast path in float: a mantissa up to 2^24 and 10^0...10^10 are exact floats.
        if let (negative, mantissa, exponent) = simpleDecimal(p, range), mantissa <= 1 &<< 24, exponent >= -10, exponent <= 10 {
            let power = Float(doublePowerOfTen(exponent < 0 ? 0 &- exponent : exponent))
            let magnitude = exponent < 0 ? Float(mantissa) / power : Float(mantissa) * power
            return negative ? -magnitude : magnitude
        }
        return withCString(p, range) { strtof($0, nil) }
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

