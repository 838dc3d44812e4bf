/// The consumer's value-codec seam: how a message's key and value become envelope members. Every
/// consumed line goes through here (`Envelope.append`, `--format value`'s `appendValueLine`), so a codec
/// (a schema registry's Avro decoder, issue 22: `"value":{...}` and `"value_schema_id":N`) plugs in by
/// conforming and being handed to the sink as `MessageFields.decoded`. Today's behaviour is `PlainFields`.
package protocol MessageFieldDecoder {
    /// Called before each message's line is built (only on the codec path: the plain path never calls
    /// it), with its key (nil: none, or not written) and value (nil: a tombstone). Whatever can fail
    /// (a schema to fetch, a body that does not decode) fails here, so the caller stops before the
    /// message; the `append…` calls for that message follow only after it returned.
    func prepare(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) throws(ToolFailure)
    /// `,"key":…` for a message's key (not called for a message without one).
    func appendKeyMembers(_ key: UnsafeRawBufferPointer, to out: inout [UInt8])
    /// `,"value":…` plus whatever says how to read it back (`"value_encoding"`, a codec's schema id);
    /// not called for a tombstone.
    func appendValueMembers(_ value: UnsafeRawBufferPointer, to out: inout [UInt8])
    /// `--format value`: the value alone plus `"\n"`; throws, appending nothing, when it cannot be one
    /// line (nil: a tombstone).
    func appendValueLine(_ value: UnsafeRawBufferPointer?, to out: inout [UInt8]) throws(Envelope.ValueLineError)
}

extension MessageFieldDecoder {
    /// Nothing to prepare: the members are written from the bytes alone.
    package func prepare(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) throws(ToolFailure) {}
}

/// Today's fields, no codec: a key as a JSON string when it is UTF-8, else base64 with
/// `"key_encoding":"base64"`; a value embedded as is when it is one JSON document on one line, else a
/// string with `"value_encoding":"text"` (UTF-8) or `"base64"`.
package struct PlainFields: MessageFieldDecoder {
    package init() {}

    @inline(__always)
    package func appendKeyMembers(_ key: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        Envelope.appendLiteral(",\"key\":", to: &out)
        if JSONString.isValidUTF8(key) {
            JSONString.appendQuoted(key, to: &out)
        } else {
            Envelope.appendBase64String(key, to: &out)
            Envelope.appendLiteral(",\"key_encoding\":\"base64\"", to: &out)
        }
    }

    @inline(__always)
    package func appendValueMembers(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        switch Envelope.classify(value) {
        case .json:
            Envelope.appendLiteral(",\"value\":", to: &out)
            if let base = value.baseAddress {
                out.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: value.count))
            }
        case .text:
            Envelope.appendLiteral(",\"value_encoding\":\"text\",\"value\":", to: &out)
            JSONString.appendQuoted(value, to: &out)
        case .binary:
            Envelope.appendLiteral(",\"value_encoding\":\"base64\",\"value\":", to: &out)
            Envelope.appendBase64String(value, to: &out)
        }
    }

    /// Any valid UTF-8 without `\n`/`\r` (which includes every single-line JSON document) is written as
    /// is; tombstones and values that would not be exactly one line throw.
    @inline(__always)
    package func appendValueLine(_ value: UnsafeRawBufferPointer?, to out: inout [UInt8]) throws(Envelope.ValueLineError) {
        guard let value else { throw .tombstone }
        if let base = value.baseAddress, value.count > 0 {
            let p = base.assumingMemoryBound(to: UInt8.self)
            guard !Envelope.containsLineBreak(p, value.count), JSONString.isValidUTF8(value) else { throw .notOneLine }
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: value.count))
        }
        out.append(UInt8(ascii: "\n"))
    }
}

/// Which fields a consumer writes: today's plain ones (the hot path: called directly, no dynamic
/// dispatch), or a codec's.
package enum MessageFields {
    case plain
    case decoded(any MessageFieldDecoder)
}
