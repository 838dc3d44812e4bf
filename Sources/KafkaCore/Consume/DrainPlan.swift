/// -e: for each assigned partition, the end it must be read to (its high watermark when assigned, or
/// --until's offset when that comes first), and which partitions are not there yet. Messages produced
/// after the start belong to the next run. With --until @TIME a partition also ends before its first
/// message whose timestamp is at or past TIME (the messages' own timestamps: no broker lookup).
///
/// Planning a newly assigned partition (`plan`): it starts at its committed offset, else where the start
/// position (`--from`) puts it; a partition whose start is at or past its end is done at once, without
/// waiting for a fetch (an empty partition, or one drained by an earlier run). Unknown start or end: the
/// partition's end-of-partition event closes it.
package struct DrainPlan {
    private var ends: [TopicPartition: Int64] = [:]
    private var open: Set<TopicPartition> = []
    private var awaitingAssignment = true
    /// `ends` per partition slot (LineSink's), for the per-message check; valid while `generation`
    /// (bumped whenever `ends` changes) matches.
    private var slotEnds: [(generation: Int, end: Int64?)] = []
    private var generation = 0
    /// --until N: no partition is read at or past offset N.
    let stopOffset: Int64?
    /// --until @TIME (epoch ms): a partition ends before its first message stamped at or past it.
    let stopTime: Int64?

    package init(stopOffset: Int64? = nil, stopTime: Int64? = nil) {
        self.stopOffset = stopOffset
        self.stopTime = stopTime
    }

    package mutating func assign(_ partitions: [TopicPartition], starts: [TopicPartition: Int64], ends newEnds: [TopicPartition: Int64]) {
        awaitingAssignment = false
        generation &+= 1
        for tp in partitions {
            var end = newEnds[tp]
            if let stop = stopOffset { end = min(end ?? stop, stop) }
            ends[tp] = end
            if let start = starts[tp], start >= 0, let end, start >= end { continue }
            // Unknown start or end: the partition's EOF event closes it.
            open.insert(tp)
        }
    }

    package mutating func revoke(_ tp: TopicPartition) {
        open.remove(tp)
        ends[tp] = nil
        generation &+= 1
    }

    /// Everything was revoked: wait for the next assignment before calling the drain complete.
    package mutating func awaitAssignment() { awaitingAssignment = true }

    /// The end of the partition with `slot` (`tp()` names it), remembered per slot until `ends` changes.
    mutating func end(slot: Int, _ tp: () -> TopicPartition) -> Int64? {
        if slot < slotEnds.count, slotEnds[slot].generation == generation { return slotEnds[slot].end }
        let e = ends[tp()]
        while slotEnds.count <= slot { slotEnds.append((generation: -1, end: nil)) }
        slotEnds[slot] = (generation, e)
        return e
    }

    /// What the drain makes of a message.
    package enum Admission: Equatable {
        /// Before the partition's end: write it.
        case within
        /// The partition's last message as of the start: write it, then `close` the partition.
        case last
        /// Produced after the start: it belongs to the next run, so it is neither written nor stored; the
        /// partition is closed.
        case beyondEnd
    }

    /// Judges the message at `offset` of the partition with `slot` (`tp()` names it; called only off the
    /// per-slot fast path); `timestamp()` is asked only with a stop time.
    package mutating func admit(offset: Int64, timestamp: () -> Int64?, slot: Int, _ tp: () -> TopicPartition) -> Admission {
        if let stopTime, let t = timestamp(), t >= stopTime {
            open.remove(tp())
            return .beyondEnd
        }
        guard let end = end(slot: slot, tp) else { return .within }
        if offset >= end {
            open.remove(tp())
            return .beyondEnd
        }
        return offset + 1 >= end ? .last : .within
    }

    /// The partition's last message has been written (after `.last`).
    package mutating func close(_ tp: TopicPartition) { open.remove(tp) }

    package mutating func reachedEnd(_ tp: TopicPartition) { open.remove(tp) }

    package var isComplete: Bool { !awaitingAssignment && open.isEmpty }
}
