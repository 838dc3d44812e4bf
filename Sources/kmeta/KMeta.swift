import ArgumentParser
import KafkaFilters
import KafkaCore

@main
struct KMeta: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeta",
        abstract: "Tell what is on a cluster as JSON lines: topics, partitions, offsets, consumer lag, brokers, groups.",
        discussion: """
            kmeta asks the cluster one question and writes the answer on stdout, one JSON object per line, \
            for jq and scripts: kmeta SUBCOMMAND --help describes each. It only reads: it never joins a group, \
            commits an offset or creates a topic. Each request waits at most --connect-timeout.
            """ + ManualText.kmeta,
        version: KafkaFiltersInfo.version,
        subcommands: [Topics.self, Partitions.self, Lag.self, Offsets.self, Brokers.self, Groups.self, Group.self])

    /// `kmeta` alone is a usage error (64), like every tool run without what it needs.
    func run() throws {
        throw ValidationError("missing subcommand: topics, partitions, lag, offsets, brokers, groups or group")
    }
}

extension KMeta {
    struct Topics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List topics: topic, partitions, replication_factor, internal.",
            discussion: "PATTERN is a shell glob (logs-*) or, starting with ^, a POSIX extended regular expression (^logs-.*).")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("Only the topics whose names match.", valueName: "pattern"))
        var pattern: String?

        func run() throws {
            try runTool { () throws(ToolFailure) in
                let settings = try connection.resolve(tool: "kmeta")
                let p: TopicPattern? = try pattern.map { (s: String) throws(ToolFailure) in try TopicPattern(s) }
                return try Queries(settings: settings).topics(matching: p)
            }
        }
    }

    struct Partitions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a topic's partitions: topic, partition, leader, replicas, isr, low, high.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Topic (repeatable).", valueName: "name"))
        var topic: [String] = []

        func validate() throws {
            guard !topic.isEmpty else { throw ValidationError("missing -t/--topic") }
        }

        func run() throws {
            try runTool { () throws(ToolFailure) in
                try Queries(settings: try connection.resolve(tool: "kmeta")).partitions(topic)
            }
        }
    }

    struct Lag: ParsableCommand {
        static let configuration = CommandConfiguration(
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

        func validate() throws {
            if let maxLag, maxLag < 0 { throw ValidationError("--max-lag must be 0 or more") }
            if group.isEmpty { throw ValidationError("empty group id") }
        }

        func run() throws {
            var total: Int64 = 0
            try runTool { () throws(ToolFailure) in
                let (status, t) = try Queries(settings: try connection.resolve(tool: "kmeta")).lag(group: group, topics: topic)
                total = t
                return status
            }
            Diagnostics.verbose("total lag of group \"\(group)\": \(total)")
            if let maxLag, total > maxLag {
                Diagnostics.warning("group \"\(group)\" is \(total) messages behind, over --max-lag \(maxLag)")
                throw ExitCode(1)
            }
        }
    }

    struct Offsets: ParsableCommand {
        static let configuration = CommandConfiguration(
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

        func validate() throws {
            guard !topic.isEmpty else { throw ValidationError("missing -t/--topic") }
            _ = try timestamp()
        }

        func timestamp() throws -> Int64 {
            let text = at.hasPrefix("@") ? String(at.dropFirst()) : at
            let nowMs = TimeSpec.nowMs
            do {
                return try TimeSpec.parse(text, nowMs: nowMs, timeZone: .system)
            } catch {
                throw ValidationError("--at: \(error)")
            }
        }

        func run() throws {
            let ms = try timestamp()
            try runTool { () throws(ToolFailure) in
                try Queries(settings: try connection.resolve(tool: "kmeta")).offsets(topic, at: ms)
            }
        }
    }

    struct Brokers: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List brokers: id, host, port, controller.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        func run() throws {
            try runTool { () throws(ToolFailure) in try Queries(settings: try connection.resolve(tool: "kmeta")).brokers() }
        }
    }

    struct Groups: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List consumer groups: group, state, protocol_type, protocol, coordinator, members.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        func run() throws {
            try runTool { () throws(ToolFailure) in try Queries(settings: try connection.resolve(tool: "kmeta")).groups(nil) }
        }
    }

    struct Group: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe one consumer group: its state and members, as kmeta groups does.")

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The group.", valueName: "group"))
        var group: String

        func run() throws {
            try runTool { () throws(ToolFailure) in try Queries(settings: try connection.resolve(tool: "kmeta")).groups(group) }
        }
    }
}
