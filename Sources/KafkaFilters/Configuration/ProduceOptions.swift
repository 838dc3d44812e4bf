import ArgumentParser
import KafkaBinding
import KafkaCore

/// kput's own options (the connection's are ConnectionOptions). Declared here, untitled, so kput's
/// --help, man page and completions list them as before; the rules they obey are ProduceArguments'.
package struct ProduceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Topic to produce to.", valueName: "name"))
    var topic: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Send every message to this partition.", valueName: "n"))
    var partition: Int32?

    @Option(name: [.customShort("k"), .customLong("key-field")], help: ArgumentHelp("Use this top-level field of each line as the key (a string or a number); a line without it is rejected (see --missing-key).", valueName: "name"))
    var keyField: String?

    @Option(name: .customLong("key"), help: ArgumentHelp("Use this constant key for every line.", valueName: "value"))
    var key: String?

    @Option(name: [.customShort("H"), .customLong("header")], help: ArgumentHelp("Add this header to every message (repeatable, in order; with --envelope after the line's own headers).", valueName: "key=value"))
    var header: [String] = []

    @Option(help: ArgumentHelp("Take each line's timestamp from this top-level field: epoch milliseconds, or an RFC 3339 time with a zone; a line without it is rejected (see --missing-timestamp).", valueName: "name"))
    var timestampField: String?

    @Option(help: ArgumentHelp("With -k, what a line without its key field gets: reject (the default: named, kept in --rejects, exit 65) or null (a null key).", valueName: "reject|null"))
    var missingKey: String = "reject"

    @Option(help: ArgumentHelp("With --timestamp-field, what a line without that field gets: reject (the default) or now (the producer's clock).", valueName: "reject|now"))
    var missingTimestamp: String = "reject"

    @Option(help: ArgumentHelp("How keyed lines choose their partition: murmur2_random (the default, as Java's producer), murmur2, consistent_random, consistent, fnv1a_random, fnv1a, random.", valueName: "name"))
    var partitioner: String?

    @Option(help: ArgumentHelp("Send at most this many lines per second (reading waits: nothing is read ahead).", valueName: "n"))
    var rate: Double?

    @Flag(help: "Send lines as they are, without JSON validation.")
    var text = false

    @Flag(help: "Each line is an envelope (as kpull writes): produce its key, headers, timestamp and value exactly.")
    var envelope = false

    @Flag(help: "With --envelope, honour each line's partition member.")
    var keepPartition = false

    @Option(name: [.customShort("z"), .customLong("compression")], help: ArgumentHelp("Compression codec: none, gzip, snappy, lz4, zstd.", valueName: "codec"))
    var compression: String?

    @Option(help: ArgumentHelp("Append bad and undelivered lines to this file.", valueName: "file"), completion: .file())
    var rejects: String?

    @Flag(help: ArgumentHelp(
        "Write one JSON line per acknowledged message to stdout: line, source, topic, partition, offset.",
        discussion: "offset is null when the broker acknowledged a retried message it already had without saying where (librdkafka 2.3 and later)."))
    var report = false

    @Option(help: ArgumentHelp(
        "Tell the reader listening at this socket (kpull/kstream --acks PATH) which input lines are done, so it commits a message only once its line is acknowledged here (or dropped by the filter); needs --envelope.",
        valueName: "path"), completion: .file())
    var acks: String?

    @Option(help: ArgumentHelp("Give up on a message not acknowledged after this many seconds (exit 75).", valueName: "seconds"))
    var timeout: Double = 120

    @Option(help: ArgumentHelp("Longest accepted line in bytes; longer lines are rejected.", valueName: "bytes"))
    var maxLineBytes: Int = 1 << 20

    @Option(help: ArgumentHelp(
        "Encode each line (with --envelope its value) with this schema registry schema: SUBJECT (its latest version), SUBJECT:VERSION, id:N, or @FILE.",
        discussion: "@FILE: an Avro schema (or a JSON Schema) file, looked up under TOPIC-value and registered there when missing. Needs --registry (or schema.registry.url). The value is 0x00, the schema id (4 bytes, big-endian) and the Avro binary (a JSON Schema: the JSON text, checked against it). A line that does not fit is a bad line (exit 65).",
        valueName: "spec"))
    var valueSchema: String?

    @Option(help: ArgumentHelp(
        "Encode each key (the -k field, or the envelope's key) with this schema: SUBJECT, SUBJECT:VERSION, id:N, or @FILE (under TOPIC-key).",
        valueName: "spec"))
    var keySchema: String?

    @Argument(help: ArgumentHelp("Input files; - is stdin (the default).", valueName: "file"), completion: .file())
    var files: [String] = []

    package init() {}

    /// The options as plain values, for the rules.
    var arguments: ProduceArguments {
        var a = ProduceArguments(topic: topic)
        a.partition = partition
        a.keyField = keyField
        a.key = key
        a.headers = header
        a.timestampField = timestampField
        a.missingKey = missingKey
        a.missingTimestamp = missingTimestamp
        a.partitioner = partitioner
        a.rate = rate
        a.text = text
        a.envelope = envelope
        a.keepPartition = keepPartition
        a.rejects = rejects
        a.report = report
        a.timeoutSeconds = timeout
        a.maxLineBytes = maxLineBytes
        a.files = files
        a.valueSchema = valueSchema
        a.keySchema = keySchema
        a.acks = acks
        return a
    }

    /// A contradiction among the options is one usage line and exit 64 (a bad topic name: one line, no usage).
    package func validate() throws {
        switch arguments.problem() {
        case nil: return
        case .usage(let message): throw ValidationError(message)
        case .topicName: try TopicName.validate(topic)
        }
    }

    /// kput's whole run: the settings with --compression, the job, the pipeline; the exit status.
    /// With a schema registry (`registry`), the schemas are resolved before any input is read.
    package func run(connection: ConnectionOptions, registry: RegistryOptions = RegistryOptions()) throws(ToolFailure) -> ExitStatus {
        try KPutCommandLine(connection: connection.arguments, registry: registry.arguments, produce: arguments, compression: compression).run()
    }
}

/// kput's command line as plain values: from the option groups (ArgumentParser), or read by
/// `QuickCommandLine.kput` without the parser.
package struct KPutCommandLine: Equatable, Sendable {
    package var connection: ConnectionArguments
    package var registry: RegistryArguments
    package var produce: ProduceArguments
    package var compression: String?

    /// kput's whole run: the settings with --compression, the job, the pipeline; the exit status.
    /// With a schema registry (`registry`), the schemas are resolved before any input is read.
    package func run() throws(ToolFailure) -> ExitStatus {
        var settings = try connection.resolve(tool: "kput")
        if let compression { settings.set("compression.codec", compression) }
        do throws(ClientSetupError) { try settings.check() } catch { throw ToolFailure(error) }
        let job = produce.job
        guard let encoder = try registry.produceEncoder(settings, job: job) else {
            return try ProducePipeline(job: job, settings: settings).run()
        }
        return try ProducePipeline(job: job, settings: settings, encoder: encoder).run()
    }
}
