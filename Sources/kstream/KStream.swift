import ArgumentParser
import KafkaFilters

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
            """ + ManualText.kstream,
        version: KafkaFiltersInfo.version)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Consuming") var consuming: ConsumerOptions

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
            var job = consuming.job(tool: "kstream", defaultFrom: .end)
            job.outputPath = output
            job.statsInterval = stats
            return try ConsumeSession(job: job, settings: settings, stop: Signals.stopToken).runStream()
        }
    }
}
