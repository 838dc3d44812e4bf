/// Random JSON documents (valid by construction) and the mutations that break them, for the
/// differential test against Foundation and the envelope round-trip test.
struct JSONDocumentGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    // MARK: - Valid documents

    mutating func document(maxDepth: Int = 6) -> [UInt8] {
        var out: [UInt8] = []
        if rng.chance(20) { out += whitespace() }
        value(&out, depth: 0, maxDepth: maxDepth)
        if rng.chance(20) { out += whitespace() }
        return out
    }

    mutating func value(_ out: inout [UInt8], depth: Int, maxDepth: Int) {
        let choice = depth >= maxDepth ? 2 + rng.below(4) : rng.below(7)
        switch choice {
        case 0: object(&out, depth: depth, maxDepth: maxDepth)
        case 1: array(&out, depth: depth, maxDepth: maxDepth)
        case 2, 6: string(&out)
        case 3: out += number()
        case 4: out += Array(rng.pick(["true", "false", "null"]).utf8)
        default: out += number()
        }
    }

    mutating func object(_ out: inout [UInt8], depth: Int, maxDepth: Int) {
        out.append(UInt8(ascii: "{"))
        let count = rng.below(5)
        for index in 0..<count {
            if index > 0 { sep(&out, ",") }
            maybeSpace(&out)
            string(&out)
            sep(&out, ":")
            maybeSpace(&out)
            value(&out, depth: depth + 1, maxDepth: maxDepth)
        }
        maybeSpace(&out)
        out.append(UInt8(ascii: "}"))
    }

    mutating func array(_ out: inout [UInt8], depth: Int, maxDepth: Int) {
        out.append(UInt8(ascii: "["))
        let count = rng.below(5)
        for index in 0..<count {
            if index > 0 { sep(&out, ",") }
            maybeSpace(&out)
            value(&out, depth: depth + 1, maxDepth: maxDepth)
        }
        maybeSpace(&out)
        out.append(UInt8(ascii: "]"))
    }

    mutating func sep(_ out: inout [UInt8], _ char: Character) {
        maybeSpace(&out)
        out.append(char.asciiValue!)
    }

    mutating func maybeSpace(_ out: inout [UInt8]) {
        if rng.chance(15) { out += whitespace() }
    }

    mutating func whitespace() -> [UInt8] {
        (0..<1 + rng.below(3)).map { _ in rng.pick([0x20, 0x09, 0x0A, 0x0D]) }
    }

    /// A valid string token: ASCII, every escape kind, raw UTF-8 across all lengths, surrogate pairs.
    mutating func string(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for _ in 0..<rng.below(12) {
            switch rng.below(10) {
            case 0, 1, 2:
                // Printable ASCII except quote and backslash, sometimes a long run for the 8-byte paths.
                let length = rng.chance(20) ? 8 + rng.below(24) : 1
                for _ in 0..<length {
                    var byte = UInt8(0x20 + rng.below(0x5F))
                    if byte == 0x22 || byte == 0x5C { byte = UInt8(ascii: "x") }
                    out.append(byte)
                }
            case 3:
                out += Array(rng.pick(["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]).utf8)
            case 4:
                var unit = UInt32(rng.below(0x10000))
                if (0xD800...0xDFFF).contains(unit) { unit = 0x41 }
                out += escapeU(unit)
            case 5:
                let scalar = UInt32(0x10000 + rng.below(0x100000))
                let high = 0xD800 + ((scalar - 0x10000) >> 10)
                let low = 0xDC00 + ((scalar - 0x10000) & 0x3FF)
                out += escapeU(high) + escapeU(low)
            case 6:
                out += JSONTestBytes.utf8(rng.pick([0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF,
                                                    0x10000, 0x1F600, 0x10FFFF, 0x2028, 0xFEFF]))
            case 7:
                out += JSONTestBytes.utf8(randomScalar())
            default:
                out.append(rng.pick(Array("abcxyz019 ".utf8)))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    mutating func randomScalar() -> UInt32 {
        while true {
            let candidate: UInt32
            switch rng.below(4) {
            case 0: candidate = UInt32(0x80 + rng.below(0x780))
            case 1: candidate = UInt32(0x800 + rng.below(0xF800))
            case 2: candidate = UInt32(0x10000 + rng.below(0x100000))
            default: candidate = UInt32(0x20 + rng.below(0x60))
            }
            if !(0xD800...0xDFFF).contains(candidate), candidate != 0x22, candidate != 0x5C { return candidate }
        }
    }

    mutating func escapeU(_ unit: UInt32) -> [UInt8] {
        let hex = rng.chance(50) ? Array("0123456789abcdef".utf8) : Array("0123456789ABCDEF".utf8)
        return [0x5C, UInt8(ascii: "u"), hex[Int(unit >> 12 & 0xF)], hex[Int(unit >> 8 & 0xF)],
                hex[Int(unit >> 4 & 0xF)], hex[Int(unit & 0xF)]]
    }

    /// A grammatical number; sometimes near the binary64 overflow threshold.
    mutating func number() -> [UInt8] {
        if rng.chance(8) { return nearOverflow() }
        if rng.chance(5) {
            return Array(rng.pick(["0", "-0", "1e308", "1e309", "-1e400", "1e-400", "4.9e-324", "2.2250738585072014e-308",
                                   "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                                   "18446744073709551615", "18446744073709551616", "0e999999", "1E+2", "1e05",
                                   "123456789012345678901234567890", "0.1e1", "1e-99999999999999999999"]).utf8)
        }
        var out: [UInt8] = []
        if rng.chance(30) { out.append(UInt8(ascii: "-")) }
        if rng.chance(25) {
            out.append(UInt8(ascii: "0"))
        } else {
            out.append(UInt8(ascii: "1") + UInt8(rng.below(9)))
            for _ in 0..<rng.below(rng.chance(5) ? 30 : 6) { out.append(UInt8(ascii: "0") + UInt8(rng.below(10))) }
        }
        if rng.chance(30) {
            out.append(UInt8(ascii: "."))
            for _ in 0..<1 + rng.below(8) { out.append(UInt8(ascii: "0") + UInt8(rng.below(10))) }
        }
        if rng.chance(25) {
            out.append(rng.pick(Array("eE".utf8)))
            if rng.chance(60) { out.append(rng.pick(Array("+-".utf8))) }
            let digits = 1 + rng.below(3)
            for _ in 0..<digits { out.append(UInt8(ascii: "0") + UInt8(rng.below(10))) }
        }
        return out
    }

    static let thresholdDigits = Array("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792".utf8)

    /// Numbers whose magnitude is within a hair of 2^1024 - 2^970, written in assorted shapes.
    mutating func nearOverflow() -> [UInt8] {
        var digits = Array(Self.thresholdDigits.prefix(1 + rng.below(Self.thresholdDigits.count)))
        switch rng.below(4) {
        case 0: break                                                        // a prefix: just below or equal
        case 1:                                                              // perturb one digit
            let index = rng.below(digits.count)
            digits[index] = UInt8(ascii: "0") + UInt8(rng.below(10))
            if digits[0] == UInt8(ascii: "0") { digits[0] = UInt8(ascii: "1") }
        case 2: digits += (0..<rng.below(12)).map { _ in UInt8(ascii: "0") + UInt8(rng.below(10)) }   // extra digits
        default: digits = Self.thresholdDigits + [UInt8(ascii: "0") + UInt8(rng.below(10))]
        }
        // Value = 0.digits × 10^scale; scale 309 is the interesting band, 308/310 the neighbours.
        let scale = rng.pick([309, 309, 309, 308, 310])
        var out: [UInt8] = rng.chance(30) ? [UInt8(ascii: "-")] : []
        switch rng.below(4) {
        case 0:                                                              // d.ddd e(scale-1)
            out.append(digits[0])
            if digits.count > 1 { out.append(UInt8(ascii: ".")); out += digits.dropFirst() }
            out += Array("e\(scale - 1)".utf8)
        case 1:                                                              // 0.000ddd e(scale+zeros)
            let zeros = rng.below(5)
            out += Array("0.".utf8) + Array(repeating: UInt8(ascii: "0"), count: zeros) + digits
            out += Array((rng.chance(50) ? "e" : "E+").utf8) + Array("\(scale + zeros)".utf8)
        case 2:                                                              // plain integer when it has scale digits
            if digits.count <= scale {
                out += digits + Array(repeating: UInt8(ascii: "0"), count: scale - digits.count)
            } else {
                out += digits.prefix(scale) + [UInt8(ascii: ".")] + digits.dropFirst(scale)
            }
        default:                                                             // ddd.ddd e(scale-k)
            let k = min(digits.count, 1 + rng.below(20))
            out += digits.prefix(k)
            if digits.count > k { out.append(UInt8(ascii: ".")); out += digits.dropFirst(k) }
            out += Array("e\(scale - k)".utf8)
        }
        return out
    }

    /// Nested containers around `depth`, e.g. 510...514 — Foundation's limit is 512.
    mutating func deep() -> [UInt8] {
        let depth = 505 + rng.below(12)
        var open: [UInt8] = []
        var close: [UInt8] = []
        for _ in 0..<depth {
            if rng.chance(70) {
                open.append(UInt8(ascii: "["))
                close.append(UInt8(ascii: "]"))
            } else {
                open += Array(#"{"k":"#.utf8)
                close.append(UInt8(ascii: "}"))
            }
        }
        var inner: [UInt8] = []
        if rng.chance(50) { inner = number() }
        if inner.isEmpty, let last = open.last, last == UInt8(ascii: ":") { inner = Array("1".utf8) }
        return open + inner + close.reversed()
    }

    // MARK: - Mutations

    static let interesting: [UInt8] = Array("{}[]\",:\\/-+.0123456789eEtrufalsn ".utf8)
        + [0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x00, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF,
           0xF0, 0xF4, 0xF5, 0xFE, 0xFF, 0xA0]

    static let snippets: [[UInt8]] = [
        "\\ud800", "\\udc00", "\\udbff\\udfff", "\\ud800\\u0041", "\\ud800\\ud800", "\\uDFFF", "\\u12", "\\x", "\\",
        "\\u00zz", ",]", ",}", "[1,]", "{\"a\":1,}", "1e400", "-0", "01", ".5", "1.", "\u{FEFF}", "\\u0000", "nul", "tru",
    ].map { Array($0.utf8) } + [
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xEF, 0xBB, 0xBF],
        [0xE0, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xC2, 0xA0], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ]

    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<1 + rng.below(3) {
            let position = bytes.isEmpty ? 0 : rng.below(bytes.count + 1)
            switch rng.below(9) {
            case 0:
                if position < bytes.count { bytes[position] ^= UInt8(1) << UInt8(rng.below(8)) }
            case 1:
                if position < bytes.count { bytes[position] = rng.pick(Self.interesting) }
            case 2:
                bytes.insert(rng.pick(Self.interesting), at: position)
            case 3:
                bytes.insert(contentsOf: rng.pick(Self.snippets), at: position)
            case 4:
                if position < bytes.count { bytes.removeSubrange(position ..< min(bytes.count, position + 1 + rng.below(3))) }
            case 5:
                bytes = Array(bytes.prefix(position))
            case 6:
                if position < bytes.count {
                    let end = min(bytes.count, position + 1 + rng.below(16))
                    bytes.insert(contentsOf: bytes[position..<end], at: rng.below(bytes.count + 1))
                }
            case 7:
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
            default:
                if position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return bytes
    }
}
