/// Avro's decimal: an unscaled integer as big-endian two's complement bytes, the value being
/// unscaled × 10^-scale. Written in the natural JSON as an exact decimal string ("12.34", "-0.05").
enum AvroDecimal {
    /// Appends the decimal text (without quotes) of the `n` bytes at `p`. Empty bytes read as 0.
    static func appendDecimal(_ p: UnsafePointer<UInt8>, _ n: Int, scale: Int, to out: inout [UInt8]) {
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

    enum ParseFailure: Error { case syntax, scale, precision, size }

    /// The two's complement bytes of a decimal text (`-?digits(.digits)?`, a JSON string's content or a
    /// number token without exponent) at `scale`. More fraction digits than the scale are allowed only
    /// when they are zeros; more significant digits than `precision` are not. `fixedSize` nil: bytes as
    /// fastavro writes them ((bit length of the magnitude + 8) / 8, so -128 takes two); else
    /// sign-extended to that size, failing when the value does not fit.
    static func bytes(_ text: ArraySlice<UInt8>, precision: Int, scale: Int, fixedSize: Int?) -> Result<[UInt8], ParseFailure> {
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
