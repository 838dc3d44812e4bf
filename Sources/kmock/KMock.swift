import ArgumentParser
import KafkaFilters
import KafkaCore

@main
struct KMock: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmock",
        abstract: "Run a local in-memory Kafka cluster (librdkafka's mock cluster) for demos and tests.",
        discussion: """
            The first line on stdout is the bootstrap list (127.0.0.1:PORT,...), so B=$(kmock | head -1) works \
            (keep kmock running: use --env-file or a fifo in scripts). Fault commands are read from stdin, \
            one a line, each answered with "ok" or "error: ..." (see FAULT COMMANDS below). \
            The mock keeps about 5 MiB per partition and waits the whole fetch.wait.max.ms when idle: \
            give consumers -X fetch.wait.max.ms=10 for low latency. Runs until SIGINT or SIGTERM.
            """ + ManualText.kmock,
        version: KafkaFiltersInfo.version)

    @Option(name: .long, help: "Number of brokers.")
    var brokers: Int = 3

    @Option(name: .long, help: ArgumentHelp("Create a topic before clients connect (repeatable).", valueName: "name[:partitions]"))
    var topic: [String] = []

    @Option(name: .long, help: ArgumentHelp("Also write KAFKA_BROKERS=<list> to this file.", valueName: "file"), completion: .file())
    var envFile: String?

    @Flag(name: .shortAndLong, help: "Show librdkafka's log lines.")
    var verbose = false

    func validate() throws {
        guard (1...32).contains(brokers) else { throw ValidationError("--brokers must be 1...32") }
        for t in topic { _ = try MockTopicSpec(t) }
    }

    func run() throws {
        Diagnostics.configure(tool: "kmock", level: verbose ? .verbose : .normal)
        Signals.install()
        let topics = try topic.map { try MockTopicSpec($0) }
        try runTool { () throws(ToolFailure) in try runMock(brokers: brokers, topics: topics, envFile: envFile) }
    }
}
