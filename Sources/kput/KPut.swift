import ArgumentParser
import KafkaFilters
import KafkaBinding
import KafkaCore

@main
struct KPut: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kput",
        abstract: "Produce JSON lines from stdin or files to a Kafka topic; every line is delivered or named.",
        discussion: """
            Each non-blank line must be one JSON document; its bytes become the message value unchanged. \
            A bad line is named on stderr (source:line: reason), kept in --rejects, and the rest still flows. \
            A line that could not be delivered is named the same way. Nothing is reported delivered that the \
            broker did not acknowledge. Exit status: 0 all delivered, 65 some lines bad, 75 some deliveries \
            failed, 69 no broker, 78 configuration, 130/143 stopped by SIGINT/SIGTERM (what was read is still \
            delivered or named; a second signal gives up at once and names what is left).

            Keys: -k NAME takes each line's top-level member NAME (a string's contents or a number's text); \
            a line without it is a bad line unless --missing-key null. --key VALUE gives every line the same \
            key. Keyed lines go where Java's producer puts them (murmur2, see PARTITIONS). -H KEY=VALUE adds \
            a header to every message (repeatable; with --envelope after the line's own). --timestamp-field \
            NAME takes the timestamp from that member: epoch milliseconds, or an RFC 3339 time with a zone; \
            a line without it is a bad line unless --missing-timestamp now. --rate N sends at most N lines a \
            second, exact over the run; reading waits with it, so nothing is read ahead. -X transactional.id \
            is refused (exit 78): kput does not support transactions.

            \(ProduceJob.memoryBound)
            """ + ManualText.kput,
        version: KafkaFiltersInfo.version)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

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

    @Option(help: ArgumentHelp("Give up on a message not acknowledged after this many seconds (exit 75).", valueName: "seconds"))
    var timeout: Double = 120

    @Option(help: ArgumentHelp("Longest accepted line in bytes; longer lines are rejected.", valueName: "bytes"))
    var maxLineBytes: Int = 1 << 20

    @Argument(help: ArgumentHelp("Input files; - is stdin (the default).", valueName: "file"), completion: .file())
    var files: [String] = []

    func validate() throws {
        if text && envelope { throw ValidationError("--text and --envelope cannot be used together") }
        if keepPartition && !envelope { throw ValidationError("--keep-partition needs --envelope") }
        try TopicName.validate(topic)
        if keyField != nil && envelope { throw ValidationError("--key-field cannot be used with --envelope (the envelope has the key)") }
        if keyField != nil && text { throw ValidationError("--key-field needs JSON lines, not --text") }
        if key != nil && keyField != nil { throw ValidationError("--key and --key-field cannot be used together") }
        if key != nil && envelope { throw ValidationError("--key cannot be used with --envelope (the envelope has the key)") }
        if timestampField != nil && (text || envelope) {
            throw ValidationError("--timestamp-field needs JSON lines, not --\(text ? "text" : "envelope")")
        }
        guard missingKey == "reject" || missingKey == "null" else { throw ValidationError("--missing-key must be reject or null") }
        guard missingTimestamp == "reject" || missingTimestamp == "now" else {
            throw ValidationError("--missing-timestamp must be reject or now")
        }
        if missingKey != "reject" && keyField == nil { throw ValidationError("--missing-key needs -k/--key-field") }
        if missingTimestamp != "reject" && timestampField == nil { throw ValidationError("--missing-timestamp needs --timestamp-field") }
        for h in header {
            guard let eq = h.firstIndex(of: "="), eq != h.startIndex else {
                throw ValidationError("--header needs KEY=VALUE (got \"\(h)\")")
            }
        }
        if let partitioner, !ProduceJob.partitioners.contains(partitioner) {
            throw ValidationError("--partitioner must be one of \(ProduceJob.partitioners.joined(separator: ", "))")
        }
        if let rate { guard rate >= 0.001, rate <= 10_000_000 else { throw ValidationError("--rate must be 0.001...10000000 lines per second") } }
        if let p = partition, p < 0 { throw ValidationError("--partition must be 0 or more") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
        guard maxLineBytes >= 16, maxLineBytes <= 1 << 30 else { throw ValidationError("--max-line-bytes must be 16...1073741824") }
    }

    func run() throws {
        Signals.install()
        try runTool { () throws(ToolFailure) in
            var settings = try connection.resolve(tool: "kput")
            if let compression { settings.set("compression.codec", compression) }
            do throws(ClientSetupError) { try settings.check() } catch { throw ToolFailure(error) }
            var job = ProduceJob(topic: topic)
            job.partition = partition
            job.keyField = keyField
            job.mode = envelope ? .envelope : text ? .text : .json
            job.keepPartition = keepPartition
            job.rejectsPath = rejects
            job.report = report
            job.sources = files.isEmpty ? ["-"] : files
            job.maxLineBytes = maxLineBytes
            job.deliveryTimeoutMs = Int32(timeout * 1000)
            job.constantKey = key.map { Array($0.utf8) }
            job.headers = header.compactMap { h in
                guard let eq = h.firstIndex(of: "=") else { return nil }  // validate() refused that
                return (String(h[..<eq]), Array(h[h.index(after: eq)...].utf8))
            }
            job.timestampField = timestampField
            job.nullKeyIfMissing = missingKey == "null"
            job.nowIfNoTimestamp = missingTimestamp == "now"
            job.partitioner = partitioner
            job.rate = rate
            return try ProducePipeline(job: job, settings: settings).run()
        }
    }
}
