import Foundation
import XCTest
@testable import KafkaCore

final class Base64Tests: XCTestCase {
    private func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { Base64.append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    private func decode(_ text: String) -> [UInt8]? {
        Array(text.utf8).withUnsafeBytes { Base64.decode($0) }
    }

    /// RFC 4648 §10 test vectors.
    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(decode(encoded), Array(plain.utf8))
        }
    }

    func testAppendsAfterExistingContent() {
        var out = Array("x=".utf8)
        ([0xFF, 0xEE] as [UInt8]).withUnsafeBytes { Base64.append($0, to: &out) }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "x=/+4=")
    }

    func testStrictDecodingRejects() {
        let bad = ["Zg", "Zg=", "Zm9vY", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm9v ", "Zm-v", "Zm_v",
                   "Zh==", "Zm9=", "Zg=a", "Zm8=Zm8=", "Zm9vYg=\u{3D}=", "Zm\u{0}v", "Zm9vé="]
        for text in bad {
            XCTAssertNil(decode(text), text.debugDescription)
        }
        XCTAssertEqual(decode(""), [])
    }

    func testRandomRoundTripMatchesFoundation() {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<5_000 {
            let bytes = rng.bytes(rng.below(64))
            let encoded = encode(bytes)
            XCTAssertEqual(encoded, Data(bytes).base64EncodedString())
            XCTAssertEqual(decode(encoded), bytes)
        }
    }

    func testDecodeEveryTwoCharacterPrefixAgreesWithFoundationOnCanonicalInput() {
        // Foundation accepts non-canonical padding bits; strict decoding must accept exactly the
        // canonical subset and agree with Foundation on its value.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var accepted = 0
        for a in alphabet {
            for b in alphabet {
                let text = String([a, b]) + "=="
                let ours = decode(text)
                if let ours {
                    accepted += 1
                    XCTAssertEqual(ours, Data(base64Encoded: text).map { Array($0) })
                    XCTAssertEqual(encode(ours), text)
                }
            }
        }
        XCTAssertEqual(accepted, 256)    // one canonical spelling per byte value
    }
}
