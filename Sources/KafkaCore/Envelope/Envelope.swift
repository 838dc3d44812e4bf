/// The JSON-lines envelope shared by `kput --envelope` (reading) and `kpull`/`kstream` (writing):
///
///     {"topic":"t","partition":0,"offset":42,"timestamp":1700000000000,"key":"k",
///      "headers":[{"key":"h","value":"v"}],"value":<V>}
///
/// Member order when writing: topic, partition, offset, timestamp, key (+ key_encoding when base64),
/// headers (omitted when empty), value_encoding (when the value is not raw JSON), value last.
///
/// - value: embedded verbatim when the payload is one JSON document on one line with no surrounding
///   whitespace (and is not the literal `null`, see below); otherwise a JSON string with
///   `"value_encoding":"text"` when it is valid UTF-8; otherwise base64 with
///   `"value_encoding":"base64"`. A tombstone (null payload) has no `value` member. The payload `null`
///   is written as text so that `"value":null` and an absent value both mean tombstone.
/// - key: absent when null; a string when valid UTF-8, else base64 with `"key_encoding":"base64"`.
/// - headers: in order, duplicates kept: `{"key":"name","value":"v"}`, `"value":null` for a null value,
///   base64 plus `"encoding":"base64"` for a non-UTF-8 value.
/// - timestamp: milliseconds since the epoch, omitted when unknown (nil or negative).
///
/// The contract: for any key, value and header bytes, `decode(append(...))` gives them back exactly.
package enum Envelope {
    /// `kpull --format`: the full envelope, or the value alone.
    package enum Format: Sendable {
        case envelope, value
    }

    /// Why a message cannot be written with `--format value`.
    package enum ValueLineError: Error, Sendable, Equatable {
        /// Binary, or text containing `\n` or `\r`: it would not be exactly one line.
        case notOneLine
        /// The message has no value.
        case tombstone
    }
}

/// A record header. Kafka header names are strings; librdkafka allows arbitrary bytes, so the
/// binding should build `key` with `String(decoding:as:)`, which replaces invalid UTF-8 by U+FFFD
/// and thus can never produce invalid JSON.
package struct EnvelopeHeader: Sendable, Equatable {
    var key: String
    var value: [UInt8]?

    package init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// One decoded envelope line. Fields absent from the line are nil (headers empty).
struct EnvelopeRecord: Sendable, Equatable {
    var topic: String?
    var partition: Int32?
    var offset: Int64?
    var timestamp: Int64?
    var key: [UInt8]?
    /// nil for a tombstone.
    var value: [UInt8]?
    var headers: [EnvelopeHeader]
    /// Where the key and value members stood in the line (raw JSON tokens, for kput's RecordEncoder);
    /// not part of the record's value (==).
    var keyToken: Range<Int>?
    var valueToken: Range<Int>?
    /// `key_schema_id` / `value_schema_id`: the registry's ids of the schemas the key and value were
    /// written with (kpull --registry); kput --envelope --registry encodes with them.
    var keySchemaID: Int32?
    var valueSchemaID: Int32?

    init(topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil, timestamp: Int64? = nil,
                key: [UInt8]? = nil, value: [UInt8]? = nil, headers: [EnvelopeHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}

extension EnvelopeRecord {
    static func == (a: EnvelopeRecord, b: EnvelopeRecord) -> Bool {
        a.topic == b.topic && a.partition == b.partition && a.offset == b.offset && a.timestamp == b.timestamp
            && a.key == b.key && a.value == b.value && a.headers == b.headers
            && a.keySchemaID == b.keySchemaID && a.valueSchemaID == b.valueSchemaID
    }
}

/// A line that is not a valid envelope. The text names the member at fault and never quotes
/// more than a short, sanitised excerpt of the input.
struct EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }

    init(_ scanError: JSONScanError) {
        self.description = scanError.description
    }
}
