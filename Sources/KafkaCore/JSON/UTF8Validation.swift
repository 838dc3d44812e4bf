/// Strict UTF-8 (Unicode 15, table 3-7): no overlongs, no encoded surrogates, nothing above U+10FFFF,
/// no truncated sequences.
enum UTF8Validation {
    /// Length (2...4) of the well-formed multi-byte sequence starting at `p[i]` (whose value is ≥ 0x80),
    /// or 0 when it is malformed or runs past `end`.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let lead = p[i]
        if lead < 0xC2 { return 0 }                       // continuation byte, or overlong C0/C1
        if lead < 0xE0 {
            guard i &+ 1 < end, p[i &+ 1] & 0xC0 == 0x80 else { return 0 }
            return 2
        }
        if lead < 0xF0 {
            guard i &+ 2 < end else { return 0 }
            let b1 = p[i &+ 1]
            // E0 needs A0..BF (else overlong); ED needs 80..9F (else a UTF-16 surrogate).
            let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
            guard b1 >= low, b1 <= high, p[i &+ 2] & 0xC0 == 0x80 else { return 0 }
            return 3
        }
        if lead < 0xF5 {
            guard i &+ 3 < end else { return 0 }
            let b1 = p[i &+ 1]
            // F0 needs 90..BF (else overlong); F4 needs 80..8F (else above U+10FFFF).
            let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
            guard b1 >= low, b1 <= high, p[i &+ 2] & 0xC0 == 0x80, p[i &+ 3] & 0xC0 == 0x80 else { return 0 }
            return 4
        }
        return 0
    }

    /// Offset of the first byte that starts an ill-formed sequence, or nil when all of `p[start..<end]` is valid.
    static func firstInvalid(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var i = start
        while i < end {
            // Pure ASCII is by far the common case: test eight bytes per step.
            while i &+ 8 <= end, SWAR.load(p + i) & SWAR.highs == 0 {
                i &+= 8
            }
            guard i < end else { break }
            if p[i] < 0x80 {
                i &+= 1
                continue
            }
            let length = sequenceLength(p, i, end)
            if length == 0 { return i }
            i &+= length
        }
        return nil
    }
}
