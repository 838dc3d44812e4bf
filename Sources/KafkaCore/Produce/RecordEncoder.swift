/// Where in its input a line is, for an encoder's messages (`source:line: reason`, said by the ledger).
package struct LinePosition: Sendable, Equatable {
    /// The source's index in kput's file list (`ProduceJob.sources`).
    package var source: Int
    /// 1-based.
    package var line: Int

    package init(source: Int, line: Int) {
        self.source = source
        self.line = line
    }
}

/// The raw JSON a line's key and value came from, as it stands in the line (a string keeps its quotes):
/// `-k NAME`'s member and the whole line in kput's JSON mode; the envelope's `key` and `value` members
/// (kcat's `key` and `payload`) with --envelope; nothing with --text. Views into the line, valid only
/// during the call that receives them.
package struct LineMembers {
    package var line: UnsafeRawBufferPointer
    /// The key member's token, nil when the line has none.
    package var key: Range<Int>?
    /// The value's JSON, nil when the line has none (--text; a tombstone).
    package var value: Range<Int>?
    /// `--envelope`: the line's `key_schema_id` / `value_schema_id` (what kpull --registry writes), nil without.
    package var keySchemaID: Int32?
    package var valueSchemaID: Int32?

    package init(line: UnsafeRawBufferPointer, key: Range<Int>? = nil, value: Range<Int>? = nil,
                 keySchemaID: Int32? = nil, valueSchemaID: Int32? = nil) {
        self.line = line
        self.key = key
        self.value = value
        self.keySchemaID = keySchemaID
        self.valueSchemaID = valueSchemaID
    }

    package var keyJSON: UnsafeRawBufferPointer? { key.map { UnsafeRawBufferPointer(rebasing: line[$0]) } }
    package var valueJSON: UnsafeRawBufferPointer? { value.map { UnsafeRawBufferPointer(rebasing: line[$0]) } }
}

/// The one place kput turns a line's members into the key and value bytes it produces. The line
/// decoders (JSON, text, envelope) make a record from the line as the input mode says; the encoder
/// hands `send` the key and value to produce in its place (nil: the record's own). Today's behaviour is
/// `PlainRecordEncoder` (the bytes as decoded);
/// a schema-registry encoder (issue 22) re-encodes key and value from their raw JSON (Avro) and may
/// find the line bad.
package protocol RecordEncoder: AnyObject {
    /// Calls `send` (at most once) with the key and value to produce instead of the record's, each nil
    /// to keep the record's own (the bytes are valid during the call only), or returns why the line is
    /// bad (named as `source:line: reason`, kept in --rejects, exit 65) without calling it. The record
    /// itself is not copied: only the bytes that change are handed over.
    func encode(members: LineMembers, at position: LinePosition,
                send: (_ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?) -> Void) -> String?
    /// A failure that is not the line's fault and ends the run (a schema registry that stopped answering
    /// while a line's schema was fetched): once set, kput stops reading, settles what is in flight and
    /// exits with its status. Asked only after `encode` refused a line.
    var failure: ToolFailure? { get }
}

extension RecordEncoder {
    package var failure: ToolFailure? { nil }
}

/// Today's encoding: key and value exactly as the line decoder made them.
package final class PlainRecordEncoder: RecordEncoder {
    package init() {}

    package func encode(members: LineMembers, at position: LinePosition,
                        send: (_ key: UnsafeRawBufferPointer?, _ value: UnsafeRawBufferPointer?) -> Void) -> String? {
        send(nil, nil)
        return nil
    }
}
