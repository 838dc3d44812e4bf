#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// kput's default mode: each non-blank line must be one JSON document, sent as it is (the value is the
/// line's bytes). With `-k NAME` and/or `--timestamp-field NAME` the line is validated and those fields
/// found in the same pass; the first top-level member of each name decides.
///
/// - key field: a string gives its decoded contents, a number its text. No such member (or one that is
///   null, an object, an array or a boolean, or a line that is not an object) is a bad line, unless
///   `nullKeyIfMissing` (`--missing-key null`): then a null key.
/// - timestamp field: a JSON integer (milliseconds since the epoch, ≥ 0) or a string holding epoch ms or
///   an RFC 3339 time with a zone (`TimeSpec.parseTimestamp`). Missing is a bad line unless
///   `nowIfNoTimestamp` (`--missing-timestamp now`: the producer's clock); present but unreadable is
///   always a bad line.
package struct JSONLineDecoder {
    /// `-k`: the key field's name as bytes, compared against member names without decoding them.
    private let keyField: [UInt8]?
    private let keyFieldName: String
    private let timestampField: [UInt8]?
    private let timestampFieldName: String
    private let nullKeyIfMissing: Bool
    private let nowIfNoTimestamp: Bool
    /// Say why a line got a null key (only at -v: the message is built only then).
    private let noteNullKeys: Bool
    /// Neither field asked for: validate only (tested first, touching no reference-counted member).
    private let validateOnly: Bool
    /// `--key-schema`: the key field may be any JSON but null (an object for a record key, a boolean):
    /// the key's schema encodes its JSON, so such a key is handed over as its JSON text.
    private let keyAnyJSON: Bool
    /// False when every line's value is checked by its encoder anyway (`--value-schema`: the Avro encoder
    /// and the JSON Schema framing validate the JSON they read): without -k or --timestamp-field the
    /// line is then not scanned twice.
    private let validates: Bool

    package init(keyField: String? = nil, timestampField: String? = nil, nullKeyIfMissing: Bool = false,
         nowIfNoTimestamp: Bool = false, noteNullKeys: Bool = false, keyAnyJSON: Bool = false, validates: Bool = true) {
        self.keyAnyJSON = keyAnyJSON
        self.validates = validates
        self.keyField = keyField.map { Array($0.utf8) }
        keyFieldName = keyField ?? ""
        self.timestampField = timestampField.map { Array($0.utf8) }
        timestampFieldName = timestampField ?? ""
        self.nullKeyIfMissing = nullKeyIfMissing
        self.nowIfNoTimestamp = nowIfNoTimestamp
        self.noteNullKeys = noteNullKeys
        validateOnly = keyField == nil && timestampField == nil
    }

    package func decode(_ line: UnsafeRawBufferPointer, send: (OutgoingRecord) -> Void) -> LineVerdict {
        if isBlankLine(line) { return .blank }
        if validateOnly {
            if validates, let error = JSONScanner.validate(line) { return .bad(error.description) }
            send(OutgoingRecord(key: nil, value: line, valueToken: 0..<line.count))
            return .sent
        }
        let empty: [UInt8] = []
        return (keyField ?? empty).withUnsafeBufferPointer { key in
            (timestampField ?? empty).withUnsafeBufferPointer { ts in
                decodeFields(line, keyField: keyField == nil ? nil : key, timestampField: timestampField == nil ? nil : ts,
                             send: send)
            }
        }
    }

    private struct Found {
        var seen = false
        var range: Range<Int>? = nil
        var kind = JSONKind.null
    }

    private func decodeFields(_ line: UnsafeRawBufferPointer, keyField: UnsafeBufferPointer<UInt8>?,
                              timestampField: UnsafeBufferPointer<UInt8>?, send: (OutgoingRecord) -> Void) -> LineVerdict {
        var key = Found()
        var ts = Found()
        do {
            try JSONScanner.scanObject(line) { name, value, kind in
                if let field = keyField, !key.seen, name.count >= field.count, JSONScanner.nameEquals(line, name, field) {
                    key = Found(seen: true, range: value, kind: kind)
                }
                if let field = timestampField, !ts.seen, name.count >= field.count, JSONScanner.nameEquals(line, name, field) {
                    ts = Found(seen: true, range: value, kind: kind)
                }
            }
        } catch let error as JSONScanError where error.reason == .notAnObject {
            // Valid JSON, just not an object: it has neither field.
        } catch {
            return .bad("\(error)")
        }

        var timestamp: Int64? = nil
        if timestampField != nil {
            if let r = ts.range, ts.kind == .number || ts.kind == .string {
                guard let t = Self.timestamp(line, r, isString: ts.kind == .string) else {
                    return .bad("member \"\(timestampFieldName)\" is not a timestamp (epoch milliseconds or RFC 3339 with a zone)")
                }
                timestamp = t
            } else if !nowIfNoTimestamp {
                return .bad("no timestamp: no member \"\(timestampFieldName)\" (--missing-timestamp now sends such lines stamped now)")
            }
        }

        guard keyField != nil else {
            send(OutgoingRecord(key: nil, value: line, timestamp: timestamp, valueToken: 0..<line.count))
            return .sent
        }
        guard let r = key.range, key.kind == .string || key.kind == .number || (keyAnyJSON && key.kind != .null) else {
            guard nullKeyIfMissing else {
                return .bad("no key: no string or number member \"\(keyFieldName)\" (--missing-key null sends such lines with a null key)")
            }
            send(OutgoingRecord(key: nil, value: line, timestamp: timestamp, valueToken: 0..<line.count))
            return noteNullKeys ? .sentWithNote("no string or number member \"\(keyFieldName)\"; null key") : .sent
        }
        if key.kind != .string {
            send(OutgoingRecord(key: UnsafeRawBufferPointer(rebasing: line[r]), value: line, timestamp: timestamp,
                                keyToken: r, valueToken: 0..<line.count))
        } else if memchr(line.baseAddress! + r.lowerBound + 1, 0x5C, r.count - 2) == nil {
            // No escapes: the key is the bytes between the quotes, taken in place.
            send(OutgoingRecord(key: UnsafeRawBufferPointer(rebasing: line[(r.lowerBound + 1)..<(r.upperBound - 1)]), value: line,
                                timestamp: timestamp, keyToken: r, valueToken: 0..<line.count))
        } else {
            JSONScanner.decodeStringToken(line, r).withUnsafeBytes { key in
                send(OutgoingRecord(key: key, value: line, timestamp: timestamp, keyToken: r, valueToken: 0..<line.count))
            }
        }
        return .sent
    }

    /// A timestamp member's value: a JSON integer of epoch milliseconds, or a string with epoch ms or
    /// an RFC 3339 time with a zone. Nil when it is neither (or negative).
    static func timestamp(_ line: UnsafeRawBufferPointer, _ token: Range<Int>, isString: Bool) -> Int64? {
        if isString {
            let text = String(decoding: JSONScanner.decodeStringToken(line, token), as: UTF8.self)
            guard let ms = TimeSpec.parseTimestamp(text), ms >= 0 else { return nil }
            return ms
        }
        var value: Int64 = 0
        for b in UnsafeRawBufferPointer(rebasing: line[token]) {
            let digit = b &- 0x30
            guard digit < 10 else { return nil }  // a sign, a fraction or an exponent: not epoch ms
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            value = next
        }
        return value
    }
}
