/// How kput reads its input lines.
package enum InputMode: String, Sendable {
    /// Each line is one JSON document, sent as it is.
    case json
    /// Each line is sent as it is, unvalidated.
    case text
    /// Each line is an envelope (what kpull emits): key, headers, timestamp and value are produced exactly.
    case envelope
}

/// Everything kput was asked to do, as plain values (no librdkafka, no globals).
package struct ProduceJob: Sendable {
    package var topic: String
    package var partition: Int32?
    package var keyField: String?
    package var mode: InputMode = .json
    package var keepPartition = false
    package var rejectsPath: String?
    package var report = false
    package var sources: [String] = ["-"]
    package var maxLineBytes = LineReader.defaultMaxLineBytes
    package var deliveryTimeoutMs: Int32 = 120_000
    /// `--key`: one key for every line.
    package var constantKey: [UInt8]?
    /// `-H`: headers for every line (after an envelope line's own).
    package var headers: [(name: String, value: [UInt8])] = []
    /// `--timestamp-field`: the member holding each line's timestamp.
    package var timestampField: String?
    /// `--missing-key null`: a line without its key field gets a null key instead of being rejected.
    package var nullKeyIfMissing = false
    /// `--missing-timestamp now`: a line without its timestamp field is stamped now instead of rejected.
    package var nowIfNoTimestamp = false
    /// `--partitioner`: librdkafka's partitioner for keyed lines; nil: -X partitioner, else Java's murmur2.
    package var partitioner: String?
    /// `--rate`: at most this many messages a second.
    package var rate: Double?
    /// `--value-schema` / `--key-schema`: encode values / keys with a schema registry's schema (issue 22).
    package var valueSchema: SchemaSpec?
    package var keySchema: SchemaSpec?
    /// `--acks PATH`: the socket of the reader (kpull/kstream --acks) to tell which lines are done.
    package var acksPath: String?

    package init(topic: String) { self.topic = topic }

    /// Keyed lines land where Java's producer (and Kafka Streams, franz-go, ...) puts them: murmur2 of the
    /// key, positive, modulo the partition count. Keyless lines keep KeylessSpread's runs either way.
    static let defaultPartitioner = "murmur2_random"
    /// librdkafka's partitioners (CONFIGURATION.md, `partitioner`).
    package static let partitioners = ["murmur2_random", "murmur2", "consistent_random", "consistent", "fnv1a_random", "fnv1a", "random"]

    /// The local queue's bound; with the line buffer it bounds kput's memory whatever the input size.
    static let queueMaxMessages = 50_000
    static let queueMaxKBytes = 32_768

    /// librdkafka settings kput needs; the user's -X/-F still override each of them.
    package static let producerDefaults: [(String, String)] = [
        ("enable.idempotence", "true"),
        // A filter must not hold a gigabyte of input (librdkafka's default): a full queue is back-pressure.
        ("queue.buffering.max.messages", String(queueMaxMessages)),
        ("queue.buffering.max.kbytes", String(queueMaxKBytes)),
        ("linger.ms", "5"),
        ("partitioner", defaultPartitioner),
    ]

    /// One sentence for --help and the man page.
    package static let memoryBound =
        "Memory is bounded whatever the input size: at most \(queueMaxMessages) messages or \(queueMaxKBytes / 1024) MiB "
        + "wait in the local queue (-X queue.buffering.max.messages / queue.buffering.max.kbytes); when it is full, "
        + "kput waits for deliveries before reading on (never a drop). Add one --max-line-bytes line buffer; "
        + "with --envelope each queued line is also kept until acknowledged (to be named and kept if it fails)."
}
