import KafkaCore

/// What one poll of the consumer produced, lent to the handler (`~Copyable`, as the message it may carry).
package enum ConsumerEvent: ~Copyable {
    case message(ConsumedMessage)
    /// The partition has been read to its current end (`enable.partition.eof`).
    case partitionEnd(TopicPartition)
    case error(KafkaError)
    /// librdkafka refused to apply an assignment or a revocation (`rd_kafka_assign` and friends).
    case assignmentFailed(KafkaError)
    /// librdkafka's auto-commit was refused for the leader epochs these offsets carried.
    case commitRefusedForEpochs([TopicPartition])
}

/// A rebalance, told to the tool before librdkafka applies it, so output can be flushed and committed
/// before partitions are given up.
package enum RebalanceEvent {
    case assigned([TopicPartition])
    /// `lost`: the group already gave these partitions to another member (session timed out), so a
    /// commit for them will be refused; the lines written stay written and come again elsewhere.
    case revoked([TopicPartition], lost: Bool)
}
