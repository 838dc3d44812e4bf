import ArgumentParser
import KafkaFilters
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

    @OptionGroup(title: "Schema registry") var registry: RegistryOptions

    @OptionGroup var options: ProduceOptions

    func run() throws {
        Signals.install()
        try runTool { () throws(ToolFailure) in try options.run(connection: connection, registry: registry) }
    }

    /// The entry point: a plain command line (`kput -b B -t T ...`) is read by QuickCommandLine, which
    /// skips ArgumentParser's reflection at start (~6 ms of a one-line run); anything else (help, errors,
    /// `--opt=value` ...) goes to ArgumentParser as before. Both run the same `KPutCommandLine`.
    static func main() {
        guard let commandLine = QuickCommandLine.kput(CommandLine.arguments.dropFirst()) else { return main(nil) }
        Signals.install()
        do {
            try runTool { () throws(ToolFailure) in try commandLine.run() }
        } catch {
            exit(withError: error)
        }
    }
}
