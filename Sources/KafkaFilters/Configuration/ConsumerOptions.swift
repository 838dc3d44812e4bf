import ArgumentParser

extension StartPosition: ExpressibleByArgument {}
extension CommitMode: ExpressibleByArgument {}

public enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case envelope, value
    var envelopeFormat: Envelope.Format { self == .envelope ? .envelope : .value }
}

/// Options kpull and kstream share: what to read, as which group, and how to write it.
public struct ConsumerOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Topic to read (repeatable).", valueName: "name"))
    public var topic: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Consumer group.",
            discussion: "Default: <tool>.<topic>[,<topic>...], so kpull and kstream on one topic each get every message, and jobs on different topics stay apart.",
            valueName: "id"))
    public var group: String?

    @Option(name: .long, help: ArgumentHelp("Output format: envelope (one JSON object per message) or value (the value alone).", valueName: "format"))
    public var format: OutputFormat = .envelope

    @Option(name: .long, help: ArgumentHelp("Where a group with no committed offset starts: beginning or end.", valueName: "position"))
    public var from: StartPosition?

    @Option(name: .long, help: ArgumentHelp("fetch.min.bytes: the least data a fetch waits for.", valueName: "bytes"))
    public var fetchMinBytes: Int?

    public init() {}

    public func validate() throws {
        guard !topic.isEmpty else { throw ValidationError("missing -t/--topic") }
        for t in topic { try TopicName.validate(t, allowPattern: true) }
        for t in topic where t.isEmpty { throw ValidationError("empty topic name") }
        if let m = fetchMinBytes, m < 1 || m > 100_000_000 { throw ValidationError("--fetch-min-bytes must be 1...100000000") }
    }

    /// The job for `tool`, with its default group and start position.
    public func job(tool: String, defaultFrom: StartPosition) -> ConsumeJob {
        var job = ConsumeJob(
            topics: topic, group: group ?? "\(tool).\(topic.joined(separator: ","))", from: from ?? defaultFrom)
        job.format = format.envelopeFormat
        job.fetchMinBytes = fetchMinBytes
        return job
    }
}

/// Runs a tool body, turning a `ToolFailure` into its diagnostic line and exit code.
public func runTool(_ body: () throws(ToolFailure) -> ExitStatus) throws {
    let status: ExitStatus
    do {
        status = try body()
    } catch {
        Diagnostics.error(error.message)
        throw error.status.exitCode
    }
    if status != .ok { throw status.exitCode }
}
