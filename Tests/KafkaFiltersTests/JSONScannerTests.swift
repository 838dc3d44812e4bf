import XCTest
@testable import KafkaCore

final class JSONScannerTests: XCTestCase {
    private typealias R = JSONScanError.Reason

    func testValidDocuments() {
        let valid: [String] = [
            "0", "-0", "7", "-12", "1.5", "1.5e-3", "1E+2", "1e05", "0.0e0", "-0.0E-0",
            "1e308", "1.7976931348623157e308", "-1.7976931348623157e308", "1e-400", "4.9e-324",
            "123456789012345678901234567890", "9223372036854775808", "0e999999", "0.000e400",
            "\"\"", "\"abc\"", "\"\\u0000\"", "\"\\/\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\ud83d\\ude00\"",
            "\"\\uDBFF\\uDFFF\"", "\"é😀\u{7F}\u{FFFF}\u{10FFFF}\"", "\"\\u00e9\\u00E9\"",
            "true", "false", "null", "[]", "{}", "[[]]", "{\"\":{}}",
            " \t\n\r[ 1 , { \"a\" : [ ] } , \"x\" ] \n",
            "{\"a\":1,\"a\":2}", "[1,\"2\",[3],{\"4\":5},true,false,null]",
            "  null  ", "\n\"a\"\r\n",
        ]
        for text in valid {
            XCTAssertNil(JSONTestBytes.validate(text), "should be valid: \(text.debugDescription)")
        }
    }

    func testInvalidDocumentsWithReasonAndOffset() {
        let cases: [(String, Int, R)] = [
            ("", 0, .empty),
            (" \n\t ", 4, .empty),
            ("[1,]", 3, .unexpectedByte(UInt8(ascii: "]"))),
            ("{\"a\":1,}", 7, .unexpectedByte(UInt8(ascii: "}"))),
            ("[1 2]", 3, .unexpectedByte(UInt8(ascii: "2"))),
            ("{\"a\" 1}", 5, .unexpectedByte(UInt8(ascii: "1"))),
            ("{1:2}", 1, .unexpectedByte(UInt8(ascii: "1"))),
            ("[1}", 2, .unexpectedByte(UInt8(ascii: "}"))),
            ("{\"a\":1]", 6, .unexpectedByte(UInt8(ascii: "]"))),
            ("+1", 0, .unexpectedByte(UInt8(ascii: "+"))),
            (".5", 0, .unexpectedByte(UInt8(ascii: "."))),
            ("'a'", 0, .unexpectedByte(UInt8(ascii: "'"))),
            ("\u{0B}1", 0, .unexpectedByte(0x0B)),
            ("trUe", 2, .unexpectedByte(UInt8(ascii: "U"))),
            ("nulx", 3, .unexpectedByte(UInt8(ascii: "x"))),
            ("nul", 3, .unexpectedEnd),
            ("tru", 3, .unexpectedEnd),
            ("[", 1, .unexpectedEnd),
            ("[1", 2, .unexpectedEnd),
            ("[1,", 3, .unexpectedEnd),
            ("\"abc", 4, .unexpectedEnd),
            ("{\"a\":", 5, .unexpectedEnd),
            ("{\"a\"", 4, .unexpectedEnd),
            ("\"\\", 2, .unexpectedEnd),
            ("\"\\u12", 5, .unexpectedEnd),
            ("-", 1, .unexpectedEnd),
            ("1.", 2, .unexpectedEnd),
            ("1e", 2, .unexpectedEnd),
            ("1e+", 3, .unexpectedEnd),
            ("[\"\\ud800", 8, .unexpectedEnd),
            ("\"\\x\"", 1, .invalidEscape),
            ("\"\\U0041\"", 1, .invalidEscape),
            ("\"\\u00G9\"", 1, .invalidEscape),
            ("\"\\u12\"", 1, .invalidEscape),
            ("\"\\ud800\\u12x4\"", 7, .invalidEscape),
            ("\"a\tb\"", 2, .controlCharacterInString),
            ("\"a\nb\"", 2, .controlCharacterInString),
            ("\"\u{0}\"", 1, .controlCharacterInString),
            ("01", 1, .invalidNumber),
            ("-01", 2, .invalidNumber),
            ("00", 1, .invalidNumber),
            ("-a", 1, .invalidNumber),
            ("--1", 1, .invalidNumber),
            ("1.e5", 2, .invalidNumber),
            ("1ex", 2, .invalidNumber),
            ("1.2.3", 3, .invalidNumber),
            ("1e5e5", 3, .invalidNumber),
            ("1-", 1, .invalidNumber),
            ("0x1", 1, .trailingData),
            ("1e400", 0, .invalidNumber),
            ("[-1e400]", 1, .invalidNumber),
            ("1.8e308", 0, .invalidNumber),
            ("1" + String(repeating: "0", count: 400), 0, .invalidNumber),
            ("1 2", 2, .trailingData),
            ("{}x", 2, .trailingData),
            ("truex", 4, .trailingData),
            ("[1]]", 3, .trailingData),
            ("{\"a\":1}{\"b\":2}", 7, .trailingData),
            ("\"\\ud800\"", 1, .loneSurrogate),
            ("\"\\udc00\"", 1, .loneSurrogate),
            ("\"\\ud800x\"", 1, .loneSurrogate),
            ("\"\\ud800\\u0041\"", 1, .loneSurrogate),
            ("\"\\ud800\\ud800\"", 1, .loneSurrogate),
            ("\"\\ud800\\n\"", 1, .loneSurrogate),
            ("\"\\udfff\\ud800\"", 1, .loneSurrogate),
        ]
        for (text, offset, reason) in cases {
            let error = JSONTestBytes.validate(text)
            XCTAssertEqual(error, JSONScanError(offset: offset, reason: reason), "for \(text.prefix(40).debugDescription)")
        }
    }

