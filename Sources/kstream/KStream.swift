import ArgumentParser
import KafkaFilters
import KafkaCore

@main
struct KStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kstream",
        abstract: "Tail topics into stdout or a log file as JSON lines, auto-committing only what was written.",
        discussion: """
            kstream hands each message to the output as it arrives and lets librdkafka auto-commit the \
            offsets of lines already written. With -o it appends to a file and reopens it on SIGHUP \
            (logrotate's postrotate). SIGINT/SIGTERM flush, commit, leave the group and exit 0. \
            Default group: kstream.<topic>; default start for a new group: --from end.

            Where to read: --from POS is beginning, end, N (an offset), -N (the last N of each partition), \
            @TIME (epoch ms, RFC 3339 with a zone, a date at local midnight, or a time ago such as @-1h), or \
            P:POS,... per partition. With a group it applies only to partitions the group has no committed \
            offset for; --seek applies it to every partition once per run. -p N[,N...] tails only those \
            partitions; without -g it tails them without a group, as --no-group does: no join, no commit, no \
            offsets left behind. A topic starting with ^ is a pattern, matched by the group's subscription. \
            (-o is --output here, as before; kpull's -o is --from.)

            Transactional topics: kstream reads committed data only (librdkafka's default \
            isolation.level=read_committed): it waits at a transaction still open and skips aborted \
            messages. Transaction markers take offsets but are never lines. -X \
            isolation.level=read_uncommitted reads everything, aborted messages too.
            """ + ManualText.kstream,
        version: KafkaFiltersInfo.version)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Consuming") var consuming: ConsumerOptions
    @OptionGroup(title: "Schema registry") var registry: RegistryOptions

    @Option(name: .customLong("from"), parsing: .unconditional, help: ConsumerOptions.fromHelp)
    var from: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Append lines to this file (reopened on SIGHUP).", valueName: "file"), completion: .file())
    var output: String?

    @Option(help: ArgumentHelp("Print a one-line summary to stderr every N seconds.", valueName: "seconds"))
    var stats: Double?

    func validate() throws {
        if let stats, stats <= 0 { throw ValidationError("--stats must be positive") }
    }

    func run() throws {
        Signals.install(handleHangup: true)
        try runTool { () throws(ToolFailure) in
            let settings = try connection.resolve(tool: "kstream")
            var job = try consuming.job(tool: "kstream", defaultFrom: .end, from: from)
            job.outputPath = output
            job.statsInterval = stats
            let fields = try registry.fields(settings)
            return try ConsumeSession(job: job, settings: settings, stop: .signals, fields: fields).runStream()
        }
    }
}
