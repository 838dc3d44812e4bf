import ArgumentParser
import KafkaCore

extension StartPosition: ExpressibleByArgument {}
extension CommitMode: ExpressibleByArgument {}

enum OutputFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case envelope, value
    var envelopeFormat: Envelope.Format { self == .envelope ? .envelope : .value }
}

/// Options kpull and kstream share: what to read, as which group, and how to write it.
package struct ConsumerOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Topic to read (repeatable).", valueName: "name"))
    var topic: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Consumer group.",
            discussion: "Default: <tool>.<topic>[,<topic>...], so kpull and kstream on one topic each get every message, and jobs on different topics stay apart.",
            valueName: "id"))
    var group: String?

    @Option(name: .long, help: ArgumentHelp("Output format: envelope (one JSON object per message) or value (the value alone).", valueName: "format"))
    var format: OutputFormat = .envelope

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Read only these partitions (of each topic), assigned without a group unless -g is given.",
            valueName: "n[,n...]"))
    var partition: [String] = []

    @Flag(name: .customLong("no-group"), help: "Read without a consumer group: no join, no commit, no offsets left behind (implied by -p without -g).")
    var noGroup = false

    @Flag(name: .long, help: "With a group: start its partitions at --from even where it has committed offsets (once per run), and commit from there.")
    var seek = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Commit a message only when kput --acks PATH reports it done (its line acknowledged by the cluster, or dropped by an order-keeping filter); at most 100000 lines wait undone.",
            valueName: "path"), completion: .file())
    var acks: String?

    @Option(name: .long, help: ArgumentHelp("fetch.min.bytes: the least data a fetch waits for.", valueName: "bytes"))
    var fetchMinBytes: Int?

    package init() {}

    package func validate() throws {
        guard !topic.isEmpty else { throw ValidationError("missing -t/--topic") }
        for t in topic { try TopicName.validate(t, allowPattern: true) }
        for t in topic where t.isEmpty { throw ValidationError("empty topic name") }
        if let m = fetchMinBytes, m < 1 || m > 100_000_000 { throw ValidationError("--fetch-min-bytes must be 1...100000000") }
    }

    /// Help for -o/--from (kpull, kstream).
    package static let fromHelp = ArgumentHelp(
        "Where to start: beginning, end, N (an offset), -N (N before the end of each partition), @TIME (epoch ms, RFC 3339 with a zone, YYYY-MM-DD, or -90s/-30m/-1h/-2d ago), or P:POS,... per partition. With a group, only where it has no committed offset, unless --seek.",
        valueName: "pos")

    /// The job for `tool`, with its default group and start position; `from` and `until` are -o/--from and
    /// --until as given. A bad position or a contradiction among the options is one line and exit 64.
    package func job(tool: String, defaultFrom: StartPosition, from: String?, until: String? = nil) throws(ToolFailure) -> ConsumeJob {
        let partitions = try Self.partitions(partition)
        let groupless = noGroup || (partitions != nil && group == nil)
        if noGroup, group != nil { throw ToolFailure(.usage, "--no-group reads without a group, but -g names one") }
        if seek, groupless { throw ToolFailure(.usage, "--seek moves a group's positions: it needs a group (-g), not --no-group") }
        if seek, from == nil { throw ToolFailure(.usage, "--seek needs --from: where to move the group's partitions") }
        if let pattern = topic.first(where: { $0.hasPrefix("^") }), groupless || partitions != nil {
            throw ToolFailure(.usage, "\(pattern): a pattern subscribes as a group; it cannot be read with -p or --no-group")
        }
        let nowMs = TimeSpec.nowMs
        var job = ConsumeJob(topics: topic, group: group ?? "\(tool).\(topic.joined(separator: ","))", from: defaultFrom)
        if let from {
            let start: StartPositions
            do { start = try StartPositions.parse(from, nowMs: nowMs, timeZone: .system) } catch {
                throw ToolFailure(.usage, "--from \(from): \(error)")
            }
            switch start.all {
            case .beginning: job.from = .beginning
            case .end: job.from = .end
            default: break
            }
            // Plain beginning/end for a group's new partitions is librdkafka's auto.offset.reset alone.
            let plain = start.partitions.isEmpty && (start.all == .beginning || start.all == .end)
            if !plain || seek || groupless { job.start = start }
        }
        if let until {
            do { job.until = try StopPosition.parse(until, nowMs: nowMs, timeZone: .system) } catch {
                throw ToolFailure(.usage, "--until \(until): \(error)")
            }
            job.exitAtEnd = true
        }
        job.partitions = partitions
        job.groupless = groupless
        job.seek = seek
        job.commit = groupless ? .none : .storedOffsets
        job.format = format.envelopeFormat
        job.fetchMinBytes = fetchMinBytes
        if let acks {
            if groupless { throw ToolFailure(.usage, "--acks decides what a group commits: it needs a group, not --no-group or -p without -g") }
            if format != .envelope { throw ToolFailure(.usage, "--acks needs --format envelope: kput names each line's source message by its envelope") }
            if acks.isEmpty { throw ToolFailure(.usage, "--acks needs a socket path") }
            job.acksPath = acks
        }
        return job
    }

    /// -p 1,2 -p 3: the partitions, each at most once; nil without -p.
    static func partitions(_ values: [String]) throws(ToolFailure) -> [Int32]? {
        guard !values.isEmpty else { return nil }
        var result: [Int32] = []
        for item in values.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            guard !item.isEmpty, item.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int32(item) else {
                throw ToolFailure(.usage, "-p \(values.joined(separator: ",")): '\(item)' is not a partition number")
            }
            guard !result.contains(p) else { throw ToolFailure(.usage, "-p: partition \(p) given twice") }
            result.append(p)
        }
        return result
    }
}
