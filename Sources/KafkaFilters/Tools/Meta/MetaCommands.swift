import ArgumentParser
import KafkaCore

/// kmeta's subcommands. Each declares the connection options, and so does kmeta itself: ArgumentParser
/// decodes an option group of one type once for the whole command line and hands the same value to the
/// parent and to the subcommand (swift-argument-parser #78), so `kmeta -b B topics` and `kmeta topics -b B`
/// mean the same, as `git -C DIR log` does.
package enum MetaCommands {
    package static let all: [ParsableCommand.Type] = [
        Topics.self, Partitions.self, Lag.self, Offsets.self, Brokers.self, Groups.self, Group.self,
    ]

    /// The warning of `lag --max-lag`, with the noun agreeing ("1 message behind").
    package static func behind(group: String, total: Int64, maxLag: Int64) -> String {
        "group \"\(group)\" is \(total) \(total == 1 ? "message" : "messages") behind, over --max-lag \(maxLag)"
    }

    static func queries(_ connection: ConnectionOptions) throws(ToolFailure) -> Queries {
        Queries(settings: try connection.resolve(tool: "kmeta"))
    }

    package struct Topics: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "List topics: topic, partitions, replication_factor, internal.",
            discussion: "PATTERN is a shell glob (logs-*) or, starting with ^, a POSIX extended regular expression (^logs-.*).")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("Only the topics whose names match.", valueName: "pattern"))
        var pattern: String?

        package init() {}

        package func run() throws {
            try runTool { () throws(ToolFailure) in
                let queries = try MetaCommands.queries(connection)
                let p: TopicPattern? = try pattern.map { (s: String) throws(ToolFailure) in try TopicPattern(s) }
                return try queries.topics(matching: p)
            }
        }
    }

    package struct Partitions: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Describe a topic's partitions: topic, partition, leader, replicas, isr, low, high.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Topic (repeatable).", valueName: "name"))
        var topic: [String] = []

        package init() {}

        package func validate() throws {
            guard !topic.isEmpty else { throw ValidationError("missing -t/--topic") }
        }

        package func run() throws {
            try runTool { () throws(ToolFailure) in try MetaCommands.queries(connection).partitions(topic) }
        }
    }

    package struct Lag: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "A group's lag per partition: group, topic, partition, committed, high, lag.",
            discussion: """
                Without -t: every topic the group has committed offsets on. committed is null where the group \
                has committed nothing; lag is then high - low, all that the partition holds. With --max-lag, \
                when the total lag is over N, everything is still printed, then kmeta exits 1.
                """)

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Consumer group.", valueName: "id"))
        var group: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Topic (repeatable); default: those the group has committed on.", valueName: "name"))
        var topic: [String] = []

        @Option(help: ArgumentHelp("Exit 1 (after printing everything) when the total lag is over n.", valueName: "n"))
        var maxLag: Int64?

        package init() {}

        package func validate() throws {
            if let maxLag, maxLag < 0 { throw ValidationError("--max-lag must be 0 or more") }
            if group.isEmpty { throw ValidationError("empty group id") }
        }

        package func run() throws {
            var total: Int64 = 0
            try runTool { () throws(ToolFailure) in
                let (status, t) = try MetaCommands.queries(connection).lag(group: group, topics: topic)
                total = t
                return status
            }
            Diagnostics.verbose("total lag of group \"\(group)\": \(total)")
            if let maxLag, total > maxLag {
                Diagnostics.warning(MetaCommands.behind(group: group, total: total, maxLag: maxLag))
                throw ExitCode(1)
            }
        }
    }

    package struct Offsets: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "The first offset at or after a time, per partition: topic, partition, offset.",
            discussion: "offset is null where the cluster found no message at or after TIME (it answered -1).")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Topic (repeatable).", valueName: "name"))
        var topic: [String] = []

        // Unconditional: "--at -1h" is a value, not an option.
        @Option(parsing: .unconditional, help: ArgumentHelp(
            "The time, as kpull's @TIME (the @ may be left out).",
            discussion: "Epoch milliseconds, RFC 3339 with a zone (2026-11-30T00:00:00Z), a date (2026-11-30: midnight in the local time zone, as date(1) reads it), or a past duration (-90s, -30m, -1h, -2d).",
            valueName: "time"))
        var at: String

        package init() {}

        package func validate() throws {
            guard !topic.isEmpty else { throw ValidationError("missing -t/--topic") }
            _ = try timestamp()
        }

        func timestamp() throws -> Int64 {
            let text = at.hasPrefix("@") ? String(at.dropFirst()) : at
            do {
                return try TimeSpec.parse(text, nowMs: TimeSpec.nowMs, timeZone: .system)
            } catch {
                throw ValidationError("--at: \(error)")
            }
        }

        package func run() throws {
            let ms = try timestamp()
            try runTool { () throws(ToolFailure) in try MetaCommands.queries(connection).offsets(topic, at: ms) }
        }
    }

    package struct Brokers: ParsableCommand {
        package static let configuration = CommandConfiguration(abstract: "List brokers: id, host, port, controller.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        package init() {}

        package func run() throws {
            try runTool { () throws(ToolFailure) in try MetaCommands.queries(connection).brokers() }
        }
    }

    package struct Groups: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "List consumer groups: group, state, protocol_type, protocol, coordinator, members.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        package init() {}

        package func run() throws {
            try runTool { () throws(ToolFailure) in try MetaCommands.queries(connection).groups(nil) }
        }
    }

    package struct Group: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Describe one consumer group: its state and members, as kmeta groups does.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The group.", valueName: "group"))
        var group: String

        package init() {}

        package func run() throws {
            try runTool { () throws(ToolFailure) in try MetaCommands.queries(connection).groups(group) }
        }
    }
}
