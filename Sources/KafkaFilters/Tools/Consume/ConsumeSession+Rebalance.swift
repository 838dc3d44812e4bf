import KafkaBinding
import KafkaCore

/// Rebalances: partitions a group assigns are placed by the same planner as those the tool assigns;
/// partitions it revokes are written out and committed first.
extension ConsumeSession {
    /// The cluster lookups the planner makes, through this consumer, each within --connect-timeout.
    var lookups: ConsumerOffsetLookups { ConsumerOffsetLookups(consumer: consumer, timeoutMs: settings.connectTimeoutMs) }

    /// Runs inside `rd_kafka_consumer_poll`, before librdkafka applies the change. Note: on assignment
    /// it can make several blocking broker calls, each of up to --connect-timeout, before the partitions
    /// are assigned: the recommit; the committed offsets (once, for the start positions, the reset
    /// offsets and -e's plan); with -o/--from beyond beginning/end the partitions' starts, ends and time
    /// lookups; with -e the ends (and, from the beginning, the starts).
    func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let list):
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            // librdkafka keeps a partition's pause across a rebalance: one this session paused (the
            // backlog, --acks) and lost would come back paused, forgotten by the sets that resume it,
            // and never be read again (acks-kill.py --two: -e never ended). New ones start fetching
            // (not while --acks waits for kput's end: then nothing more is read).
            if pausedEver, acks?.awaitingEnd != true, let error = consumer.pause(keys, false) { Diagnostics.verbose("resume on assignment: \(error)") }
            partitions.assigned.formUnion(keys)
            committer.assigned(consumer, linesWritten: sink.linesWritten, stillOurs: partitions.assigned)
            // While finishing nothing is placed: the final commit only serves the rebalance.
            if lifecycle.placesAssignedPartitions {
                let plan = partitions.planner.place(keys, by: .group, lookups: lookups)
                if let failure = plan.failure { fail(.unavailable, failure.message) }
                let placement = plan.placement
                let offsets = placement.offsets
                if !offsets.isEmpty { consumer.startAssigned(at: offsets) }
                planDrain(keys, positioned: placement.positioned, committed: plan.committed)
            }
            Diagnostics.verbose("assigned \(keys.map(\.description).joined(separator: " "))")
        case .revoked(let list, let lost):
            // Write out and commit what was read before another member takes these partitions.
            writeOut()
            // --acks: what kput has reported done so far is committed for these partitions too.
            if acks != nil { serveAcks() }
            if lost { Diagnostics.verbose("assignment lost; committing after rejoining") }
            committer.revoking(consumer, linesWritten: sink.linesWritten,
                               commitFirst: lifecycle.commitsBeforeRevoke(rejoining: committer.rejoining, lost: lost))
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            partitions.assigned.subtract(keys)
            backlogPaused.subtract(keys)
            if acks != nil { forgetAcks(keys) }
            for tp in keys { partitions.drain?.revoke(tp) }
            if partitions.assigned.isEmpty { partitions.drain?.awaitAssignment() }
            Diagnostics.verbose("revoked \(keys.map(\.description).joined(separator: " "))")
        }
    }

    /// -e: where each new partition starts and ends, as the planner finds them; the drain plan decides.
    func planDrain(_ keys: [TopicPartition], positioned: [TopicPartition: Int64], committed: CommittedOffsets?) {
        guard partitions.drain != nil else { return }
        let (starts, ends) = partitions.planner.drainBounds(keys, positioned: positioned, committed: committed, lookups: lookups)
        partitions.drain?.assign(keys, starts: starts, ends: ends)
    }
}

/// The planner's lookups, made of the cluster through the consumer.
struct ConsumerOffsetLookups: PartitionOffsetLookups {
    let consumer: KafkaConsumer
    let timeoutMs: Int32

    /// The group's committed offsets: nil when the lookup failed (said at -v; librdkafka then looks them
    /// up itself).
    func committed(_ keys: [TopicPartition]) -> CommittedOffsets? {
        switch consumer.committedOffsets(keys, timeoutMs: timeoutMs) {
        case .success(let list): return CommittedOffsets(list)
        case .failure(let error):
            Diagnostics.verbose("cannot look up committed offsets: \(error)")
            return nil
        }
    }

    func firstOffsets(_ keys: [TopicPartition]) -> [TopicPartition: Int64] { said("starts", consumer.offsets(keys, at: .beginning, timeoutMs: timeoutMs)) }

    func endOffsets(_ keys: [TopicPartition]) -> [TopicPartition: Int64] { said("ends", consumer.offsets(keys, at: .end, timeoutMs: timeoutMs)) }

    func offsets(_ keys: [TopicPartition], atTime ms: Int64) -> Result<[TopicPartition: Int64], OffsetLookupFailure> {
        consumer.offsets(keys, at: .time(ms), timeoutMs: timeoutMs).mapError { error in
            OffsetLookupFailure("cannot look up offsets by time (\(ms)): \(error)")
        }
    }

    /// A lookup's offsets; on failure none (each partition then ends at its end-of-partition event), said at -v.
    private func said(_ what: String, _ result: Result<[TopicPartition: Int64], KafkaError>) -> [TopicPartition: Int64] {
        switch result {
        case .success(let offsets): return offsets
        case .failure(let error):
            Diagnostics.verbose("cannot look up partition \(what): \(error); each partition ends at its end-of-partition event")
            return [:]
        }
    }
}
