/// Lookup tables shared by the scanner, the string decoder and the string encoder.
///
/// They live in never-freed raw memory rather than in `[UInt8]` globals so the hot loops
/// read them through a plain pointer: no retain/release and no bounds check per byte.
enum JSONTables {
    /// Classes of bytes inside a JSON string.
    static let plain: UInt8 = 0
    static let quote: UInt8 = 1
    static let backslash: UInt8 = 2
    static let control: UInt8 = 3
    static let nonASCII: UInt8 = 4

    /// Marks a non-hex byte in `hexValue`.
    static let notHex: UInt8 = 0xFF

    /// The hex digit (ASCII) of `nibble` (0...15): the one hex formatter, for `\u00XX` escapes, error
    /// messages and excerpts. Lower case unless asked.
    @inline(__always)
    static func hexDigit(_ nibble: UInt8, uppercase: Bool = false) -> UInt8 {
        nibble < 10 ? 0x30 &+ nibble : (uppercase ? 0x41 : 0x61) &+ (nibble &- 10)
    }

    /// The two hex digits of `byte`.
    static func hex(_ byte: UInt8, uppercase: Bool = false) -> String {
        String(decoding: [hexDigit(byte &>> 4, uppercase: uppercase), hexDigit(byte & 0x0F, uppercase: uppercase)],
               as: UTF8.self)
    }
}

// Immutable after initialisation (Swift runs global initialisers exactly once, thread-safely),
// so sharing the pointers across threads is safe even though pointers are not Sendable.
nonisolated(unsafe) let jsonStringByteClass: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    for byte in 0..<256 {
        let value: UInt8
        switch byte {
        case 0x22: value = JSONTables.quote
        case 0x5C: value = JSONTables.backslash
        case 0..<0x20: value = JSONTables.control
        case 0x80...: value = JSONTables.nonASCII
        default: value = JSONTables.plain
        }
        table[byte] = value
    }
    return UnsafePointer(table)
}()

nonisolated(unsafe) let jsonHexValue: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    for byte in 0..<256 {
        switch byte {
        case 0x30...0x39: table[byte] = UInt8(byte - 0x30)
        case 0x41...0x46: table[byte] = UInt8(byte - 0x41 + 10)
        case 0x61...0x66: table[byte] = UInt8(byte - 0x61 + 10)
        default: table[byte] = JSONTables.notHex
        }
    }
    return UnsafePointer(table)
}()

/// For the encoder: 0 = copy as is; otherwise the letter after the backslash (`u` = `\u00XX`).
nonisolated(unsafe) let jsonEscapeLetter: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    for byte in 0..<256 {
        let value: UInt8
        switch byte {
        case 0x22: value = 0x22                   // \"
        case 0x5C: value = 0x5C                   // \\
        case 0x08: value = UInt8(ascii: "b")
        case 0x0C: value = UInt8(ascii: "f")
        case 0x0A: value = UInt8(ascii: "n")
        case 0x0D: value = UInt8(ascii: "r")
        case 0x09: value = UInt8(ascii: "t")
        case 0..<0x20: value = UInt8(ascii: "u")
        default: value = 0
        }
        table[byte] = value
    }
    return UnsafePointer(table)
}()

/// Eight-bytes-at-a-time tests (SWAR). Each returns a word whose 0x80 bits are set in at least
/// the lanes that match; lanes above the first real match may be false positives because of
/// borrows, so callers only use "any" or the lowest set lane.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    static func zeroLanes(_ x: UInt64) -> UInt64 {
        (x &- ones) & ~x & highs
    }

    /// Lanes holding `"`, `\` or a byte below 0x20: the bytes a JSON string cannot hold raw.
    @inline(__always)
    static func needsEscapeLanes(_ w: UInt64) -> UInt64 {
        let below20 = (w &- 0x20 &* ones) & ~w
        return (below20 & highs) | zeroLanes(w ^ (0x22 &* ones)) | zeroLanes(w ^ (0x5C &* ones))
    }

    /// Lanes that end a fast run inside a JSON string being scanned: escapes, controls, quote, non-ASCII.
    @inline(__always)
    static func stringStopLanes(_ w: UInt64) -> UInt64 {
        needsEscapeLanes(w) | (w & highs)
    }

    /// Lanes that are not ASCII digits. After `^ 0x30` a digit lane holds 0...9; `+ 0x76` sets the high bit
    /// of lanes holding 0x0A...0x7F and `| t` that of lanes at 0x80 or more. A carry out of a lane only
    /// comes from a flagged lane (>= 0x8A), so the lowest flagged lane is exact.
    @inline(__always)
    static func nonDigitLanes(_ w: UInt64) -> UInt64 {
        let t = w ^ (0x30 &* ones)
        return ((t &+ (0x76 &* ones)) | t) & highs
    }

    /// The one eight-bytes-at-a-time loop: from `start`, skips whole words of `p[..<end]` in which
    /// `lanes` flags nothing. Returns the index of the first flagged byte (`found`), or, with `found`
    /// false, where the tail of fewer than eight untested bytes begins; the caller finishes that byte by
    /// byte. `lanes` must flag exactly in the lowest flagged lane (all the tests above do).
    @inline(__always)
    static func skipWords(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ lanes: (UInt64) -> UInt64)
        -> (index: Int, found: Bool)
    {
        var i = start
        while i &+ 8 <= end {
            let flagged = lanes(load(p + i))
            if flagged != 0 { return (i &+ firstLane(flagged), true) }
            i &+= 8
        }
        return (i, false)
    }

    /// Index (0...7) of the lowest flagged lane in little-endian order.
    @inline(__always)
    static func firstLane(_ lanes: UInt64) -> Int {
        lanes.trailingZeroBitCount &>> 3
    }
}
