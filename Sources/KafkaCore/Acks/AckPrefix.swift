/// kput's side of the done rule (`--acks`): which of its input lines are done, reported as the longest
/// PREFIX of its input whose lines are all acknowledged by the cluster, per source partition the highest
/// source offset in that prefix.
///
/// Why a prefix: the reader (kpull, kstream) takes "done up to offset k of (t, p)" to mean every message
/// of (t, p) it wrote at or below k is finished: acknowledged here, or dropped by the filter between
/// them. That holds when the filter keeps the lines' order (grep, sed, awk, jq without -s): a message
/// dropped before a line kput has seen was dropped for good. Acknowledgements arrive out of order
/// (several partitions, retries); only a prefix says nothing later is still in flight.
///
/// A line that will never be acknowledged (bad: no source members; or its delivery failed) blocks the
/// prefix for good: nothing after it is ever reported, and the writer says `fail` and closes.
/// Blank lines are not input lines here (kput skips them).
package struct AckPrefix {
    private enum State: UInt8 { case inFlight, acknowledged, never }
    private struct Entry {
        var id: UInt64
        var slot: Int32
        var offset: Int64
        var state: State
    }
    /// Input lines not yet in the reported prefix, in input order (ids increase with it); `head` is the
    /// first of them.
    private var entries: [Entry] = []
    private var head = 0
    private var slots: [String: [Int32: Int32]] = [:]
    /// The slot of the last line sent (lines come in runs of one partition).
    private var last: (topic: String, partition: Int32, slot: Int32) = ("", -1, -1)
    private var partitions: [TopicPartition] = []
    /// Per slot, the highest source offset in the prefix not yet taken for reporting (-1: none).
    private var unreported: [Int64] = []
    private var anyUnreported = false
    /// The id of the line that blocks the prefix for good, once it is the prefix's next line.
    package private(set) var blockedAt: UInt64?
    private var blocked = false

    package init() {}

    /// Input line `id` was sent, carrying the source message `topic`/`partition`/`offset`.
    package mutating func sent(_ id: UInt64, topic: String, partition: Int32, offset: Int64) {
        guard !blocked else { return }
        entries.append(Entry(id: id, slot: slot(topic, partition), offset: offset, state: .inFlight))
    }

    /// Input line `id` will never be acknowledged (a bad line, or not sent at all).
    package mutating func rejected(_ id: UInt64) {
        guard !blocked else { return }
        blocked = true
        entries.append(Entry(id: id, slot: -1, offset: -1, state: .never))
    }

    /// Line `id`'s delivery was acknowledged.
    package mutating func acknowledged(_ id: UInt64) { set(id, .acknowledged) }

    /// Line `id`'s delivery failed.
    package mutating func failed(_ id: UInt64) {
        set(id, .never)
        blocked = true
    }

    /// Moves the prefix over every acknowledged line at its head; true when it moved.
    @discardableResult
    package mutating func advance() -> Bool {
        let start = head
        while head < entries.count {
            let e = entries[head]
            guard e.state == .acknowledged else {
                if e.state == .never { blockedAt = e.id }
                break
            }
            let s = Int(e.slot)
            if e.offset > unreported[s] { unreported[s] = e.offset }
            head += 1
        }
        let moved = head != start
        if moved { anyUnreported = true }
        if head > 4096, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return moved
    }

    /// The done reports not yet taken (one per partition whose prefix moved), and forgets them.
    package mutating func takeReports() -> [TopicPartition] {
        guard anyUnreported else { return [] }
        anyUnreported = false
        var out: [TopicPartition] = []
        for (i, o) in unreported.enumerated() where o >= 0 {
            out.append(TopicPartition(topic: partitions[i].topic, partition: partitions[i].partition, offset: o))
            unreported[i] = -1
        }
        return out
    }

    /// Every line sent so far is in the prefix (none in flight, none blocking).
    package var allDone: Bool { !blocked && head == entries.count }

    /// Lines sent and not yet in the prefix.
    package var waiting: Int { entries.count - head }

    private mutating func slot(_ topic: String, _ partition: Int32) -> Int32 {
        // kpull writes a fetched batch as a run of lines of one partition: the last slot is usually the
        // one (hashing the topic per line was most of --acks's cost per line here).
        if partition == last.partition, last.slot >= 0, topic == last.topic { return last.slot }
        let s: Int32
        if let known = slots[topic]?[partition] {
            s = known
        } else {
            s = Int32(partitions.count)
            partitions.append(TopicPartition(topic: topic, partition: partition))
            unreported.append(-1)
            slots[topic, default: [:]][partition] = s
        }
        last = (topic, partition, s)
        return s
    }

    private mutating func set(_ id: UInt64, _ state: State) {
        guard head < entries.count, id >= entries[head].id else { return }
        // Ids increase in input order, and usually by one (a line number): try where the id would be then.
        let distance = id - entries[head].id
        if distance < UInt64(entries.count - head) {
            let guess = head + Int(distance)
            if entries[guess].id == id {
                entries[guess].state = state
                return
            }
        }
        // Binary search (blank lines and other sources leave gaps between ids).
        var lo = head, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].id < id { lo = mid + 1 } else { hi = mid }
        }
        guard lo < entries.count, entries[lo].id == id else { return }
        entries[lo].state = state
    }
}
