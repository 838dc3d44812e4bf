import XCTest
@testable import KafkaCore

final class JSONStringEncoderTests: XCTestCase {
    private func quoted(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { JSONString.appendQuoted($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    func testEscapes() {
        XCTAssertEqual(quoted([]), #""""#)
        XCTAssertEqual(quoted(Array("plain ascii / é 😀 \u{7F}".utf8)), "\"plain ascii / é 😀 \u{7F}\"")
        XCTAssertEqual(quoted(Array("a\"b\\c".utf8)), #""a\"b\\c""#)
        XCTAssertEqual(quoted([0x0A, 0x0D, 0x09, 0x08, 0x0C]), #""\n\r\t\b\f""#)
        XCTAssertEqual(quoted([0x00, 0x01, 0x1F, 0x0B]), #""\u0000\u0001\u001f\u000b""#)
        let all = (0..<0x20).map { UInt8($0) }
        let expected = "\"" + all.map { byte -> String in
            switch byte {
            case 0x08: return "\\b"
            case 0x09: return "\\t"
            case 0x0A: return "\\n"
            case 0x0C: return "\\f"
            case 0x0D: return "\\r"
            default: return "\\u00" + String(format: "%02x", byte)
            }
        }.joined() + "\""
        XCTAssertEqual(quoted(all), expected)
        // Escapes at every position relative to the 8-byte fast path.
        for position in 0..<20 {
            var bytes = Array(repeating: UInt8(ascii: "x"), count: 20)
            bytes[position] = UInt8(ascii: "\"")
            XCTAssertEqual(quoted(bytes), "\"" + String(repeating: "x", count: position) + "\\\""
                           + String(repeating: "x", count: 19 - position) + "\"")
        }
    }

    func testStringOverloadAppends() {
        var out = Array("prefix:".utf8)
        JSONString.appendQuoted("tab\there", to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"prefix:"tab\there""#)
    }

    func testQuotedRoundTripsThroughScannerAndDecoder() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<3_000 {
            var text: [UInt8] = []
            for _ in 0..<rng.below(40) {
                switch rng.below(4) {
                case 0: text.append(UInt8(rng.below(0x20)))
                case 1: text.append(rng.pick(Array("\"\\/abc xyz".utf8)))
                case 2: text += JSONTestBytes.utf8(rng.pick([0xE9, 0x7FF, 0x800, 0xFFFF, 0x1F600, 0x10FFFF, 0x7F]))
                default: text.append(UInt8(0x20 + rng.below(0x5F)))
                }
            }
            var out: [UInt8] = []
            text.withUnsafeBytes { JSONString.appendQuoted($0, to: &out) }
            XCTAssertNil(JSONTestBytes.validate(out), JSONTestBytes.hex(out))
            XCTAssertTrue(JSONTestBytes.foundationAccepts(out))
            out.withUnsafeBytes { XCTAssertEqual(JSONScanner.decodeStringToken($0, 0 ..< $0.count), text) }
        }
    }

    func testIsValidUTF8AgreesWithStandardLibrary() {
        var rng = SplitMix64(seed: 12)
        let pieces: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
            [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80], [0xC1, 0xBF], [0x80], [0xBF], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC3], Array("abcdefgh".utf8), Array("0123456789abcdef".utf8), [0x00], [0x7F],
        ]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<rng.below(12) {
                if rng.chance(10) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) } else { bytes += rng.pick(pieces) }
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            XCTAssertEqual(bytes.withUnsafeBytes { JSONString.isValidUTF8($0) }, expected, JSONTestBytes.hex(bytes))
        }
        XCTAssertTrue(JSONString.isValidUTF8(UnsafeRawBufferPointer(start: nil, count: 0)))
    }
}
