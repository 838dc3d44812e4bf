import ArgumentParser
import KafkaFilters

@main
struct KMeta: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeta",
        abstract: "Tell what is on a cluster as JSON lines: topics, partitions, offsets, consumer lag, brokers, groups.",
        discussion: """
            kmeta asks the cluster one question and writes the answer on stdout, one JSON object per line, \
            for jq and scripts: kmeta SUBCOMMAND --help describes each. It only reads: it never joins a group, \
            commits an offset or creates a topic. Each request waits at most --connect-timeout. The connection \
            options (-b, -X, -F, --connect-timeout, -v, -q) go before or after the subcommand, with the same \
            meaning: kmeta -b host:9092 topics is kmeta topics -b host:9092.
            """ + ManualText.kmeta,
        version: KafkaFiltersInfo.version,
        subcommands: MetaCommands.all)

    /// Given before the subcommand; the subcommand sees the same values (see MetaCommands).
    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    /// `kmeta` alone is a usage error (64), like every tool run without what it needs.
    func run() throws {
        throw ValidationError("missing subcommand: topics, partitions, lag, offsets, brokers, groups or group")
    }
}
