/// Leader epochs on commits and stores (KIP-320, librdkafka 2.1+): carried until the cluster refuses a
/// commit for the epoch it carried, then never again. Kafka's group coordinator stores a committed epoch
/// without checking it, but librdkafka's mock checks it against the partition's current epoch and
/// refuses an older one (FENCED_LEADER_EPOCH) once a leader has moved; the consumers then commit without
/// epochs, as 2.0.x does: the same offsets, never fewer. (Why carry them at all: Librdkafka.swift,
/// `LeaderEpochs`.) The rule, decided here and performed by the session's committer:
/// - every commit and store goes out through `outgoing` (epochs dropped once refused);
/// - the first refused synchronous commit is sent again at once, without epochs;
/// - a refused async commit's offsets stay pending (CommitTracker) and go without epochs next time;
/// - offsets librdkafka's auto-commit (kstream) had refused are stored again without epochs, so the next
///   auto-commit (or the one on close) carries what was written.
package struct LeaderEpochFallback: Sendable {
    package private(set) var refused = false

    package init() {}

    /// `offsets` as a commit or store should carry them.
    package func outgoing(_ offsets: [TopicPartition]) -> [TopicPartition] {
        guard refused else { return offsets }
        return offsets.map { TopicPartition(topic: $0.topic, partition: $0.partition, offset: $0.offset) }
    }

    /// A commit was answered; `refusedForEpoch`: refused for the epochs it carried. True when it should
    /// be sent again now, without epochs (the first refusal of a synchronous commit).
    package mutating func commitAnswered(refusedForEpoch: Bool) -> Bool {
        guard refusedForEpoch, !refused else { return false }
        refused = true
        return true
    }

    /// librdkafka's auto-commit refused `offsets` for their epochs: what to store again (without them).
    /// Only real offsets are stored again (a logical one stands for nothing written).
    package mutating func autoCommitRefused(_ offsets: [TopicPartition]) -> [TopicPartition] {
        let again = offsets.filter { $0.offset >= 0 }
        guard !again.isEmpty else { return [] }
        refused = true
        return outgoing(again)
    }
}
