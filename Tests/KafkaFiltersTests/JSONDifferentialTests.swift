import Foundation
import XCTest
@testable import KafkaCore

/// JSONScanner against Foundation's JSONSerialization as the oracle: same valid/invalid verdict.
/// And on every case, before any skip: kput's validator, kput -k's scanObject, the envelope reader's
/// cursor and the token fast paths agree with each other (`JSONAgreement.check`).
///
/// Case count: env SCANNER_FUZZ_CASES (default 20,000); Scripts/fuzz-scanner.sh runs a million in release.
/// Seed: env SCANNER_FUZZ_SEED (decimal; default fixed). A failure prints the input's hex.
///
/// Known, deliberate differences — Foundation deviates from RFC 8259 there, and the scanner must
/// not, because what it accepts is embedded verbatim into envelope lines:
/// 1. Foundation guesses UTF-16/UTF-32 from NUL bytes among the first four bytes and skips byte
///    order marks (JSONSerialization.detectEncoding). RFC 8259 §8.1: JSON exchanged between systems
///    MUST be UTF-8, and a parser MAY (not must) ignore a BOM; a BOM inside an envelope line would
///    be invalid. Inputs that trigger that detection are skipped (counted as "transcoded").
/// 2. Foundation accepts a trailing comma before `]`/`}` (its parser says so in a comment);
///    RFC 8259 §4/§5 grammar forbids it. Such inputs are still checked: the oracle's verdict on the
///    input is compared with the scanner's verdict on the input minus those commas.
/// 3. Foundation range-checks numbers lazily, after building dictionaries, so an out-of-range number
///    (e.g. 1e400) that is — or sits inside — the value of an object member later overwritten by a
///    duplicate name is never checked: `{"a":1e400,"a":0}` is accepted, `{"a":1e400}` is not.
///    RFC 8259 §4 leaves duplicate names' behaviour unpredictable; the scanner rejects the number
///    regardless. A disagreement is attributed to this only after verifying it input by input
///    (`overflowHiddenByDuplicateName`, which compares names as Foundation decodes them — including
///    its dropping of a U+FEFF that starts a string segment), and counted separately.
/// Big numbers are otherwise NOT excluded: the scanner matches Foundation there (magnitudes
/// rounding to ±infinity are rejected, exactly at the binary64 boundary).
final class JSONDifferentialTests: XCTestCase {
    func testScannerAgreesWithFoundation() {
        let requested = ProcessInfo.processInfo.environment["SCANNER_FUZZ_CASES"].flatMap { Int($0) } ?? 20_000
        // SCANNER_FUZZ_SEED varies the corpus for longer runs; the default keeps CI deterministic.
        let seed = ProcessInfo.processInfo.environment["SCANNER_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_1234_ABCD_0001
        var generator = JSONDocumentGenerator(seed: seed)
        var stats = (checked: 0, valid: 0, transcoded: 0, commaNormalized: 0, hiddenOverflow: 0, disagreements: 0)
        var agreement = (checked: 0, disagreements: 0)

        func checkAgreement(_ bytes: [UInt8]) {
            agreement.checked += 1
            if let disagreement = bytes.withUnsafeBytes({ JSONAgreement.check($0) }) {
                agreement.disagreements += 1
                if agreement.disagreements <= 20 {
                    XCTFail("JSON entry points disagree: \(disagreement); input hex: \(JSONTestBytes.hex(bytes))")
                }
            }
        }

        func check(_ input: [UInt8]) {
            checkAgreement(input)
            if Self.foundationTranscodes(input) {
                stats.transcoded += 1
                return
            }
            let normalized = Self.removingTrailingCommas(input)
            if normalized.count != input.count {
                stats.commaNormalized += 1
                checkAgreement(normalized)
            }
            let ours = JSONTestBytes.validate(normalized)
            let theirs = JSONTestBytes.foundationAccepts(input)
            stats.checked += 1
            if theirs { stats.valid += 1 }
            if (ours == nil) != theirs {
                if theirs, ours?.reason == .invalidNumber, Self.overflowHiddenByDuplicateName(normalized) {
                    stats.hiddenOverflow += 1
                    return
                }
                stats.disagreements += 1
                if stats.disagreements <= 20 {
                    XCTFail("disagreement: Foundation \(theirs ? "accepts" : "rejects"), scanner says "
                            + "\(ours.map { $0.description } ?? "valid"); input hex: \(JSONTestBytes.hex(input))")
                }
            }
        }

        for fixed in Self.fixedCases { check(fixed) }
        var produced = Self.fixedCases.count
        while produced < requested {
            produced += 1
            let input: [UInt8]
            switch generator.rng.below(20) {
            case 0, 1, 2, 3, 4, 5:
                input = generator.document()
            case 6:
                input = generator.deep()
            case 7:
                input = generator.mutate(generator.deep())
            case 8:
                input = generator.number()
            case 9:
                input = generator.mutate(generator.number())
            case 10:
                var string: [UInt8] = []
                generator.string(&string)
                input = generator.mutate(string)
            case 11:
                input = (0..<generator.rng.below(12)).map { _ in generator.rng.pick(JSONDocumentGenerator.interesting) }
            default:
                input = generator.mutate(generator.document())
            }
            check(input)
        }
        print("JSONDifferential (seed \(seed)): \(produced) cases generated, \(stats.checked) checked against Foundation "
              + "(\(stats.valid) valid, \(stats.checked - stats.valid) invalid), \(stats.transcoded) skipped as "
              + "UTF-16/32/BOM, \(stats.commaNormalized) trailing-comma-normalized, \(stats.hiddenOverflow) out-of-range numbers "
              + "hidden by a duplicate name, \(stats.disagreements) disagreements; entry points checked for agreement "
              + "on \(agreement.checked) inputs, \(agreement.disagreements) disagreements")
        XCTAssertEqual(stats.disagreements, 0)
        XCTAssertEqual(agreement.disagreements, 0)
        XCTAssertGreaterThanOrEqual(agreement.checked, produced, "every case is checked for agreement")
        XCTAssertGreaterThan(stats.valid, stats.checked / 10, "the generator should produce plenty of valid documents")
    }

    /// Pins down difference 3 so that the exclusion cannot silently widen.
    func testFoundationSkipsRangeCheckOfOverwrittenMembers() {
        let hiddenCases = [#"{"a":1e400,"a":0}"#, #"{"a":[1,{"b":-1e999}],"a":0}"#, #"{"x":{"a":1e400,"a":0}}"#,
                           "{\"\u{E9}\":1e400,\"e\u{301}\":0}",   // é twice: canonically equivalent names
                           "{\"\":1e400,\"\u{FEFF}\":0}"]                // Foundation drops the leading U+FEFF
        for text in hiddenCases {
            let bytes = Array(text.utf8)
            XCTAssertTrue(JSONTestBytes.foundationAccepts(bytes), text)
            XCTAssertEqual(JSONTestBytes.validate(bytes)?.reason, .invalidNumber, text)
            XCTAssertTrue(Self.overflowHiddenByDuplicateName(bytes), text)
        }
        let realCases = [#"{"a":1e400,"b":0}"#, #"{"a":0,"a":1e400}"#, #"[1e400,1e400]"#, #"{"a":1e400,"a":0,"b":1e400}"#,
                         #"{"a":{"b":1e400,"c":0},"d":0}"#]
        for text in realCases {
            let bytes = Array(text.utf8)
            XCTAssertFalse(JSONTestBytes.foundationAccepts(bytes), text)
            XCTAssertFalse(Self.overflowHiddenByDuplicateName(bytes), text)
        }
    }

    /// Edge cases from probing Foundation, checked before the random ones.
    static let fixedCases: [[UInt8]] = {
        var cases: [[UInt8]] = [
            "", " ", "0", "-0", "01", "+1", ".5", "1.", "1e", "1e+", "-", "--1", "0x1", "1e400", "-1e400", "1e308", "1.8e308",
            "1e-400", "[]", "{}", "[1 2]", "{\"a\" 1}", "{1:2}", " 1 ", "\"\\u0000\"", "\"a\u{7f}\"", "\"\\/\"", "\"\\x\"",
            "\"\\U0041\"", "\"\\u00e9\"", "\"\\u00G9\"", "nul", "null ", "truex", "\t\n\r 1", "\u{0B}1", "\u{0C}1", "1 2",
            "\"\u{1F}\"", "\"\u{0}\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"",
            "\"\\ud800\\ud800\"", "\"\\ud800\\udc00\"", "\"\\udbff\\udfff\"", "{\"a\":1}{\"b\":2}", "{\"a\":1,\"a\":2}",
            "[1,]", "{\"a\":1,}", "[,]", "[1,,]", "{,}", "{\"a\":1,,}", "[1 ,\n]",
            "{\"a\":1e400,\"a\":0}", "{\"a\":[1e400],\"a\":0}", "{\"a\":1e400,\"b\":0}", "{\"a\":0,\"a\":1e400}",
        ].map { Array($0.utf8) }
        cases += [[0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
                  [0x22, 0xE2, 0x82, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xEF, 0xBF, 0xBF, 0x22],
                  [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22], [0x22, 0xE0, 0x9F, 0xBF, 0x22], [0x22, 0x80, 0x22], [0x20, 0xC3, 0xA9],
                  [0x31, 0x00, 0x00]]
        for depth in 510...514 {
            cases.append(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
        }
        return cases
    }()

    /// True when every reason the scanner rejects `input` is an out-of-range number that Foundation
    /// never range-checks because a later member with the same name (Swift String equality, i.e.
    /// canonical equivalence, as Foundation's `[String: Any]` uses) overwrites it or its container.
    static func overflowHiddenByDuplicateName(_ input: [UInt8]) -> Bool {
        var bytes = input
        var positions: [Int] = []
        for _ in 0..<64 {
            guard let error = JSONTestBytes.validate(bytes) else {
                return !positions.isEmpty && positions.allSatisfy { position in
                    bytes.withUnsafeBytes { hidden($0, position) }
                }
            }
            // Only an overflowing number is reported as invalidNumber at the token's first byte.
            guard error.reason == .invalidNumber else { return false }
            let start = error.offset
            var end = start
            while end < bytes.count, Array("+-.eE0123456789".utf8).contains(bytes[end]) { end += 1 }
            let overflows = bytes.withUnsafeBufferPointer { buffer in
                JSONNumberRange.overflows(buffer.baseAddress!, start, end)
            }
            guard overflows, start == 0 || !Array(".eE0123456789".utf8).contains(bytes[start - 1]) else { return false }
            bytes.replaceSubrange(start..<end, with: [UInt8(ascii: "0")])
            positions.append(start)
        }
        return false
    }

    /// Whether the value at `position` in the valid document is dropped by Foundation's dictionary building.
    private static func hidden(_ doc: UnsafeRawBufferPointer, _ position: Int) -> Bool {
        guard var cursor = try? JSONCursor(doc, reportEntries: true) else { return false }
        let isObject = cursor.topKind == .object
        guard isObject || cursor.topKind == .array else { return false }
        var entries: [JSONEntry] = []
        while let entry = try? cursor.next() { entries.append(entry) }
        guard let index = entries.firstIndex(where: { $0.value.contains(position) }) else { return false }
        let entry = entries[index]
        if isObject {
            let name = foundationName(doc, entry.name)
            if entries[(index + 1)...].contains(where: { foundationName(doc, $0.name) == name }) {
                return true
            }
        }
        if entry.value.lowerBound == position { return false }
        return hidden(UnsafeRawBufferPointer(rebasing: doc[entry.value]), position - entry.value.lowerBound)
    }

    /// A member name as Foundation's dictionary sees it. Not simply the decoded name: Foundation
    /// decodes each raw stretch between escapes with `String(bytes:encoding:)`, which drops a
    /// leading U+FEFF, so `"\u{FEFF}"` and `""` collide. Asking Foundation itself mirrors that exactly.
    private static func foundationName(_ doc: UnsafeRawBufferPointer, _ name: Range<Int>) -> String {
        let member = Array("{\"".utf8) + Array(doc[name]) + Array("\":0}".utf8)
        if let object = try? JSONSerialization.jsonObject(with: Data(member)) as? [String: Any], let key = object.keys.first {
            return key
        }
        return String(decoding: JSONScanner.decodeStringContent(doc, name), as: UTF8.self)
    }

    /// Mirrors JSONSerialization.detectEncoding (swift-corelibs-foundation): true when Foundation
    /// would not parse the bytes as plain UTF-8 from offset 0.
    static func foundationTranscodes(_ b: [UInt8]) -> Bool {
        if b.count >= 4 {
            if b.starts(with: [0xEF, 0xBB, 0xBF]) || b.starts(with: [0x00, 0x00, 0xFE, 0xFF])
                || b.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) {
                return true
            }
            switch (b[0], b[1], b[2], b[3]) {
            case (0, 0, 0, _), (_, 0, 0, 0), (0, _, 0, _), (_, 0, _, 0): return true
            default: return false
            }
        }
        if b.count >= 2 { return b[0] == 0 || b[1] == 0 }
        return false
    }

    /// Drops each comma that follows the end of a value and precedes (after whitespace) `]` or `}`,
    /// outside strings — exactly the commas Foundation tolerates.
    static func removingTrailingCommas(_ b: [UInt8]) -> [UInt8] {
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var inString = false
        var escaped = false
        var i = 0
        while i < b.count {
            let c = b[i]
            i += 1
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
                continue
            }
            if c == 0x22 { inString = true }
            if c == UInt8(ascii: ",") {
                var j = i
                while j < b.count, isSpace(b[j]) { j += 1 }
                let previous = out.last(where: { !isSpace($0) })
                let closes = j < b.count && (b[j] == UInt8(ascii: "]") || b[j] == UInt8(ascii: "}"))
                let endsValue = previous.map { p in
                    p == 0x22 || p == UInt8(ascii: "]") || p == UInt8(ascii: "}") || p == UInt8(ascii: "e")
                        || p == UInt8(ascii: "l") || (p >= 0x30 && p <= 0x39)
                } ?? false
                if closes && endsValue { continue }
            }
            out.append(c)
        }
        return out
    }
}
