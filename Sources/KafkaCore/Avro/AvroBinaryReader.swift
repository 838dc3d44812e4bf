/// Reads Avro's binary primitives from a body, every read bounds-checked: an error names the byte.
struct AvroBinaryReader {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0

    init(p: UnsafePointer<UInt8>, n: Int) {
        self.p = p
        self.n = n
    }

    @inline(__always)
    mutating func byte() throws(AvroDecodeError) -> UInt8 {
        guard i < n else { throw AvroDecodeError(i, "unexpected end of the body") }
        defer { i &+= 1 }
        return p[i]
    }

    /// A zigzag varint whose value fits 64 bits (so at most 10 bytes).
    @inline(__always)
    mutating func long() throws(AvroDecodeError) -> Int64 {
        if i < n, p[i] < 0x80 {   // one byte: small values, lengths, counts, indices
            let raw = UInt64(p[i])
            i &+= 1
            return Int64(bitPattern: (raw &>> 1) ^ (0 &- (raw & 1)))
        }
        return try longSlow()
    }

    /// A varint of two bytes or more: up to nine bytes of seven bits without a check per byte beyond the
    /// end test, then a tenth, which may only be 0 or 1 (bit 63).
    @inline(never)
    private mutating func longSlow() throws(AvroDecodeError) -> Int64 {
        if n &- i >= 8 {
            // Up to eight bytes at once: the first byte without its continuation bit ends the varint;
            // the seven-bit groups of the bytes before it are packed by halves (8 → 7, 16 → 14, 32 → 28).
            let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            let ends = ~w & 0x8080_8080_8080_8080
            if ends != 0 {
                let count = (ends.trailingZeroBitCount &>> 3) &+ 1
                let mask: UInt64 = count == 8 ? ~0 : (1 &<< UInt64(count &* 8)) &- 1
                var x = w & mask & 0x7F7F_7F7F_7F7F_7F7F
                x = ((x & 0x7F00_7F00_7F00_7F00) &>> 1) | (x & 0x007F_007F_007F_007F)
                x = ((x & 0x3FFF_0000_3FFF_0000) &>> 2) | (x & 0x0000_3FFF_0000_3FFF)
                x = ((x & 0x0FFF_FFFF_0000_0000) &>> 4) | (x & 0x0000_0000_0FFF_FFFF)
                i &+= count
                return Int64(bitPattern: (x &>> 1) ^ (0 &- (x & 1)))
            }
        }
        let start = i
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        var j = i
        let limit = Swift.min(n, i &+ 9)
        while j < limit {
            let b = p[j]
            raw |= UInt64(b & 0x7F) &<< shift
            j &+= 1
            if b < 0x80 {
                i = j
                return Int64(bitPattern: (raw &>> 1) ^ (0 &- (raw & 1)))
            }
            shift &+= 7
        }
        guard j < n else {
            i = j
            throw AvroDecodeError(j, "unexpected end of the body")
        }
        let b = p[j]
        guard b <= 1 else {
            i = j &+ 1
            throw AvroDecodeError(start, "a varint longer than 64 bits")
        }
        raw |= UInt64(b) &<< 63
        i = j &+ 1
        return Int64(bitPattern: (raw &>> 1) ^ (0 &- (raw & 1)))
    }

    @inline(__always)
    mutating func int() throws(AvroDecodeError) -> Int32 {
        let start = i
        let value = try long()
        guard let narrow = Int32(exactly: value) else { throw AvroDecodeError(start, "an int out of the 32-bit range") }
        return narrow
    }

    mutating func float() throws(AvroDecodeError) -> Float {
        let q = try take(4)
        return Float(bitPattern: UInt32(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt32.self)))
    }

    mutating func double() throws(AvroDecodeError) -> Double {
        let q = try take(8)
        return Double(bitPattern: UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self)))
    }

    /// `count` bytes, which must all be there.
    @inline(__always)
    mutating func take(_ count: Int) throws(AvroDecodeError) -> UnsafePointer<UInt8> {
        guard count <= n &- i else { throw AvroDecodeError(i, "\(count) bytes past the end (\(n &- i) left)") }
        defer { i &+= count }
        return p + i
    }

    /// A long length, then that many bytes: a negative length or one past the end is an error.
    @inline(__always)
    mutating func lengthPrefixed() throws(AvroDecodeError) -> (UnsafePointer<UInt8>, Int) {
        let start = i
        let length = try long()
        guard length >= 0 else { throw AvroDecodeError(start, "negative length \(length)") }
        guard length <= Int64(n &- i) else {
            throw AvroDecodeError(start, "length \(length) past the end (\(n &- i) bytes left)")
        }
        let count = Int(length)
        return (try take(count), count)
    }
}
