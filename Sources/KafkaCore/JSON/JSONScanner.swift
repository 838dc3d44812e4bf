/// Strict RFC 8259 validation of UTF-8 JSON, in one pass and without allocating.
///
/// Beyond the RFC grammar it enforces what a strict, interoperable reader must:
/// - UTF-8 inside strings is validated (overlongs, encoded surrogates, > U+10FFFF and truncated
///   sequences are errors); outside strings only ASCII is allowed, so a byte order mark is rejected.
/// - `\u` escapes must not leave a UTF-16 surrogate unpaired.
/// - Nesting is limited to `maxDepth`.
/// - Numbers whose magnitude rounds to infinity as a binary64 (e.g. `1e400`) are rejected
///   (RFC 8259 §6 allows range limits; see `JSONNumberRange`).
///
/// These choices make the verdict identical to Foundation's `JSONSerialization` on Linux, except
/// where Foundation deviates from the RFC: it accepts trailing commas (`[1,]`) and transcodes
/// UTF-16/UTF-32 or BOM-prefixed input; this scanner rejects both.
enum JSONScanner {
    /// Maximum nesting of arrays and objects: 512, exactly what `JSONSerialization` accepts
    /// (probed on this toolchain: 512 nested `[` parse, 513 throw "Too many nested arrays or dictionaries").
    static let maxDepth: Int = 512

    /// nil when `bytes` is exactly one JSON document (any top-level value; insignificant whitespace
    /// allowed around it), otherwise where and why it is not.
    static func validate(_ bytes: UnsafeRawBufferPointer) -> JSONScanError? {
        validate(bytes, maxDepth: maxDepth)
    }

    /// As `validate(_:)` with a lower nesting limit (clamped to 1...512). The envelope writer uses
    /// `maxDepth - 1` so an embedded value still fits once wrapped in the envelope object.
    static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) -> JSONScanError? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return JSONScanError(offset: 0, reason: .empty) }
        do throws(JSONScanError) {
            try JSONCursor.validate(base.assumingMemoryBound(to: UInt8.self), bytes.count, depthLimit: maxDepth)
            return nil
        } catch {
            return error
        }
    }

    /// Validates like `validate` and, when the top-level value is an object, calls `member` once per
    /// top-level member in document order with:
    /// - `name`: the byte range of the member name's raw content, between the quotes, escapes NOT
    ///   decoded (decode with `decodeStringContent` or compare with `nameEquals`);
    /// - `value`: the exact byte range of the value token, first to last byte, no surrounding whitespace
    ///   (a string value's range includes its quotes: decode with `decodeStringToken`);
    /// - `kind`: the value's kind.
    /// Duplicate names are reported as they come.
    ///
    /// Validation and reporting happen in the same pass, so when the document turns out invalid after
    /// some members were reported, the error is thrown after those calls: discard partial results on
    /// error. Throws `JSONScanError` (reason `.notAnObject` when the document is valid but not an
    /// object, with no `member` calls) or whatever `member` throws.
    static func scanObject(
        _ bytes: UnsafeRawBufferPointer,
        member: (_ name: Range<Int>, _ value: Range<Int>, _ kind: JSONKind) throws -> Void
    ) throws {
        var cursor = try JSONCursor(bytes, reportEntries: true)
        if cursor.topKind != .object {
            while try cursor.next() != nil {}
            let start = JSONCursor.skipWhitespace(bytes.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self),
                                                  0, bytes.count)
            throw JSONScanError(offset: start, reason: .notAnObject)
        }
        while let entry = try cursor.next() {
            try member(entry.name, entry.value, entry.kind)
        }
    }
}
