import KafkaBinding
import KafkaCore

/// The questions kmeta answers, each as JSON lines on stdout. Every request waits at most
/// --connect-timeout; nothing here joins a group, commits or creates a topic.
package final class Queries {
    let settings: ClientSettings
    let out = OutputWriter()
    /// The reader of stdout went away: what is left is not written.
    private var readerGone = false

    package init(settings: ClientSettings) {
        self.settings = settings
        // A reader that goes away (kmeta topics | head -1) shows up as EPIPE, which ends kmeta with 0.
        // SIGINT and SIGTERM keep their default action: nothing is left half-done when kmeta stops.
        SystemCalls.ignoreBrokenPipe()
    }

    var timeoutMs: Int32 { settings.connectTimeoutMs }

    // MARK: - Connecting

    /// The client, and the cluster's metadata (all topics): the first answer tells whether any broker is there.
    func connect(group: String? = nil) throws(ToolFailure) -> (ClusterMetadata, ClusterInfo) {
        let client: ClusterMetadata
        do { client = try ClusterMetadata(settings: settings, group: group) } catch { throw ToolFailure(error) }
        switch client.cluster(timeoutMs: timeoutMs) {
        case .success(let info): return (client, info)
        case .failure(let error): throw unreachable(error)
        }
    }

    func unreachable(_ error: KafkaError) -> ToolFailure {
        ErrorMap.failure(error.facts, .connecting(brokers: settings.brokers, timeoutMs: timeoutMs))
    }

    static func seconds(_ ms: Int32) -> String { ErrorMap.seconds(ms) }

    /// The topics named, each of which must exist (exit 69 otherwise, 78 when not authorized).
    func existing(_ names: [String], in info: ClusterInfo) throws(ToolFailure) -> [TopicInfo] {
        var result: [TopicInfo] = []
        var seen = Set<String>()
        for name in names where seen.insert(name).inserted {
            guard let t = info.topic(name) else { throw ToolFailure(.unavailable, "topic \"\(name)\" does not exist") }
            if let e = t.error { throw ErrorMap.failure(e.facts, .topic(name)) }
            result.append(t)
        }
        return result
    }

    static func partitions(of topics: [TopicInfo]) -> [TopicPartition] {
        topics.flatMap { t in t.partitions.map { TopicPartition(topic: t.name, partition: $0.partition) } }
    }

    // MARK: - Writing

    func emit(_ line: JSONLine) throws(ToolFailure) {
        guard !readerGone else { return }
        out.append(line.line)
        if out.needsFlush { try flush() }
    }

    /// Writes what is buffered. A reader that went away (kmeta ... | head -1) is not an error.
    func flush() throws(ToolFailure) {
        guard !readerGone else { return }
        do { try out.flush() } catch {
            guard error.isBrokenPipe else { throw ToolFailure(.ioError, "stdout: \(error)") }
            readerGone = true
            out.discardBuffered()
        }
    }

    // MARK: - topics

    /// Kafka's own topics; librdkafka's metadata does not carry the broker's "internal" flag.
    static func isInternal(_ topic: String) -> Bool {
        topic == "__consumer_offsets" || topic == "__transaction_state"
    }

    package func topics(matching pattern: TopicPattern?) throws(ToolFailure) -> ExitStatus {
        let (client, info) = try connect()
        defer { client.close() }
        for t in info.topics where pattern?.matches(t.name) ?? true {
            var line = JSONLine()
            line.add("topic", t.name)
            line.add("partitions", t.partitions.count)
            line.add("replication_factor", t.partitions.map(\.replicas.count).max() ?? 0)
            line.add("internal", Self.isInternal(t.name))
            if let e = t.error { line.add("error", e.name) }
            try emit(line)
        }
        try flush()
        return .ok
    }

    // MARK: - partitions

    package func partitions(_ names: [String]) throws(ToolFailure) -> ExitStatus {
        let (client, info) = try connect()
        defer { client.close() }
        let topics = try existing(names, in: info)
        let (low, high) = watermarks(client, topics)
        var missing: [TopicPartition] = []
        for t in topics {
            for p in t.partitions {
                let tp = TopicPartition(topic: t.name, partition: p.partition)
                var line = JSONLine()
                line.add("topic", t.name)
                line.add("partition", p.partition)
                line.add("leader", p.leader)
                line.add("replicas", p.replicas)
                line.add("isr", p.isr)
                line.add("low", low[tp]?.offset)
                line.add("high", high[tp]?.offset)
                if let e = high[tp]?.error ?? low[tp]?.error ?? p.error { line.add("error", e.name) }
                if high[tp]?.offset == nil || low[tp]?.offset == nil { missing.append(tp) }
                try emit(line)
            }
        }
        try flush()
        if let failure = unanswered(missing, what: "offsets") { throw failure }
        return .ok
    }

    /// Both watermarks of every partition, asked of all leaders at once; a partition without a leader,
    /// or whose leader did not answer within --connect-timeout, has an error and no offset.
    func watermarks(_ client: ClusterMetadata, _ topics: [TopicInfo])
        -> (low: [TopicPartition: Answer], high: [TopicPartition: Answer])
    {
        let (groups, leaderless) = Self.byLeader(topics)
        let (low, high) = client.watermarks(byLeader: groups, timeoutMs: timeoutMs)
        return (Self.index(low).merging(leaderless) { a, _ in a }, Self.index(high).merging(leaderless) { a, _ in a })
    }

    /// The partitions grouped by leader, and those without one (answered with LEADER_NOT_AVAILABLE).
    static func byLeader(_ topics: [TopicInfo]) -> (groups: [[TopicPartition]], leaderless: [TopicPartition: Answer]) {
        var groups: [Int32: [TopicPartition]] = [:]
        var leaderless: [TopicPartition: Answer] = [:]
        for t in topics {
            for p in t.partitions {
                let tp = TopicPartition(topic: t.name, partition: p.partition)
                if p.leader < 0 {
                    leaderless[tp] = Answer(error: p.error ?? KafkaError.leaderNotAvailable)
                } else {
                    groups[p.leader, default: []].append(tp)
                }
            }
        }
        return (groups.keys.sorted().map { groups[$0]! }, leaderless)
    }

    /// After every line is written: the partitions that got no answer make the exit 69, in one line.
    func unanswered(_ missing: [TopicPartition], what: String) -> ToolFailure? {
        guard !missing.isEmpty else { return nil }
        let named = missing.prefix(5).map(\.description).joined(separator: ", ") + (missing.count > 5 ? ", ..." : "")
        return ToolFailure(.unavailable,
            "no \(what) for \(missing.count) partition(s) within \(Self.seconds(timeoutMs)) (leader down or unknown): \(named)")
    }

    struct Answer {
        var offset: Int64?
        var error: KafkaError?
    }

    static func index(_ answers: [OffsetAnswer]) -> [TopicPartition: Answer] {
        var result: [TopicPartition: Answer] = [:]
        for a in answers {
            result[TopicPartition(topic: a.topic, partition: a.partition)] =
                a.error == nil && a.offset >= 0 ? Answer(offset: a.offset) : Answer(error: a.error)
        }
        return result
    }

    // MARK: - lag

    /// Per partition: the group's committed offset (null when none), the high watermark and the lag.
    /// Returns the total lag (of the partitions where it is known) beside the status.
    package func lag(group: String, topics names: [String]) throws(ToolFailure) -> (ExitStatus, total: Int64) {
        let (client, info) = try connect(group: group)
        defer { client.close() }
        var topics = names.isEmpty ? info.topics.filter { !Self.isInternal($0.name) && $0.error == nil } : try existing(names, in: info)
        let asked = Self.partitions(of: topics)
        let committed: [TopicPartition: Int64]
        switch client.committed(asked, timeoutMs: timeoutMs) {
        case .success(let answers):
            var c: [TopicPartition: Int64] = [:]
            for a in answers where a.error == nil && a.offset >= 0 {
                c[TopicPartition(topic: a.topic, partition: a.partition)] = a.offset
            }
            committed = c
        case .failure(let error):
            throw ErrorMap.failure(error.facts,
                .request("the coordinator of group \"\(group)\" did not give its offsets within \(Self.seconds(timeoutMs))"))
        }
        // Without -t: the topics this group has committed offsets on.
        if names.isEmpty {
            let used = Set(committed.keys.map(\.topic))
            topics = topics.filter { used.contains($0.name) }
        }
        guard !committed.isEmpty else {
            let on = names.isEmpty ? "" : " on \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
            throw ToolFailure(.unavailable, "group \"\(group)\" has no committed offsets\(on) (no such group, or it has committed nothing yet)")
        }
        let (low, high) = watermarks(client, topics)
        var total: Int64 = 0
        var missing: [TopicPartition] = []
        for t in topics {
            for p in t.partitions {
                let tp = TopicPartition(topic: t.name, partition: p.partition)
                let c = committed[tp]
                let h = high[tp]?.offset
                // Nothing committed: everything the partition holds is unread (a drain from the
                // beginning, kpull's default for a new group, would read it all).
                let base = c ?? low[tp]?.offset
                let lag = h.flatMap { h in base.map { max(0, h - $0) } }
                total += lag ?? 0
                var line = JSONLine()
                line.add("group", group)
                line.add("topic", t.name)
                line.add("partition", p.partition)
                line.add("committed", c)
                line.add("high", h)
                line.add("lag", lag)
                if let e = high[tp]?.error ?? (c == nil ? low[tp]?.error : nil) { line.add("error", e.name) }
                if lag == nil { missing.append(tp) }
                try emit(line)
            }
        }
        try flush()
        // A lag that could not be measured everywhere is a failure, not a pass of --max-lag.
        if let failure = unanswered(missing, what: "high watermark") { throw failure }
        return (.ok, total)
    }

    // MARK: - offsets --at

    package func offsets(_ names: [String], at timestampMs: Int64) throws(ToolFailure) -> ExitStatus {
        let (client, info) = try connect()
        defer { client.close() }
        let topics = try existing(names, in: info)
        let (groups, leaderless) = Self.byLeader(topics)
        let answers = Self.index(client.offsets(byLeader: groups, atTime: timestampMs, timeoutMs: timeoutMs))
            .merging(leaderless) { a, _ in a }
        var missing: [TopicPartition] = []
        for t in topics {
            for p in t.partitions {
                let tp = TopicPartition(topic: t.name, partition: p.partition)
                var line = JSONLine()
                line.add("topic", t.name)
                line.add("partition", p.partition)
                // -1 from the cluster: no message at or after the time (null).
                line.add("offset", answers[tp]?.offset)
                line.add("timestamp", timestampMs)
                if let e = answers[tp]?.error {
                    line.add("error", e.name)
                    missing.append(tp)
                }
                try emit(line)
            }
        }
        try flush()
        if let failure = unanswered(missing, what: "answer to the lookup by time") { throw failure }
        return .ok
    }

    // MARK: - brokers

    package func brokers() throws(ToolFailure) -> ExitStatus {
        let (client, info) = try connect()
        defer { client.close() }
        for b in info.brokers {
            var line = JSONLine()
            line.add("id", b.id)
            line.add("host", b.host)
            line.add("port", b.port)
            line.add("controller", b.id == info.controller)
            try emit(line)
        }
        try flush()
        return .ok
    }

    // MARK: - groups

    /// All groups (`name` nil) or one: state, protocol, coordinator and members.
    package func groups(_ name: String?) throws(ToolFailure) -> ExitStatus {
        let (client, _) = try connect()
        defer { client.close() }
        let groups: [GroupInfo]
        switch client.groups(name, timeoutMs: timeoutMs) {
        case .success(let g): groups = g
        case .failure(let error) where error.isUnsupported:
            // librdkafka's mock clusters (2.0.2 and 2.16) advertise neither ListGroups nor DescribeGroups.
            throw ErrorMap.failure(error.facts, .request("the cluster does not support listing or describing groups (ListGroups/DescribeGroups)"))
        case .failure(let error) where error.isTransport:
            // A broker that does not know a request closes the connection on it.
            throw ErrorMap.failure(error.facts, .request("the cluster closed the connection when asked to list or describe groups (ListGroups/DescribeGroups; a cluster that does not support them does this)"))
        case .failure(let error):
            throw ErrorMap.failure(error.facts, .request("the brokers did not list their groups within \(Self.seconds(timeoutMs))"))
        }
        if let name, !groups.contains(where: { $0.group == name && $0.state != "Dead" }) {
            throw ToolFailure(.unavailable, "group \"\(name)\" does not exist")
        }
        for g in groups {
            var line = JSONLine()
            line.add("group", g.group)
            line.add("state", g.state)
            line.add("protocol_type", g.protocolType)
            line.add("protocol", g.protocolName)
            line.add("coordinator", g.broker.id)
            line.add("members", g.members.map { m in
                var o = JSONLine()
                o.add("member_id", m.memberID)
                o.add("client_id", m.clientID)
                o.add("client_host", m.clientHost)
                if let a = m.assignment {
                    o.add("assignment", a.map { tp in
                        var p = JSONLine()
                        p.add("topic", tp.topic)
                        p.add("partition", tp.partition)
                        return p
                    })
                }
                return o
            })
            if let e = g.error { line.add("error", e.name) }
            try emit(line)
        }
        try flush()
        return .ok
    }
}

/// `kmeta topics PATTERN`: a shell glob (fnmatch(3): `logs-*`), or, starting with `^`, a POSIX extended
/// regular expression, as in librdkafka's subscriptions (kpull -t '^logs-.*'), compiled once.
package final class TopicPattern {
    private let glob: String?
    private let regex: SystemCalls.Regex?

    package init(_ text: String) throws(ToolFailure) {
        if text.hasPrefix("^") {
            glob = nil
            guard let compiled = SystemCalls.Regex(text) else {
                throw ToolFailure(.usage, "invalid regular expression \"\(text)\"")
            }
            regex = compiled
        } else {
            glob = text
            regex = nil
        }
    }

    func matches(_ topic: String) -> Bool {
        if let glob { return SystemCalls.globMatches(glob, topic) }
        return regex?.matches(topic) ?? false
    }
}
