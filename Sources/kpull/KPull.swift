import ArgumentParser
import KafkaFilters

@main
struct KPull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpull",
        abstract: "Pull messages from a consumer group as JSON lines; commit each only after its line is written.",
        discussion: """
            kpull writes one line per message to stdout and commits a message's offset only after its line \
            has been written out. With -e it drains what is there and exits: the tool for cron jobs. \
            Default group: kpull.<topic>; default start for a new group: --from beginning.
            """ + ManualText.kpull,
        version: KafkaFiltersInfo.version)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Consuming") var consuming: ConsumerOptions

    @Option(name: [.customShort("n"), .customLong("count")], help: ArgumentHelp("Exit after N messages are written and committed.", valueName: "n"))
    var count: Int?

    @Flag(name: [.short, .customLong("exit-at-end")], help: "Exit when every assigned partition is read up to its end as of the start.")
    var exitAtEnd = false

    @Option(help: ArgumentHelp("async: one commit in flight carrying all written offsets; sync: one round trip per message.", valueName: "mode"))
    var commit: CommitMode = .async

    @Option(help: ArgumentHelp("Exit 75 when commits keep failing for this long; meanwhile at most 10000 lines are written beyond the last commit.", valueName: "seconds"))
    var commitTimeout: Double = 60

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
        guard commitTimeout > 0, commitTimeout <= 86_400 else { throw ValidationError("--commit-timeout must be between 0 and 86400 seconds") }
    }

    func run() throws {
        Signals.install()
        try runTool { () throws(ToolFailure) in
            let settings = try connection.resolve(tool: "kpull")
            var job = consuming.job(tool: "kpull", defaultFrom: .beginning)
            job.count = count
            job.exitAtEnd = exitAtEnd
            job.commit = .explicit(commit)
            job.commitTimeoutMs = UInt64(commitTimeout * 1000)
            return try ConsumeSession(job: job, settings: settings, stop: Signals.stopToken).runPull()
        }
    }
}
