import KafkaBinding
import KafkaCore

/// The start: wait for the topics, then subscribe (a group assigns the partitions) or, with -p or
/// --no-group, assign them.
extension ConsumeSession {
    /// A regex subscription (`^...`): librdkafka matches it against the cluster's topics, so there is no
    /// single topic to check for.
    static func isPattern(_ topic: String) -> Bool { topic.hasPrefix("^") }

    /// How often a consumer waiting for its topic to be created looks for it.
    static let topicPollMs: UInt64 = 1_000

    /// False when the run stops before reading (a failure, or a signal while waiting for a topic).
    func start() -> Bool {
        var partitionCounts: [String: Int] = [:]
        var appeared = 0
        // A regex subscription (`^...`) names no one topic to look up: librdkafka matches it.
        for topic in job.topics where !Self.isPattern(topic) {
            switch awaitTopic(topic) {
            case .existed(let count): partitionCounts[topic] = count
            case .appeared(let count):
                partitionCounts[topic] = count
                appeared += 1
            case .stopped: return false
            }
        }
        if lifecycle.topicsFound(appeared: appeared, named: job.topics.count, from: job.from) == .readNewTopicsFromBeginning {
            partitions.planner.newTopicsFromBeginning = true
            do {
                var earliest = settings
                earliest.set("auto.offset.reset", "earliest")
                consumer.close()
                consumer = try KafkaConsumer(settings: earliest) { [unowned self] event in self.rebalance(event) }
            } catch {
                let failure = ToolFailure(error)
                fail(failure.status, failure.message)
                return false
            }
        }
        if let named = job.start?.partitions.keys.sorted(), let topic = job.topics.first(where: { !Self.isPattern($0) }),
            let bad = named.first(where: { p in job.topics.allSatisfy { Int(p) >= partitionCounts[$0] ?? Int.max } })
        {
            return unknownPartition(bad, topic: topic, counts: partitionCounts, option: "--from")
        }
        if job.partitions != nil || job.groupless { return assignPartitions(partitionCounts) }
        do { try consumer.subscribe(job.topics) } catch {
            fail(.configError, "cannot subscribe: \(error)")
            return false
        }
        lifecycle.started(.subscribed)
        return true
    }

    private func unknownPartition(_ p: Int32, topic: String, counts: [String: Int], option: String) -> Bool {
        let n = counts[topic] ?? 0
        fail(.usage, "\(option): topic \"\(topic)\" has no partition \(p) (it has \(n): 0-\(max(n - 1, 0)))")
        return false
    }

    /// -p or --no-group: assigns the partitions (every partition of each topic without -p) instead of
    /// joining a group. Without a group each starts where --from puts it; with -g and -p, at the group's
    /// committed offset where it has one (unless --seek). Placed by the same planner as a rebalance's.
    private func assignPartitions(_ counts: [String: Int]) -> Bool {
        var keys: [TopicPartition] = []
        for topic in job.topics {
            let count = counts[topic] ?? 0
            for p in job.partitions ?? (0..<Int32(count)).map({ $0 }) {
                guard Int(p) < count else { return unknownPartition(p, topic: topic, counts: counts, option: "-p") }
                keys.append(TopicPartition(topic: topic, partition: p))
            }
        }
        if let named = job.start?.partitions.keys, let p = named.sorted().first(where: { p in !keys.contains { $0.partition == p } }) {
            fail(.usage, "--from names partition \(p), which -p does not read")
            return false
        }
        let plan = partitions.planner.place(keys, by: .tool, lookups: lookups)
        if let failure = plan.failure {
            fail(.unavailable, failure.message)
            return false
        }
        let placement = plan.placement
        let offsets = placement.offsets
        do {
            try consumer.assign(keys.map { TopicPartition(topic: $0.topic, partition: $0.partition, offset: offsets[$0] ?? StartOffset.logicalStored) })
        } catch {
            fail(.configError, "\(error)")
            return false
        }
        lifecycle.started(.assignedByTool)
        partitions.assigned.formUnion(keys)
        planDrain(keys, positioned: placement.positioned, committed: plan.committed)
        Diagnostics.verbose("assigned \(keys.map(\.description).joined(separator: " "))\(job.groupless ? " (no group)" : "")")
        return true
    }

    private enum TopicArrival { case existed(partitions: Int), appeared(partitions: Int), stopped }

    /// Waits for `topic` to exist, as a consumer of a real cluster must: Kafka creates no topic because a
    /// consumer asked about it, and librdkafka would notice a topic created after it subscribed only at
    /// its next metadata refresh (`topic.metadata.refresh.interval.ms`, 5 minutes by default). So the
    /// tool looks once a second (`topicPollMs`), says once that it is waiting, and subscribes when the
    /// topic is there. `kpull -e` does not wait: a drain of a topic that does not exist is an error
    /// (exit 69), so a typo in a cron job is loud. A signal while waiting stops the start.
    private func awaitTopic(_ topic: String) -> TopicArrival {
        var waiting = false
        while true {
            let error: KafkaError
            switch consumer.connect(topic: topic, timeoutMs: settings.connectTimeoutMs) {
            case .success(let count):
                if waiting { Diagnostics.verbose("topic \"\(topic)\" exists now") }
                return waiting ? .appeared(partitions: count) : .existed(partitions: count)
            case .failure(let e): error = e
            }
            let failure = ErrorMap.failure(
                error.facts, .connecting(brokers: settings.brokers, timeoutMs: settings.connectTimeoutMs, topic: topic, access: "read"))
            if error.isUnknownTopic {
                if job.exitAtEnd {
                    fail(failure.status, failure.message)
                    return .stopped
                }
                if !waiting {
                    waiting = true
                    Diagnostics.warning("topic \"\(topic)\" does not exist yet; waiting for it to be created")
                }
                let deadline = MonotonicClock.now + Self.topicPollMs * 1_000_000
                while MonotonicClock.now < deadline {
                    if stop.requested() { return .stopped }
                    SystemCalls.sleep(milliseconds: 50)
                }
                continue
            }
            // Not authorized (78), or no broker answered (69): ErrorMap's words, as every tool says them.
            fail(failure.status, failure.message)
            return .stopped
        }
    }
}
