import ArgumentParser
import KafkaFilters
import KafkaCore

@main
struct KPull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpull",
        abstract: "Pull messages from a consumer group as JSON lines; commit each only after its line is written.",
        discussion: """
            kpull writes one line per message to stdout and commits a message's offset only after its line \
            has been written out. With -e it drains what is there and exits: the tool for cron jobs. \
            Default group: kpull.<topic>; default start for a new group: --from beginning.

            Where to read: -o/--from POS is beginning, end, N (an offset; past the end it is the end), -N \
            (the last N of each partition), @TIME (epoch ms, RFC 3339 with a zone, a date at local midnight, \
            or a time ago such as @-1h; where the cluster finds no message at or after it, the read starts \
            at the end), or P:POS,... per partition. With a group it applies only to partitions the group \
            has no committed offset for; --seek applies it to every partition once per run and commits from \
            there (a replay, or a skip ahead). --until POS stops each partition before POS (end, an offset, \
            or @TIME judged by the messages' own timestamps) or at its end as of the start, whichever comes \
            first; it implies -e. -p N[,N...] reads only those partitions; without -g it reads them without \
            a group, as --no-group does: no join, no commit, no offsets left behind. A topic starting with ^ \
            is a pattern, matched by the group's subscription.

            Transactional topics: kpull reads committed data only (librdkafka's default \
            isolation.level=read_committed): it does not read past a transaction still open, and skips \
            aborted messages. Transaction markers take offsets but are never lines, so offsets can have \
            gaps; -e, --until and -o -N count offsets, markers included. -X isolation.level=read_uncommitted \
            reads everything, aborted messages too.
            """ + ManualText.kpull,
        version: KafkaFiltersInfo.version)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Consuming") var consuming: ConsumerOptions
    @OptionGroup(title: "Schema registry") var registry: RegistryOptions

    @Option(name: [.customShort("o"), .customLong("from")], parsing: .unconditional, help: ConsumerOptions.fromHelp)
    var from: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Stop each partition before POS: end (as -e), N (an offset), or @TIME (its first message stamped at or past TIME); implies -e.",
            valueName: "pos"))
    var until: String?

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
            var job = try consuming.job(tool: "kpull", defaultFrom: .beginning, from: from, until: until)
            job.count = count
            job.exitAtEnd = job.exitAtEnd || exitAtEnd
            if !job.groupless { job.commit = .explicit(commit) }
            job.signalIsExitStatus = true
            job.summary = true
            job.commitTimeoutMs = UInt64(commitTimeout * 1000)
            let fields = try registry.fields(settings)
            return try ConsumeSession(job: job, settings: settings, stop: .signals, fields: fields).runPull()
        }
    }
}
