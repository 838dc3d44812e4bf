/// Avro's decimal: an unscaled integer as big-endian two's complement bytes, the value being
/// unscaled × 10^-scale. Written in the natural JSON as an exact decimal string ("12.34", "-0.05").
enum AvroDecimal {
    /// Appends the decimal text (without quotes) of the `n` bytes at `p`. Empty bytes read as 0.
    static func appendDecimal(_ p: UnsafePointer<UInt8>, _ n: Int, scale: Int, to out: inout [UInt8]) {
        if n <= 8 {
            appendSmall(p, n, scale: scale, to: &out)
            return
        }
        let negative = n > 0 && p[0] & 0x80 != 0
        // The magnitude, big-endian.
        var magnitude = Array(UnsafeBufferPointer(start: p, count: n))
        if negative {
            var carry = true
            for k in magnitude.indices.reversed() {
                magnitude[k] = ~magnitude[k]
                if carry {
                    magnitude[k] &+= 1
                    carry = magnitude[k] == 0
                }
            }
        }
        // Base 10^9 limbs, least significant first: multiply by 256 and add, byte by byte.
        var limbs: [UInt32] = []
        for byte in magnitude {
            var carry = UInt64(byte)
            for k in limbs.indices {
                let v = UInt64(limbs[k]) * 256 + carry
                limbs[k] = UInt32(v % 1_000_000_000)
                carry = v / 1_000_000_000
            }
            while carry > 0 {
                limbs.append(UInt32(carry % 1_000_000_000))
                carry /= 1_000_000_000
            }
        }
        var digits: [UInt8] = []
        for (k, limb) in limbs.enumerated().reversed() {
            let text = Array(String(limb).utf8)
            if k != limbs.count - 1 { digits.append(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: 9 - text.count)) }
            digits.append(contentsOf: text)
        }
        if digits.isEmpty { digits = [UInt8(ascii: "0")] }
        if negative { out.append(UInt8(ascii: "-")) }
        if scale == 0 {
            out.append(contentsOf: digits)
            return
        }
        if digits.count <= scale {
            digits.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: scale + 1 - digits.count), at: 0)
        }
        out.append(contentsOf: digits[..<(digits.count - scale)])
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: digits[(digits.count - scale)...])
    }

    /// Up to eight bytes, the common case: the unscaled value fits an Int64, no allocation.
    private static func appendSmall(_ p: UnsafePointer<UInt8>, _ n: Int, scale: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scale &+ 24) { buffer in
            let q = buffer.baseAddress.unsafelyUnwrapped
            out.append(contentsOf: UnsafeBufferPointer(start: q, count: writeSmall(p, n, scale: scale, at: q)))
        }
    }

    /// Writes the decimal text of at most eight bytes at `q`, which must have room for `scale + 24` bytes
    /// (a sign, 20 digits, "0." and the fraction); returns the count.
    static func writeSmall(_ p: UnsafePointer<UInt8>, _ n: Int, scale: Int, at q: UnsafeMutablePointer<UInt8>) -> Int {
        var value: Int64 = n > 0 && p[0] & 0x80 != 0 ? -1 : 0
        for k in 0..<n { value = value &<< 8 | Int64(p[k]) }
        var w = q
        if value < 0 {
            w[0] = UInt8(ascii: "-")
            w += 1
        }
        let magnitude = value.magnitude
        if scale == 0 { return (w - q) &+ AvroNumbers.writeDigits(magnitude, at: w) }
        // The digits, zero-padded to at least scale + 1 ("0.05": 005), then the fraction moved one
        // place right for the point.
        var digits = AvroNumbers.digitCount(magnitude)
        var lead = 0
        while digits &+ lead <= scale {
            w[lead] = UInt8(ascii: "0")
            lead &+= 1
        }
        digits = lead &+ AvroNumbers.writeDigits(magnitude, at: w + lead)
        var k = digits
        while k > digits &- scale {
            w[k] = w[k &- 1]
            k &-= 1
        }
        w[k] = UInt8(ascii: ".")
        return (w - q) &+ digits &+ 1
    }

    enum ParseFailure: Error { case syntax, scale, precision, size }

    /// `bytes` for at most 18 significant digits, in a UInt64; nil to leave the text to the general path.
    private static func smallBytes(_ text: ArraySlice<UInt8>, precision: Int, scale: Int, fixedSize: Int?) -> Result<[UInt8], ParseFailure>? {
        let small = text.withUnsafeBufferPointer { buffer in
            smallUnscaled(buffer.baseAddress ?? UnsafePointer(bitPattern: 8).unsafelyUnwrapped, 0..<buffer.count,
                          precision: precision, scale: scale, fixedSize: fixedSize)
        }
        switch small {
        case nil: return nil
        case .failure(let failure): return .failure(failure)
        case .success(let (value, length)):
            var out = [UInt8](repeating: value < 0 ? 0xFF : 0, count: length)
            for k in 0..<min(length, 8) { out[length - 1 - k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            return .success(out)
        }
    }

    /// The unscaled value of a decimal text of at most 18 significant digits at `p[range]`, and the
    /// number of bytes it takes (`fixedSize`, or fastavro's length); nil to leave the text to the general
    /// path. The bytes are the value's big-endian two's complement, sign-extended to that length.
    static func smallUnscaled(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, precision: Int, scale: Int,
                              fixedSize: Int?) -> Result<(Int64, Int), ParseFailure>? {
        var i = range.lowerBound
        let end = range.upperBound
        let negative = i < end && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        var digits = 0          // significant digits so far
        var fraction = 0
        var sawDigit = false
        var inFraction = false
        while i < end {
            let b = p[i]
            if b == UInt8(ascii: "."), !inFraction, sawDigit {
                inFraction = true
                i += 1
                guard i < end, p[i] &- 0x30 < 10 else { return nil }
                continue
            }
            guard b &- 0x30 < 10 else { return nil }
            sawDigit = true
            if inFraction {
                if fraction == scale { return nil }   // extra fraction digits: the general path decides
                fraction += 1
            }
            if magnitude != 0 || b != UInt8(ascii: "0") { digits += 1 }
            if digits > 18 { return nil }
            magnitude = magnitude * 10 + UInt64(b &- 0x30)
            i += 1
        }
        guard sawDigit else { return nil }
        for _ in fraction..<scale {
            if magnitude != 0 { digits += 1 }
            if digits > 18 { return nil }
            magnitude *= 10
        }
        guard digits <= precision else { return .failure(.precision) }
        let value = negative ? -Int64(magnitude) : Int64(magnitude)
        let bitLength = 64 - magnitude.leadingZeroBitCount
        var length = (bitLength + 8) / 8
        if let size = fixedSize {
            if size < 8 {
                let limit = Int64(1) << (size * 8 - 1)
                guard value >= -limit, value < limit else { return .failure(.size) }
            }
            length = size
        }
        return .success((value, length))
    }

    /// The two's complement bytes of a decimal text (`-?digits(.digits)?`, a JSON string's content or a
    /// number token without exponent) at `scale`. More fraction digits than the scale are allowed only
    /// when they are zeros; more significant digits than `precision` are not. `fixedSize` nil: bytes as
    /// fastavro writes them ((bit length of the magnitude + 8) / 8, so -128 takes two); else
    /// sign-extended to that size, failing when the value does not fit.
    static func bytes(_ text: ArraySlice<UInt8>, precision: Int, scale: Int, fixedSize: Int?) -> Result<[UInt8], ParseFailure> {
        if let small = smallBytes(text, precision: precision, scale: scale, fixedSize: fixedSize) { return small }
        var i = text.startIndex
        let negative = i < text.endIndex && text[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var unscaled: [UInt8] = []
        var sawDigit = false
        while i < text.endIndex, text[i] &- 0x30 < 10 {
            unscaled.append(text[i] &- 0x30)
            sawDigit = true
            i += 1
        }
        guard sawDigit else { return .failure(.syntax) }
        var fraction = 0
        if i < text.endIndex, text[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < text.endIndex, text[i] &- 0x30 < 10 {
                let digit = text[i] &- 0x30
                if fraction < scale {
                    unscaled.append(digit)
                    fraction += 1
                } else if digit != 0 {
                    return .failure(.scale)
                }
                i += 1
            }
            guard i > start else { return .failure(.syntax) }
        }
        guard i == text.endIndex else { return .failure(.syntax) }
        unscaled.append(contentsOf: [UInt8](repeating: 0, count: scale - fraction))
        let significant = unscaled.drop { $0 == 0 }
        guard significant.count <= precision else { return .failure(.precision) }
        // Big-endian base-256 magnitude: multiply by 10 and add, digit by digit.
        var magnitude: [UInt8] = []
        for digit in significant {
            var carry = UInt32(digit)
            for k in magnitude.indices.reversed() {
                let v = UInt32(magnitude[k]) * 10 + carry
                magnitude[k] = UInt8(truncatingIfNeeded: v)
                carry = v >> 8
            }
            while carry > 0 {
                magnitude.insert(UInt8(truncatingIfNeeded: carry), at: 0)
                carry >>= 8
            }
        }
        let bitLength = magnitude.first.map { magnitude.count * 8 - $0.leadingZeroBitCount } ?? 0
        var length = (bitLength + 8) / 8
        if let size = fixedSize {
            // Fits when −2^(8·size−1) ≤ value < 2^(8·size−1).
            let isMinimum = negative && bitLength == size * 8 && magnitude.first == 0x80 && magnitude.dropFirst().allSatisfy { $0 == 0 }
            guard bitLength < size * 8 || isMinimum else { return .failure(.size) }
            length = size
        }
        var out = [UInt8](repeating: 0, count: length)
        for (k, byte) in magnitude.reversed().enumerated() where k < length { out[length - 1 - k] = byte }
        if negative && bitLength > 0 {
            var carry = true
            for k in out.indices.reversed() {
                out[k] = ~out[k]
                if carry {
                    out[k] &+= 1
                    carry = out[k] == 0
                }
            }
        }
        return .success(out)
    }
}
