import Foundation
@testable import KafkaCore

/// Deterministic PRNG for reproducible property and differential tests (Steele et al., SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

enum JSONTestBytes {
    static func hex(_ bytes: [UInt8], limit: Int = 4096) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for byte in bytes.prefix(limit) {
            s.append(digits[Int(byte >> 4)])
            s.append(digits[Int(byte & 0xF)])
        }
        if bytes.count > limit { s += "…(\(bytes.count) bytes)" }
        return s
    }

    static func validate(_ bytes: [UInt8]) -> JSONScanError? {
        bytes.withUnsafeBytes { JSONScanner.validate($0) }
    }

    static func validate(_ text: String) -> JSONScanError? {
        validate(Array(text.utf8))
    }

    /// Foundation's verdict, the differential oracle.
    static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    /// UTF-8 of a scalar given as UInt32 (must be a valid scalar).
    static func utf8(_ scalar: UInt32) -> [UInt8] {
        Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
    }
}
