/// RFC 4648 §4 base64: standard alphabet, with padding.
enum Base64 {
    /// Appends the encoding of `bytes` to `out`.
    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return }
        let src = base.assumingMemoryBound(to: UInt8.self)
        let outLength = ((n &+ 2) / 3) &* 4
        let start = out.count
        // Grow once (geometric growth stays with Array), then fill in place.
        out.append(contentsOf: repeatElement(0, count: outLength))
        out.withUnsafeMutableBufferPointer { buffer in
            let dst = buffer.baseAddress.unsafelyUnwrapped + start
            alphabet.withUTF8Buffer { table in
                let t = table.baseAddress.unsafelyUnwrapped
                var i = 0
                var o = 0
                while i &+ 3 <= n {
                    let v = UInt32(src[i]) &<< 16 | UInt32(src[i &+ 1]) &<< 8 | UInt32(src[i &+ 2])
                    dst[o] = t[Int(v &>> 18)]
                    dst[o &+ 1] = t[Int((v &>> 12) & 0x3F)]
                    dst[o &+ 2] = t[Int((v &>> 6) & 0x3F)]
                    dst[o &+ 3] = t[Int(v & 0x3F)]
                    i &+= 3
                    o &+= 4
                }
                let rest = n &- i
                if rest > 0 {
                    let b0 = UInt32(src[i])
                    let b1 = rest == 2 ? UInt32(src[i &+ 1]) : 0
                    let v = b0 &<< 16 | b1 &<< 8
                    dst[o] = t[Int(v &>> 18)]
                    dst[o &+ 1] = t[Int((v &>> 12) & 0x3F)]
                    dst[o &+ 2] = rest == 2 ? t[Int((v &>> 6) & 0x3F)] : UInt8(ascii: "=")
                    dst[o &+ 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    /// Strict decoding: nil unless `bytes` is canonical base64 — length a multiple of 4, only
    /// alphabet characters, `=` padding only at the end (at most two) and zero unused bits, so
    /// every byte string has exactly one accepted encoding. No whitespace or line breaks allowed.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        let n = bytes.count
        guard n > 0 else { return [] }
        guard n % 4 == 0, let base = bytes.baseAddress else { return nil }
        let src = base.assumingMemoryBound(to: UInt8.self)
        var padding = 0
        if src[n &- 1] == UInt8(ascii: "=") { padding = src[n &- 2] == UInt8(ascii: "=") ? 2 : 1 }
        let outLength = n / 4 &* 3 &- padding
        let table = decodeTable
        var failed = false
        let result = [UInt8](unsafeUninitializedCapacity: outLength) { buffer, initialized in
            let dst = buffer.baseAddress.unsafelyUnwrapped
            var i = 0
            var o = 0
            let fullQuads = padding == 0 ? n : n &- 4
            while i < fullQuads {
                let a = table[Int(src[i])], b = table[Int(src[i &+ 1])]
                let c = table[Int(src[i &+ 2])], d = table[Int(src[i &+ 3])]
                // Invalid bytes map to 0xFF, so one OR catches any of them.
                if (a | b | c | d) & 0xC0 != 0 {
                    failed = true
                    return
                }
                let v = UInt32(a) &<< 18 | UInt32(b) &<< 12 | UInt32(c) &<< 6 | UInt32(d)
                dst[o] = UInt8(truncatingIfNeeded: v &>> 16)
                dst[o &+ 1] = UInt8(truncatingIfNeeded: v &>> 8)
                dst[o &+ 2] = UInt8(truncatingIfNeeded: v)
                i &+= 4
                o &+= 3
            }
            if padding > 0 {
                let a = table[Int(src[i])], b = table[Int(src[i &+ 1])]
                let c = padding == 1 ? table[Int(src[i &+ 2])] : 0
                // Non-canonical encodings (bits set that padding discards) are rejected.
                let unusedBits = padding == 1 ? c & 0x03 : b & 0x0F
                if (a | b | c) & 0xC0 != 0 || unusedBits != 0 {
                    failed = true
                    return
                }
                dst[o] = a &<< 2 | b &>> 4
                if padding == 1 { dst[o &+ 1] = b &<< 4 | c &>> 2 }
                o &+= 3 &- padding
            }
            initialized = o
        }
        return failed ? nil : result
    }

    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    // Read-only after its one-time initialisation; see JSONTables for why a raw pointer.
    nonisolated(unsafe) static let decodeTable: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        table.initialize(repeating: 0xFF, count: 256)
        alphabet.withUTF8Buffer { letters in
            for (value, letter) in letters.enumerated() { table[Int(letter)] = UInt8(value) }
        }
        return UnsafePointer(table)
    }()
}
