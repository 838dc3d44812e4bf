/// Rejects RFC-grammatical numbers whose magnitude rounds to infinity as an IEEE 754 binary64.
///
/// RFC 8259 §6 lets implementations limit the range of numbers. Foundation's JSONSerialization
/// (the reference parser on this platform, and what most downstream consumers resemble) refuses
/// exactly these numbers, and accepting them would let `1e400` be embedded raw into envelopes
/// that Swift/JS consumers then cannot read. Underflow (e.g. `1e-400` → 0) is accepted, as there.
///
/// The test is exact: a magnitude overflows iff it is ≥ 2^1024 − 2^970, the midpoint between
/// `Double.greatestFiniteMagnitude` and 2^1024 (round-half-even sends the midpoint up, because the
/// largest finite double has an odd significand).
enum JSONNumberRange {
    /// The 309 decimal digits of 2^1024 − 2^970.
    static let thresholdDigits: StaticString =
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"

    /// Whether the grammatical number token `p[start..<end]` overflows binary64.
    /// Only called for tokens with an exponent or ≥ 309 integer digits, so plain numbers pay nothing.
    static func overflows(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        if i < end, p[i] == UInt8(ascii: "-") { i &+= 1 }
        let intStart = i
        while i < end, isDigit(p[i]) { i &+= 1 }
        let intEnd = i
        var fracStart = i
        var fracEnd = i
        if i < end, p[i] == UInt8(ascii: ".") {
            i &+= 1
            fracStart = i
            while i < end, isDigit(p[i]) { i &+= 1 }
            fracEnd = i
        }
        var exponent = 0
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            var negative = false
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                negative = p[i] == UInt8(ascii: "-")
                i &+= 1
            }
            // Saturate: beyond a billion the verdict no longer depends on the exact value.
            while i < end, isDigit(p[i]) {
                if exponent < 1_000_000_000 { exponent = exponent &* 10 &+ Int(p[i] &- 0x30) }
                i &+= 1
            }
            if negative { exponent = -exponent }
        }

        // Write the value as 0.d1d2d3… × 10^scale with d1 ≠ 0.
        var scale: Int
        var digitsFrom: Int
        let intIsZero = intEnd &- intStart == 1 && p[intStart] == UInt8(ascii: "0")
        if !intIsZero {
            scale = (intEnd &- intStart) &+ exponent
            digitsFrom = intStart
        } else {
            var k = fracStart
            while k < fracEnd, p[k] == UInt8(ascii: "0") { k &+= 1 }
            if k == fracEnd { return false }                 // the value is zero
            scale = exponent &- (k &- fracStart)
            digitsFrom = k
        }
        if scale < 309 { return false }
        if scale > 309 { return true }

        // Same magnitude as the threshold: compare digit by digit (missing digits are zeros).
        return thresholdDigits.withUTF8Buffer { threshold -> Bool in
            var k = digitsFrom
            for t in threshold {
                var digit: UInt8 = 0x30
                if k == intEnd, k < fracStart { k = fracStart }   // skip the decimal point
                if k < intEnd || (k >= fracStart && k < fracEnd) {
                    digit = p[k]
                    k &+= 1
                }
                if digit != t { return digit > t }
            }
            return true                                          // equal or greater in later digits
        }
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
}
