/// A topic, partition and (where it matters) offset, as plain Swift values.
package struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    package var topic: String
    package var partition: Int32
    package var offset: Int64
    /// The leader epoch that goes with `offset` (KIP-320; librdkafka 2.1+), -1 when unknown. Used as a
    /// key (offset -1001, epoch -1) a partition compares equal only to itself.
    package var leaderEpoch: Int32
    package init(topic: String, partition: Int32, offset: Int64 = -1001, leaderEpoch: Int32 = -1) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.leaderEpoch = leaderEpoch
    }
    package var description: String { "\(topic)[\(partition)]" }
}
