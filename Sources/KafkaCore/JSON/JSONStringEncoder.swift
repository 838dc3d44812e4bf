/// Writing JSON strings.
package enum JSONString {
    /// Appends `"..."` to `out`, escaping `"`, `\` and bytes below 0x20 (`\n \r \t \b \f` as short
    /// escapes, the rest as `\u00XX`). The input must be valid UTF-8 (check with `isValidUTF8`);
    /// non-ASCII bytes are copied raw, `/` and DEL are not escaped.
    static func appendQuoted(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if let base = bytes.baseAddress, bytes.count > 0 {
            appendEscaped(base.assumingMemoryBound(to: UInt8.self), bytes.count, to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `s` quoted and escaped. A Swift `String` is always valid UTF-8.
    package static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Whether `bytes` is well-formed UTF-8 (no overlongs, encoded surrogates, values above
    /// U+10FFFF or truncated sequences). Pure ASCII is checked eight bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return UTF8Validation.firstInvalid(base.assumingMemoryBound(to: UInt8.self), 0, bytes.count) == nil
    }

    /// Whether any byte must be escaped inside a JSON string (`"`, `\\` or below 0x20).
    static func needsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = bytes.baseAddress else { return false }
        let n = bytes.count
        var (i, found) = SWAR.skipWords(p, 0, n, SWAR.needsEscapeLanes)
        if found { return true }
        while i < n {
            if jsonEscapeLetter[Int(p[i])] != 0 { return true }
            i &+= 1
        }
        return false
    }

    /// Appends the escaped content without quotes.
    static func appendEscaped(_ p: UnsafePointer<UInt8>, _ n: Int, to out: inout [UInt8]) {
        let letters = jsonEscapeLetter
        var i = 0
        var run = 0
        while true {
            // Copy-free stretch detection, eight bytes per step.
            i = SWAR.skipWords(p, i, n, SWAR.needsEscapeLanes).index
            guard i < n else { break }
            let byte = p[i]
            let letter = letters[Int(byte)]
            if letter == 0 {
                i &+= 1
                continue
            }
            if run < i { out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: i &- run)) }
            out.append(UInt8(ascii: "\\"))
            out.append(letter)
            if letter == UInt8(ascii: "u") {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(JSONTables.hexDigit(byte &>> 4))
                out.append(JSONTables.hexDigit(byte & 0x0F))
            }
            i &+= 1
            run = i
        }
        if run < n { out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: n &- run)) }
    }
}
