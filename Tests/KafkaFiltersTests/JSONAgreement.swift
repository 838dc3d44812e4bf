// Shared by JSONDifferentialTests and the libFuzzer target (Tests/fuzz/JSONFuzzTarget.swift, which
// Scripts/fuzz-libfuzzer.sh compiles together with this file and the library's sources, in one module).
#if canImport(KafkaCore)
@testable import KafkaCore
#endif

/// What every entry point of the one JSON grammar owes the others, checked on one input:
/// - kput (`JSONScanner.validate`, the validating walk) and kput -k (`scanObject`, the reporting walk)
///   give the same verdict, and on invalid input the same error (offset and reason): a line kput
///   accepts, kput -k accepts (valid JSON that is not an object is `.notAnObject`, a null key);
/// - the reporting cursor on its own (the envelope reader's walk) agrees with both; each entry it
///   reports is itself a valid document of the kind reported, and the name range sits between quotes;
/// - an envelope the reader accepts is valid JSON;
/// - the token fast paths (`scanPlainString`, `scanPlainNumber`) answer only where the full scanners
///   give the same end.
/// Returns nil, or a description of the first disagreement.
enum JSONAgreement {
    static func check(_ bytes: UnsafeRawBufferPointer) -> String? {
        let verdict = JSONScanner.validate(bytes)

        // kput -k: scanObject.
        var members: [JSONEntry] = []
        var scanError: JSONScanError?
        do {
            try JSONScanner.scanObject(bytes) { name, value, kind in members.append(JSONEntry(name: name, value: value, kind: kind)) }
        } catch let error as JSONScanError {
            scanError = error
        } catch {
            return "scanObject threw \(error), not a JSONScanError"
        }
        if let scanError, scanError.reason == .notAnObject {
            guard verdict == nil else { return "scanObject says valid (not an object), validate says \(verdict!)" }
        } else if scanError != verdict {
            return "validate says \(verdict.map { "\($0)" } ?? "valid"), scanObject says \(scanError.map { "\($0)" } ?? "valid")"
        }

        // The reporting cursor as the envelope reader drives it.
        var entries: [JSONEntry] = []
        var cursorError: JSONScanError?
        var topKind: JSONKind?
        do throws(JSONScanError) {
            var cursor = try JSONCursor(bytes, reportEntries: true)
            topKind = cursor.topKind
            while let entry = try cursor.next() { entries.append(entry) }
        } catch {
            cursorError = error
        }
        guard cursorError == verdict else {
            return "validate says \(verdict.map { "\($0)" } ?? "valid"), the reporting cursor says \(cursorError.map { "\($0)" } ?? "valid")"
        }
        if verdict == nil {
            if topKind == .object {
                guard entries.map(\.value) == members.map(\.value), entries.map(\.name) == members.map(\.name) else {
                    return "scanObject and the cursor report different members"
                }
            } else if topKind != .array, !entries.isEmpty {
                return "the cursor reported entries of a \(String(describing: topKind))"
            }
            for entry in entries {
                guard entry.value.lowerBound >= 0, entry.value.upperBound <= bytes.count, !entry.value.isEmpty else {
                    return "entry value range \(entry.value) outside the input"
                }
                let value = UnsafeRawBufferPointer(rebasing: bytes[entry.value])
                if let error = JSONScanner.validate(value) { return "entry \(entry.value) is not valid on its own: \(error)" }
                guard JSONCursor.kind(of: value[0]) == entry.kind else { return "entry \(entry.value) kind \(entry.kind)" }
                if topKind == .object {
                    guard entry.name.lowerBound >= 1, entry.name.upperBound < bytes.count,
                          bytes[entry.name.lowerBound - 1] == UInt8(ascii: "\""), bytes[entry.name.upperBound] == UInt8(ascii: "\"")
                    else { return "member name range \(entry.name) is not between quotes" }
                }
            }
        }

        // kput --envelope: what the reader accepts is valid JSON.
        if verdict != nil, (try? Envelope.decode(bytes)) != nil { return "Envelope.decode accepted invalid JSON (\(verdict!))" }

        return tokenFastPathsAgree(bytes)
    }

    /// At (up to 64) token starts: where a fast path gives an end, the full scanner gives the same one.
    static func tokenFastPathsAgree(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = bytes.count
        var tried = 0
        for start in 0..<n where tried < 64 {
            let b = p[start]
            if b == UInt8(ascii: "\"") {
                tried += 1
                let fast = JSONCursor.scanPlainString(p, start + 1, n)
                let full = try? JSONCursor.scanString(p, start + 1, n)
                if fast >= 0, full != fast { return "string at \(start): fast path ends at \(fast), full scanner \(String(describing: full))" }
                if fast < 0, ~fast < start + 1 || ~fast > n { return "string at \(start): fast path handed over at \(~fast)" }
            } else if b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) {
                tried += 1
                let fast = JSONCursor.scanPlainNumber(p, start, n)
                let full = try? JSONCursor.scanNumber(p, start, n)
                if fast >= 0, full != fast { return "number at \(start): fast path ends at \(fast), full scanner \(String(describing: full))" }
            }
        }
        return nil
    }
}
