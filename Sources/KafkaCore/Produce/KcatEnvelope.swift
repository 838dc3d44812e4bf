#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// kcat's `-J` lines, read by `kput --envelope` beside kpull's envelope:
///
///     {"topic":"t","partition":0,"offset":0,"tstype":"create","ts":1700000000000,"broker":1,
///      "headers":["a","1","n",null],"key":"k","payload":"hello"}
///
/// A line is kcat's when it has a top-level `payload` member and no `value` member. Mapping:
/// `payload` (a string, its decoded bytes; null: a tombstone) is the value; `key` (a string; null or
/// absent: no key) the key; `ts` (epoch ms; negative or absent: stamped by the producer) the timestamp;
/// `headers` (a flat array name, value, name, value...; a value may be null) the headers, in order;
/// `partition` is honoured with --keep-partition. `topic`, `offset`, `tstype` and `broker` are ignored.
/// What cannot round-trip: kcat writes a binary payload or key raw inside its JSON string, so a
/// message that is not UTF-8 makes a line that is not valid JSON: it is named and rejected, not guessed.
/// kcat also writes `ts` whatever `tstype` says: a LogAppendTime comes back as a CreateTime.
enum KcatEnvelope {
    /// The record of a kcat line, or nil when `line` is not kcat-shaped (then it is kpull's envelope).
    static func decode(_ line: UnsafeRawBufferPointer) throws(EnvelopeError) -> EnvelopeRecord? {
        // Cheap test first: kpull's envelope lines never go further than this memmem.
        guard mentionsPayload(line) else { return nil }
        var payload: (Range<Int>, JSONKind)?
        var hasValue = false
        var key: (Range<Int>, JSONKind)?
        var ts: (Range<Int>, JSONKind)?
        var headers: (Range<Int>, JSONKind)?
        var partition: (Range<Int>, JSONKind)?
        do {
            try JSONScanner.scanObject(line) { name, value, kind in
                func named(_ n: StaticString) -> Bool { JSONScanner.nameEquals(line, name, n) }
                if named("payload") {
                    if payload == nil { payload = (value, kind) }
                } else if named("value") {
                    hasValue = true
                } else if named("key") {
                    if key == nil { key = (value, kind) }
                } else if named("ts") {
                    if ts == nil { ts = (value, kind) }
                } else if named("headers") {
                    if headers == nil { headers = (value, kind) }
                } else if named("partition") {
                    if partition == nil { partition = (value, kind) }
                }
            }
        } catch let error as JSONScanError where error.reason == .notAnObject {
            return nil  // Envelope.decode says what is wrong with it
        } catch let error as JSONScanError {
            throw EnvelopeError(error)
        } catch {
            throw EnvelopeError("\(error)")
        }
        guard let payload, !hasValue else { return nil }

        var record = EnvelopeRecord()
        switch payload.1 {
        case .string:
            record.value = JSONScanner.decodeStringToken(line, payload.0)
            record.valueToken = payload.0
        case .null: record.value = nil
        default: throw EnvelopeError("kcat line: member \"payload\" must be a string or null")
        }
        if let key {
            switch key.1 {
            case .string:
                record.key = JSONScanner.decodeStringToken(line, key.0)
                record.keyToken = key.0
            case .null: break
            default: throw EnvelopeError("kcat line: member \"key\" must be a string or null")
            }
        }
        if let ts, ts.1 != .null {
            guard ts.1 == .number, let t = integer(line, ts.0) else { throw EnvelopeError("kcat line: member \"ts\" must be an integer") }
            record.timestamp = t >= 0 ? t : nil
        }
        if let partition, partition.1 != .null {
            guard partition.1 == .number, let p = integer(line, partition.0), p >= -1, p <= Int64(Int32.max) else {
                throw EnvelopeError("kcat line: member \"partition\" must be an integer -1...2147483647")
            }
            record.partition = Int32(p)
        }
        if let headers, headers.1 != .null {
            guard headers.1 == .array else { throw EnvelopeError("kcat line: member \"headers\" must be an array") }
            record.headers = try flatHeaders(UnsafeRawBufferPointer(rebasing: line[headers.0]))
        }
        return record
    }

    /// The bytes `"payload"` occur somewhere in the line.
    private static func mentionsPayload(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let base = line.baseAddress else { return false }
        let word: StaticString = "payload\""
        var at = 0
        while at + 9 <= line.count, let q = memchr(base + at, 0x22, line.count - at - 8) {
            let next = base.distance(to: UnsafeRawPointer(q)) + 1
            if memcmp(base + next, word.utf8Start, 8) == 0 { return true }
            at = next
        }
        return false
    }

    /// `["name","value","name",null,...]`.
    private static func flatHeaders(_ array: UnsafeRawBufferPointer) throws(EnvelopeError) -> [EnvelopeHeader] {
        var result: [EnvelopeHeader] = []
        var name: String? = nil
        var index = 0
        do {
            var cursor = try JSONCursor(array, reportEntries: true)
            while let entry = try cursor.next() {
                if let n = name {
                    switch entry.kind {
                    case .string: result.append(EnvelopeHeader(key: n, value: JSONScanner.decodeStringToken(array, entry.value)))
                    case .null: result.append(EnvelopeHeader(key: n, value: nil))
                    default: throw EnvelopeError("kcat line: header \(index / 2) value must be a string or null")
                    }
                    name = nil
                } else {
                    guard entry.kind == .string else { throw EnvelopeError("kcat line: header \(index / 2) name must be a string") }
                    name = String(decoding: JSONScanner.decodeStringToken(array, entry.value), as: UTF8.self)
                }
                index += 1
            }
        } catch let error as EnvelopeError {
            throw error
        } catch let error as JSONScanError {
            throw EnvelopeError(error)
        } catch {
            throw EnvelopeError("\(error)")
        }
        if name != nil { throw EnvelopeError("kcat line: headers must come in name, value pairs") }
        return result
    }

    /// A JSON integer token (no fraction, no exponent).
    private static func integer(_ line: UnsafeRawBufferPointer, _ token: Range<Int>) -> Int64? {
        let text = UnsafeRawBufferPointer(rebasing: line[token])
        var negative = false
        var value: Int64 = 0
        for (i, b) in text.enumerated() {
            if i == 0, b == UInt8(ascii: "-") {
                negative = true
                continue
            }
            let digit = b &- 0x30
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            value = next
        }
        return negative ? -value : value
    }
}
