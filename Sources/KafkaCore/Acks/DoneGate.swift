/// The reader's side of the done rule (kpull, kstream with `--acks`): a message's offset is committed
/// (or stored for auto-commit) only when it is both WRITTEN (its line reached the output) and DONE (kput
/// reported "done up to offset k" for its partition with k at or past it, or said `end`).
///
/// The rule: "done up to k on (t, p)" means every message of (t, p) written at or below k is finished:
/// acknowledged by the cluster, or dropped by a filter that keeps the lines' order (`AckPrefix`). So the
/// offset to commit per partition is min(next written, k + 1).
///
/// Bounded: `outstanding` counts lines written and not yet done (per write-out batch: a batch counts in
/// full until its last line is done); past `maxOutstanding` the session stops taking messages.
/// Rebalances: a revoked partition is forgotten (its done offsets were committed before it went), and a
/// done report for a partition not held, or below what this member wrote since it got it, is ignored.
package struct DoneGate {
    /// The default bound on lines written and not yet done.
    package static let defaultMaxOutstanding = 100_000

    private struct Partition {
        /// The offset after the last line written, and that message's leader epoch.
        var writtenNext: Int64
        var epoch: Int32
        /// The first offset written since this member got the partition: done reports below are stale.
        var floor: Int64
        /// The offset after the last message known done.
        var doneNext: Int64
        /// The last offset handed on to be committed.
        var handedOn: Int64 = -1
        /// Write-out batches not yet done in full: the offset after their last line, their line count.
        var batches: [(next: Int64, lines: Int)] = []
        var batchHead = 0
    }

    package let maxOutstanding: Int
    private var parts: [TopicPartition: Partition] = [:]
    package private(set) var outstanding = 0

    package init(maxOutstanding: Int = DoneGate.defaultMaxOutstanding) { self.maxOutstanding = maxOutstanding }

    /// The session must stop taking messages until kput reports more done.
    package var full: Bool { outstanding >= maxOutstanding }

    /// Lines were written: per partition, `written` (the offset after its last line, with its epoch),
    /// with `first` (the first line's offset) and `lines` (how many). Returns the offsets now both
    /// written and done (usually none: done comes later).
    package mutating func wrote(_ written: [(next: TopicPartition, first: Int64, lines: Int)]) -> [TopicPartition] {
        var ready: [TopicPartition] = []
        for w in written {
            let key = TopicPartition(topic: w.next.topic, partition: w.next.partition)
            var p = parts[key] ?? Partition(writtenNext: w.first, epoch: -1, floor: w.first, doneNext: w.first)
            if w.next.offset > p.writtenNext {
                p.writtenNext = w.next.offset
                p.epoch = w.next.leaderEpoch
            }
            p.batches.append((w.next.offset, w.lines))
            outstanding += w.lines
            settle(&p)
            if let tp = handOn(key, &p) { ready.append(tp) }
            parts[key] = p
        }
        return ready
    }

    /// kput reported `done` for `tp.offset`. Returns the offset to commit for that partition, if it moved.
    package mutating func done(_ tp: TopicPartition) -> TopicPartition? {
        let key = TopicPartition(topic: tp.topic, partition: tp.partition)
        guard var p = parts[key], tp.offset >= p.floor else { return nil }
        if tp.offset + 1 > p.doneNext { p.doneNext = tp.offset + 1 }
        settle(&p)
        let out = handOn(key, &p)
        parts[key] = p
        return out
    }

    /// kput said `end`: every line written is done (those it never saw were dropped by the filter).
    /// Returns the offsets to commit.
    package mutating func ended() -> [TopicPartition] {
        var ready: [TopicPartition] = []
        for key in Array(parts.keys) {
            var p = parts[key]!
            p.doneNext = max(p.doneNext, p.writtenNext)
            settle(&p)
            if let tp = handOn(key, &p) { ready.append(tp) }
            parts[key] = p
        }
        return ready
    }

    /// Partitions were revoked: forgotten, their outstanding lines with them (another member reads them
    /// again from the last commit).
    package mutating func revoked(_ keys: [TopicPartition]) {
        for tp in keys {
            let key = TopicPartition(topic: tp.topic, partition: tp.partition)
            guard let p = parts.removeValue(forKey: key) else { continue }
            for b in p.batches[p.batchHead...] { outstanding -= b.lines }
        }
    }

    /// The offset to commit now for a partition: the next written where all written is done, else the
    /// offset after the last done message (no leader epoch: that message's is not known here).
    package func committable(_ key: TopicPartition) -> TopicPartition? {
        guard let p = parts[key] else { return nil }
        let next = min(p.writtenNext, p.doneNext)
        return TopicPartition(topic: key.topic, partition: key.partition, offset: next,
                              leaderEpoch: next == p.writtenNext ? p.epoch : -1)
    }

    private mutating func settle(_ p: inout Partition) {
        while p.batchHead < p.batches.count, p.batches[p.batchHead].next <= p.doneNext {
            outstanding -= p.batches[p.batchHead].lines
            p.batchHead += 1
        }
        if p.batchHead > 64, p.batchHead * 2 > p.batches.count {
            p.batches.removeFirst(p.batchHead)
            p.batchHead = 0
        }
    }

    private func handOn(_ key: TopicPartition, _ p: inout Partition) -> TopicPartition? {
        let next = min(p.writtenNext, p.doneNext)
        guard next > p.floor, next > p.handedOn else { return nil }
        p.handedOn = next
        return TopicPartition(topic: key.topic, partition: key.partition, offset: next,
                              leaderEpoch: next == p.writtenNext ? p.epoch : -1)
    }
}
