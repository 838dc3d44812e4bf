/// Where kput sends a line that has no key and no `-p`: to one partition at a time, in runs, moving
/// round-robin through the topic's partitions from a random one. A run ends once it holds
/// `maxLines` lines or `maxBytes` bytes, or when the input pauses (a burst stays together), so a busy
/// input makes large batches and every partition still gets an even share.
///
/// librdkafka 2.0.2's own choice for keyless messages is time-based: its sticky partitioner keeps one
/// partition for `sticky.partitioning.linger.ms` (10 ms), which at a million lines a second piles
/// ~15 MB on one partition; with that set to 0 it picks a partition per message, and every batch holds
/// a few dozen messages. Counting lines instead (as Kafka's Java producer counts bytes, KIP-794) gives
/// batches of hundreds of messages and an even spread at any rate: 1M lines into 128 partitions took a
/// third less CPU (kput and the cluster alike) than one random partition per message.
package struct KeylessSpread {
    static let maxLines = 1_000
    static let maxBytes = 256 << 10

    private let partitions: Int32
    private var current: Int32
    private var lines = 0
    private var bytes = 0

    /// Nil when the partition count is unknown: librdkafka's partitioner then decides.
    /// `start`: the first run's partition (kput: one led by the broker it is connected to; tests); by
    /// default a random one.
    package init?(partitions: Int, start: Int32? = nil) {
        guard partitions > 0, partitions <= Int(Int32.max) else { return nil }
        let count = Int32(partitions)
        self.partitions = count
        // A random start keeps many short runs (cron jobs, `echo … | kput`) off partition 0.
        current = start.map { min(max($0, 0), count - 1) } ?? Int32.random(in: 0..<count)
    }

    /// The partition for the next keyless line of `size` bytes.
    package mutating func next(size: Int) -> Int32 {
        if lines >= Self.maxLines || bytes >= Self.maxBytes { advance() }
        lines &+= 1
        bytes &+= size
        return current
    }

    /// The input paused: the next keyless line starts a new run.
    package mutating func inputPaused() {
        if lines > 0 { advance() }
    }

    private mutating func advance() {
        current = current + 1 == partitions ? 0 : current + 1
        lines = 0
        bytes = 0
    }
}
