#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Envelope {
    /// Appends one envelope line, including the trailing `"\n"`, to `out`, with today's key and value
    /// members (`PlainFields`). Allocates nothing beyond growing `out`, so a reused buffer makes this
    /// allocation-free.
    package static func append(topic: String, partition: Int32, offset: Int64, timestamp: Int64?,
                              key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
                              headers: [EnvelopeHeader], to out: inout [UInt8]) {
        append(topic: topic, partition: partition, offset: offset, timestamp: timestamp, key: key, value: value,
               headers: headers, fields: PlainFields(), to: &out)
    }

    /// Appends one envelope line whose key and value members `fields` writes (the codec seam).
    package static func append<Fields: MessageFieldDecoder>(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64?,
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [EnvelopeHeader], fields: Fields, to out: inout [UInt8]
    ) {
        appendPrefix(topic: topic, partition: partition, offset: offset, timestamp: timestamp, to: &out)
        if let key { fields.appendKeyMembers(key, to: &out) }
        if !headers.isEmpty {
            appendLiteral(",\"headers\":[", to: &out)
            for index in headers.indices {
                if index != headers.startIndex { out.append(UInt8(ascii: ",")) }
                appendHeader(headers[index], to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        if let value { fields.appendValueMembers(value, to: &out) }
        appendLiteral("}\n", to: &out)
    }

    /// `--format value`: appends the value alone plus `"\n"` (`PlainFields.appendValueLine`).
    package static func appendValueLine(_ value: UnsafeRawBufferPointer?, to out: inout [UInt8]) throws(ValueLineError) {
        try PlainFields().appendValueLine(value, to: &out)
    }

    // MARK: - Pieces

    enum ValueForm: Equatable {
        case json, text, binary
    }

    /// How a payload is written: raw only when embedding is byte-exact and unambiguous.
    static func classify(_ value: UnsafeRawBufferPointer) -> ValueForm {
        guard let base = value.baseAddress, value.count > 0 else { return .text }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = value.count
        if !isJSONWhitespace(p[0]), !isJSONWhitespace(p[n &- 1]), !containsLineBreak(p, n), !isNullLiteral(p, n),
           // One level is taken by the envelope object itself.
           JSONScanner.validate(value, maxDepth: JSONScanner.maxDepth &- 1) == nil
        {
            return .json
        }
        return JSONString.isValidUTF8(value) ? .text : .binary
    }

    /// `{"topic":"…","partition":N,"offset":N[,"timestamp":N]`. Kafka topic names are at most 249
    /// characters of `[a-zA-Z0-9._-]`, so the whole prefix is normally built in a stack buffer and
    /// appended once: each `Array.append` costs a few ns of checks, and this saves seven of them.
    static func appendPrefix(topic: String, partition: Int32, offset: Int64, timestamp: Int64?, to out: inout [UInt8]) {
        let timestamp = timestamp.flatMap { $0 >= 0 ? $0 : nil }
        var topic = topic
        topic.withUTF8 { name in
            guard name.count <= 256, !JSONString.needsEscaping(name) else {
                appendLiteral("{\"topic\":", to: &out)
                JSONString.appendQuoted(UnsafeRawBufferPointer(name), to: &out)
                appendLiteral(",\"partition\":", to: &out)
                appendInteger(Int64(partition), to: &out)
                appendLiteral(",\"offset\":", to: &out)
                appendInteger(offset, to: &out)
                if let timestamp {
                    appendLiteral(",\"timestamp\":", to: &out)
                    appendInteger(timestamp, to: &out)
                }
                return
            }
            // 10 + 256 + 15 + 11 + 10 + 20 + 13 + 20 = 355 bytes at most.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 384) { buffer in
                let base = buffer.baseAddress.unsafelyUnwrapped
                var w = write("{\"topic\":\"", at: base)
                if let source = name.baseAddress { (base + w).update(from: source, count: name.count) }
                w &+= name.count
                w &+= write("\",\"partition\":", at: base + w)
                w &+= writeInteger(Int64(partition), at: base + w)
                w &+= write(",\"offset\":", at: base + w)
                w &+= writeInteger(offset, at: base + w)
                if let timestamp {
                    w &+= write(",\"timestamp\":", at: base + w)
                    w &+= writeInteger(timestamp, at: base + w)
                }
                out.append(contentsOf: UnsafeBufferPointer(start: base, count: w))
            }
        }
    }

    @inline(__always)
    private static func write(_ literal: StaticString, at p: UnsafeMutablePointer<UInt8>) -> Int {
        p.update(from: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return literal.utf8CodeUnitCount
    }

    /// Writes decimal digits at `p` (room for 20 bytes needed); returns the count.
    /// Two digits per division, formatted backwards into a scratch word, then copied once.
    static func writeInteger(_ value: Int64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw -> Int in
            let end = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self) + raw.count
            var cursor = end
            var magnitude = value.magnitude
            digitPairs.withUTF8Buffer { pairs in
                let table = pairs.baseAddress.unsafelyUnwrapped
                while magnitude >= 100 {
                    let pair = Int(truncatingIfNeeded: magnitude % 100) &* 2
                    magnitude /= 100
                    cursor -= 2
                    cursor[0] = table[pair]
                    cursor[1] = table[pair &+ 1]
                }
                if magnitude >= 10 {
                    let pair = Int(truncatingIfNeeded: magnitude) &* 2
                    cursor -= 2
                    cursor[0] = table[pair]
                    cursor[1] = table[pair &+ 1]
                } else {
                    cursor -= 1
                    cursor[0] = 0x30 &+ UInt8(truncatingIfNeeded: magnitude)
                }
            }
            if value < 0 {
                cursor -= 1
                cursor[0] = UInt8(ascii: "-")
            }
            let count = end - cursor
            p.update(from: cursor, count: count)
            return count
        }
    }

    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    private static func appendHeader(_ header: EnvelopeHeader, to out: inout [UInt8]) {
        appendLiteral("{\"key\":", to: &out)
        JSONString.appendQuoted(header.key, to: &out)
        appendLiteral(",\"value\":", to: &out)
        guard let value = header.value else {
            appendLiteral("null}", to: &out)
            return
        }
        value.withUnsafeBytes { bytes in
            if JSONString.isValidUTF8(bytes) {
                JSONString.appendQuoted(bytes, to: &out)
                out.append(UInt8(ascii: "}"))
            } else {
                appendBase64String(bytes, to: &out)
                appendLiteral(",\"encoding\":\"base64\"}", to: &out)
            }
        }
    }

    static func appendBase64String(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        Base64.append(bytes, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Decimal digits without going through String.
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            let base = buffer.baseAddress.unsafelyUnwrapped
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: writeInteger(value, at: base)))
        }
    }

    @inline(__always)
    static func isJSONWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    static func isNullLiteral(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        n == 4 && p[0] == UInt8(ascii: "n") && p[1] == UInt8(ascii: "u") && p[2] == UInt8(ascii: "l")
            && p[3] == UInt8(ascii: "l")
    }

    /// Whether `p[0..<n]` holds a `\n` or `\r`: the one line-break search of the envelope writer (the raw
    /// JSON test in `classify` and `--format value`). Two memchr calls, which libc vectorises, cost fewer
    /// instructions on a 200-byte value than one pass of eight-byte words testing both bytes.
    static func containsLineBreak(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        memchr(p, 0x0A, n) != nil || memchr(p, 0x0D, n) != nil
    }
}
