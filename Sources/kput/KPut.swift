import ArgumentParser
import KafkaFilters

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

            \(ProduceJob.memoryBound)
            """ + ManualText.kput,
        version: KafkaFiltersInfo.version)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Topic to produce to.", valueName: "name"))
    var topic: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Send every message to this partition.", valueName: "n"))
    var partition: Int32?

    @Option(name: [.customShort("k"), .customLong("key-field")], help: ArgumentHelp("Use this top-level field of each line as the key.", valueName: "name"))
    var keyField: String?

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

    @Flag(help: "Write one JSON line per acknowledged message to stdout: line, source, topic, partition, offset.")
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
        if keyField != nil && envelope { throw ValidationError("--key-field cannot be used with --envelope (the envelope has the key)") }
        if keyField != nil && text { throw ValidationError("--key-field needs JSON lines, not --text") }
        if let p = partition, p < 0 { throw ValidationError("--partition must be 0 or more") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
        guard maxLineBytes >= 16, maxLineBytes <= 1 << 30 else { throw ValidationError("--max-line-bytes must be 16...1073741824") }
        if topic.isEmpty { throw ValidationError("empty topic name") }
    }

    func run() throws {
        Signals.install()
        try runTool { () throws(ToolFailure) in
            var settings = try connection.resolve(tool: "kput")
            if let compression { settings.set("compression.codec", compression) }
            try settings.check()
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
            return try ProducePipeline(job: job, settings: settings).run()
        }
    }
}
