/// One record as a line decoder hands it over: views into the line (or into the decoder's scratch
/// space), valid only during the `send` call that receives it. Nothing here is copied per line.
package struct OutgoingRecord {
    package var key: UnsafeRawBufferPointer?
    package var value: UnsafeRawBufferPointer?
    /// Nil when none: an empty array would cost a retain and a release per line.
    package var headers: [OutgoingHeader]? = nil
    package var timestamp: Int64? = nil
    /// A partition the line itself asked for (`--envelope --keep-partition`); nil when it did not.
    package var partition: Int32? = nil
    /// Where the key and the value came from in the line, as raw JSON (RecordEncoder's `LineMembers`):
    /// nil when the line had no such member (--text, a null key, a tombstone).
    package var keyToken: Range<Int>? = nil
    package var valueToken: Range<Int>? = nil
    /// `--envelope`: the line's `key_schema_id` / `value_schema_id` members (LineMembers').
    package var keySchemaID: Int32? = nil
    package var valueSchemaID: Int32? = nil
    /// `--acks`: the source message the envelope line names (its topic, partition and offset members).
    package var source: EnvelopeSource? = nil
}

/// The message an envelope line came from, as kpull wrote it: what `--acks` reports done.
package struct EnvelopeSource: Equatable, Sendable {
    package var topic: String
    package var partition: Int32
    package var offset: Int64
    package init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// What a line decoder made of one line.
package enum LineVerdict: Equatable {
    /// The record was handed to `send`.
    case sent
    /// Sent, with a note for -v (why its key is null).
    case sentWithNote(String)
    /// Nothing to send (a blank line); not an error, not counted.
    case blank
    /// A bad line: named with this reason and kept in --rejects.
    case bad(String)
}

/// Spaces and tabs only (the line break is already gone).
@inline(__always)
func isBlankLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
    for b in bytes where b != 0x20 && b != 0x09 { return false }
    return true
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