    func testInvalidUTF8() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0xC0, 0x80, 0x22], 1),                  // overlong NUL
            ([0x22, 0xC1, 0xBF, 0x22], 1),                  // overlong
            ([0x22, 0xE0, 0x9F, 0xBF, 0x22], 1),            // overlong 3-byte
            ([0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], 1),      // overlong 4-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),            // encoded surrogate U+D800
            ([0x22, 0xED, 0xBF, 0xBF, 0x22], 1),            // encoded surrogate U+DFFF
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),      // U+110000
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
            ([0x22, 0xFF, 0x22], 1),
            ([0x22, 0x80, 0x22], 1),                        // lone continuation
            ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),            // truncated before the quote
            ([0x22, 0xE2, 0x82], 1),                        // truncated at the end
            ([0x22, 0xC3], 1),
            ([0x22, 0xF0, 0x9F, 0x98, 0x22], 1),
        ]
        for (bytes, offset) in cases {
            XCTAssertEqual(JSONTestBytes.validate(bytes), JSONScanError(offset: offset, reason: .invalidUTF8),
                           JSONTestBytes.hex(bytes))
        }
        // Non-ASCII outside strings, including a UTF-8 byte order mark, is simply unexpected.
        XCTAssertEqual(JSONTestBytes.validate([0xEF, 0xBB, 0xBF, 0x31]), JSONScanError(offset: 0, reason: .unexpectedByte(0xEF)))
        XCTAssertEqual(JSONTestBytes.validate([0x5B, 0xC2, 0xA0, 0x5D]), JSONScanError(offset: 1, reason: .unexpectedByte(0xC2)))
        XCTAssertEqual(JSONTestBytes.validate([0x31, 0x00]), JSONScanError(offset: 1, reason: .trailingData))
        // Valid edges.
        for scalar: UInt32 in [0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF] {
            let bytes = [0x22] + JSONTestBytes.utf8(scalar) + [0x22]
            XCTAssertNil(JSONTestBytes.validate(bytes), JSONTestBytes.hex(bytes))
        }
    }

    func testDepthLimitMatchesFoundation() {
        XCTAssertEqual(JSONScanner.maxDepth, 512)
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        XCTAssertNil(JSONTestBytes.validate(nested(512)))
        XCTAssertEqual(JSONTestBytes.validate(nested(513)), JSONScanError(offset: 512, reason: .tooDeep))
        XCTAssertEqual(JSONTestBytes.validate(nested(100_000)), JSONScanError(offset: 512, reason: .tooDeep))
        let objects = String(repeating: "{\"a\":", count: 511) + "{}" + String(repeating: "}", count: 511)
        XCTAssertNil(JSONTestBytes.validate(objects))
        let tooDeep = String(repeating: "{\"a\":", count: 512) + "[]" + String(repeating: "}", count: 512)
        XCTAssertEqual(JSONTestBytes.validate(tooDeep)?.reason, .tooDeep)
        XCTAssertTrue(JSONTestBytes.foundationAccepts(Array(nested(512).utf8)))
        XCTAssertFalse(JSONTestBytes.foundationAccepts(Array(nested(513).utf8)))
        // Leaving and re-entering containers must not leak depth.
        XCTAssertNil(JSONTestBytes.validate("[" + Array(repeating: nested(500), count: 50).joined(separator: ",") + "]"))
    }

    func testNumberRangeBoundaryIsExact() {
        // 2^1024 - 2^970 is the first magnitude that rounds to infinity.
        let threshold = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792"
        let below = String(threshold.dropLast()) + "1"
        let cases: [(String, Bool)] = [
            (threshold, false), (below, true), ("-" + threshold, false), (threshold + ".0", false),
            (below + ".999999999", true), (below + ".9e0", true),
            ("1.7976931348623158e308", true), ("1.79769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792e308", false),
            ("0.00179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791e311", true),
            ("1e309", false), ("1E309", false), ("10e307", true), ("0.1e309", true), ("0.2e309", false),
            ("1e0000000000000000000000000000000000308", true), ("1e0000000000000000000000000000000000309", false),
            ("1e99999999999999999999", false), ("1e-99999999999999999999", true), ("0e99999999999999999999", true),
            ("0.0000000000000000000001e330", true), ("10000000000000000000000e300", false),
        ]
        for (text, valid) in cases {
            XCTAssertEqual(JSONTestBytes.validate(text) == nil, valid, "ours: \(text.prefix(30))…")
            XCTAssertEqual(JSONTestBytes.foundationAccepts(Array(text.utf8)), valid, "Foundation: \(text.prefix(30))…")
        }
    }

    func testScanObjectReportsRawNamesExactValueRangesAndKinds() throws {
        let text = #" { "a" : 1 ,"b":"x\"y" ,"c":[1,{"d":2}],"\u0065":null,"e" :true , "f":false,"g":{} , "h":-2.5e3 } "#
        let bytes = Array(text.utf8)
        var seen: [(String, String, JSONKind)] = []
        try bytes.withUnsafeBytes { buffer in
            try JSONScanner.scanObject(buffer) { name, value, kind in
                seen.append((String(decoding: bytes[name], as: UTF8.self), String(decoding: bytes[value], as: UTF8.self), kind))
            }
        }
        let expected: [(String, String, JSONKind)] = [
            ("a", "1", .number), ("b", #""x\"y""#, .string), ("c", #"[1,{"d":2}]"#, .array), (#"\u0065"#, "null", .null),
            ("e", "true", .true), ("f", "false", .false), ("g", "{}", .object), ("h", "-2.5e3", .number),
        ]
        XCTAssertEqual(seen.count, expected.count)
        for (got, want) in zip(seen, expected) {
            XCTAssertEqual(got.0, want.0)
            XCTAssertEqual(got.1, want.1)
            XCTAssertEqual(got.2, want.2)
        }
    }

    func testScanObjectDuplicatesEmptyAndErrors() throws {
        var names: [String] = []
        let dup = Array(#"{"k":1,"k":2}"#.utf8)
        try dup.withUnsafeBytes { buffer in
            try JSONScanner.scanObject(buffer) { name, _, _ in names.append(String(decoding: dup[name], as: UTF8.self)) }
        }
        XCTAssertEqual(names, ["k", "k"])

        var calls = 0
        try Array("{}".utf8).withUnsafeBytes { buffer in try JSONScanner.scanObject(buffer) { _, _, _ in calls += 1 } }
        XCTAssertEqual(calls, 0)

        func scanError(_ text: String) -> JSONScanError? {
            do {
                try Array(text.utf8).withUnsafeBytes { try JSONScanner.scanObject($0) { _, _, _ in } }
                return nil
            } catch {
                return error as? JSONScanError
            }
        }
        XCTAssertEqual(scanError(" [1] "), JSONScanError(offset: 1, reason: .notAnObject))
        XCTAssertEqual(scanError("\"s\""), JSONScanError(offset: 0, reason: .notAnObject))
        XCTAssertEqual(scanError("[1,]"), JSONScanError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "]"))))
        XCTAssertEqual(scanError(""), JSONScanError(offset: 0, reason: .empty))
        XCTAssertEqual(scanError("{\"a\":1,}"), JSONScanError(offset: 7, reason: .unexpectedByte(UInt8(ascii: "}"))))

        struct Stop: Error {}
        XCTAssertThrowsError(try Array(#"{"a":1,"b":2}"#.utf8).withUnsafeBytes { buffer in
            try JSONScanner.scanObject(buffer) { _, _, _ in throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
    }

    func testDecodeStringTokenAndContent() {
        let text = #"["a\nb\u00e9\ud83d\ude00\"\\\/\b\f\r\t\u0000x", "plain", ""]"#
        let bytes = Array(text.utf8)
        var tokens: [Range<Int>] = []
        bytes.withUnsafeBytes { buffer in
            var cursor = try! JSONCursor(buffer, reportEntries: true)
            while let entry = try! cursor.next() { tokens.append(entry.value) }
        }
        XCTAssertEqual(tokens.count, 3)
        bytes.withUnsafeBytes { buffer in
            XCTAssertEqual(JSONScanner.decodeStringToken(buffer, tokens[0]),
                           Array("a\nbé😀\"\\/\u{8}\u{C}\r\t\u{0}x".utf8))
            XCTAssertEqual(JSONScanner.decodeStringToken(buffer, tokens[1]), Array("plain".utf8))
            XCTAssertEqual(JSONScanner.decodeStringToken(buffer, tokens[2]), [])
            // Content variant takes the range without quotes.
            let inner = tokens[1].lowerBound + 1 ..< tokens[1].upperBound - 1
            XCTAssertEqual(JSONScanner.decodeStringContent(buffer, inner), Array("plain".utf8))
            // Out-of-bounds ranges are clamped, never trap.
            XCTAssertFalse(JSONScanner.decodeStringToken(buffer, -5 ..< 10_000).isEmpty)
            XCTAssertEqual(JSONScanner.decodeStringToken(buffer, 10_000 ..< 20_000), [])
        }
        // Lenient on input the scanner would reject: unpaired surrogates become U+FFFD.
        for (token, decoded) in [(#""\ud800 lone""#, "\u{FFFD} lone"), (#""\udc00""#, "\u{FFFD}"),
                                 (#""\ud800\u0041""#, "\u{FFFD}A"), (#""\ud800""#, "\u{FFFD}")] {
            Array(token.utf8).withUnsafeBytes { buffer in
                XCTAssertEqual(JSONScanner.decodeStringToken(buffer, 0 ..< buffer.count), Array(decoded.utf8), token)
            }
        }
        Array(#""bad \x and \u12 and \"#.utf8).withUnsafeBytes { buffer in
            XCTAssertEqual(JSONScanner.decodeStringContent(buffer, 1 ..< buffer.count), Array(#"bad \x and \u12 and \"#.utf8))
        }
        XCTAssertEqual(JSONScanner.decodeStringToken(UnsafeRawBufferPointer(start: nil, count: 0), 0 ..< 0), [])
    }

    func testNameEquals() {
        let text = #"{"key":1,"k\u0065y":2,"\u006b\u0065\u0079":3,"ke":4,"keys":5,"":6,"\u00e9":7,"\ud83d\ude00":8}"#
        let bytes = Array(text.utf8)
        var names: [Range<Int>] = []
        bytes.withUnsafeBytes { buffer in
            try! JSONScanner.scanObject(buffer) { name, _, _ in names.append(name) }
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[0], "key"))
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[1], "key"))
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[2], "key"))
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[2], String("key")))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, names[3], "key"))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, names[4], "key"))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, names[1], "ke"))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, names[1], "keyy"))
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[5], ""))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, names[5], "key"))
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[6], "é"))
            XCTAssertTrue(JSONScanner.nameEquals(buffer, names[7], "😀"))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, names[7], "😀x"))
            XCTAssertFalse(JSONScanner.nameEquals(buffer, 9_000 ..< 9_003, "key"))
        }
    }

    func testErrorDescriptions() {
        XCTAssertEqual(JSONScanError(offset: 17, reason: .unexpectedByte(UInt8(ascii: ","))).description,
                       "invalid JSON at byte 17: unexpected ','")
        XCTAssertEqual(JSONScanError(offset: 3, reason: .unexpectedByte(0x0B)).description,
                       "invalid JSON at byte 3: unexpected byte 0x0B")
        XCTAssertEqual(JSONScanError(offset: 3, reason: .unexpectedByte(0xEF)).description,
                       "invalid JSON at byte 3: unexpected byte 0xEF")
        XCTAssertEqual(JSONScanError(offset: 0, reason: .empty).description, "invalid JSON at byte 0: empty input")
        XCTAssertEqual(JSONScanError(offset: 9, reason: .tooDeep).description, "invalid JSON at byte 9: nesting deeper than 512")
        let reasons: [R] = [.empty, .invalidUTF8, .unexpectedByte(0), .unexpectedEnd, .tooDeep, .invalidEscape,
                            .controlCharacterInString, .invalidNumber, .trailingData, .loneSurrogate, .notAnObject]
        XCTAssertEqual(Set(reasons.map { JSONScanError(offset: 1, reason: $0).description }).count, reasons.count)
    }

    func testNoTrapOnArbitraryBytes() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("{}[]\",:\\-0123456789.eE+tfnrul \t\n".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        for _ in 0..<20_000 {
            let count = rng.below(40)
            let bytes = (0..<count).map { _ in rng.chance(80) ? rng.pick(alphabet) : UInt8(truncatingIfNeeded: rng.next()) }
            let verdict = JSONTestBytes.validate(bytes)
            if let verdict { XCTAssertTrue(verdict.offset >= 0 && verdict.offset <= bytes.count) }
            bytes.withUnsafeBytes { buffer in
                _ = try? JSONScanner.scanObject(buffer) { name, value, _ in
                    _ = JSONScanner.decodeStringContent(buffer, name)
                    _ = JSONScanner.decodeStringToken(buffer, value)
                    _ = JSONScanner.nameEquals(buffer, name, "a")
                }
                _ = JSONScanner.decodeStringContent(buffer, 0 ..< buffer.count)
            }
        }
    }
}
