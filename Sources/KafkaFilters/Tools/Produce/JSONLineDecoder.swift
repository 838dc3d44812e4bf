#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// kput's default mode: each non-blank line must be one JSON document, sent as it is (the value is the
/// line's bytes). With `-k NAME` the line is validated and its key found in the same pass: the first
/// top-level member of that name decides; a string gives its decoded contents, a number its text.
struct JSONLineDecoder {
    /// `-k`: the key field's name as bytes, compared against member names without decoding them.
    private let keyField: [UInt8]?
    private let keyFieldName: String
    /// Say why a line got a null key (only at -v: the message is built only then).
    private let noteNullKeys: Bool

    init(keyField: String? = nil, noteNullKeys: Bool = false) {
        self.keyField = keyField.map { Array($0.utf8) }
        keyFieldName = keyField ?? ""
        self.noteNullKeys = noteNullKeys
    }

    func decode(_ line: UnsafeRawBufferPointer, send: (OutgoingRecord) -> Void) -> LineVerdict {
        if isBlankLine(line) { return .blank }
        guard let keyField else {
            if let error = JSONScanner.validate(line) { return .bad(error.description) }
            send(OutgoingRecord(key: nil, value: line))
            return .sent
        }
        return keyField.withUnsafeBufferPointer { decodeKeyed(line, keyField: $0, send: send) }
    }

    private func decodeKeyed(_ line: UnsafeRawBufferPointer, keyField: UnsafeBufferPointer<UInt8>,
                             send: (OutgoingRecord) -> Void) -> LineVerdict {
        var seen = false
        var keyRange: Range<Int>? = nil
        var keyIsString = false
        do {
            try JSONScanner.scanObject(line) { name, value, kind in
                guard !seen, name.count >= keyField.count, JSONScanner.nameEquals(line, name, keyField) else { return }
                seen = true
                if kind == .string || kind == .number {
                    keyRange = value
                    keyIsString = kind == .string
                }
            }
        } catch let error as JSONScanError where error.reason == .notAnObject {
            keyRange = nil  // valid JSON, just not an object: no key
        } catch {
            return .bad("\(error)")
        }
        guard let r = keyRange else {
            send(OutgoingRecord(key: nil, value: line))
            return noteNullKeys ? .sentWithNote("no string or number member \"\(keyFieldName)\"; null key") : .sent
        }
        if !keyIsString {
            send(OutgoingRecord(key: UnsafeRawBufferPointer(rebasing: line[r]), value: line))
        } else if memchr(line.baseAddress! + r.lowerBound + 1, 0x5C, r.count - 2) == nil {
            // No escapes: the key is the bytes between the quotes, taken in place.
            send(OutgoingRecord(key: UnsafeRawBufferPointer(rebasing: line[(r.lowerBound + 1)..<(r.upperBound - 1)]), value: line))
        } else {
            JSONScanner.decodeStringToken(line, r).withUnsafeBytes { key in
                send(OutgoingRecord(key: key, value: line))
            }
        }
        return .sent
    }
}
