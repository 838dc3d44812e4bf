/// The group's committed offsets for some partitions, as the coordinator answered them. librdkafka answers
/// a partition the group has committed nothing for with a negative offset: this is the one place that
/// reads it so. A partition missing here was not answered (its answer was an error): its committed offset
/// is unknown, which is not the same as none.
package struct CommittedOffsets: Sendable {
    private var answers: [TopicPartition: Int64] = [:]

    package init(_ answered: [TopicPartition] = []) {
        for tp in answered { answers[TopicPartition(topic: tp.topic, partition: tp.partition)] = tp.offset }
    }

    /// Where the group resumes `tp` (the next offset to read), nil when it has nothing committed or
    /// was not answered.
    package func resume(_ tp: TopicPartition) -> Int64? {
        guard let offset = answers[tp], offset >= 0 else { return nil }
        return offset
    }

    /// The group was answered for `tp` and has committed nothing for it.
    package func hasNothingCommitted(_ tp: TopicPartition) -> Bool {
        guard let offset = answers[tp] else { return false }
        return offset < 0
    }
}

/// The lookups the planner makes of the cluster (the session makes them through librdkafka; tests
/// answer them). A failed lookup of first or end offsets answers none (said at -v by the implementation):
/// each partition then starts where librdkafka puts it, or ends at its end-of-partition event.
package protocol PartitionOffsetLookups {
    /// The group's committed offsets; nil when the lookup failed (said at -v).
    func committed(_ keys: [TopicPartition]) -> CommittedOffsets?
    /// The first offset each partition still holds.
    func firstOffsets(_ keys: [TopicPartition]) -> [TopicPartition: Int64]
    /// The offset each partition's next message will get.
    func endOffsets(_ keys: [TopicPartition]) -> [TopicPartition: Int64]
    /// The first offset at or after `ms` per partition (-1: none), or why the lookup failed.
    func offsets(_ keys: [TopicPartition], atTime ms: Int64) -> Result<[TopicPartition: Int64], OffsetLookupFailure>
}

package struct OffsetLookupFailure: Error, Sendable {
    package var message: String
    package init(_ message: String) { self.message = message }
}

/// Where the partitions a consumer is given start, and (-e) where they start and end for the drain: one
/// planner for partitions the tool assigns itself (-p, --no-group) and for those a group assigns in a
/// rebalance. The rules:
/// - -o/--from (`start`, per partition or for all) places a partition, looked up and resolved
///   (`StartOffset.resolve`); without a group, --from's beginning/end places every partition.
/// - In a group, a partition the group has a committed offset for resumes there (unless --seek); without
///   the group's answer, none is placed by -o (they start at their committed offsets, or by --from).
/// - --seek: each partition is placed once per run; a later rebalance leaves it where it is.
/// - A partition the group has nothing committed for starts at auto.offset.reset's logical offset (so
///   librdkafka does not wait out its 100 ms retry first); one not answered is left to librdkafka.
/// - Topics that all appeared after the start (`newTopicsFromBeginning`) start at their beginning.
package struct StartPlanner {
    package struct Options: Sendable {
        package var start: StartPositions?
        package var from: StartPosition
        package var seek = false
        package var groupless = false
        /// auto.offset.reset's logical offset (`StartOffset.forReset`); nil: left to librdkafka.
        package var reset: Int64?
        package init(start: StartPositions?, from: StartPosition, seek: Bool, groupless: Bool, reset: Int64?) {
            self.start = start
            self.from = from
            self.seek = seek
            self.groupless = groupless
            self.reset = reset
        }
    }

    /// Who assigned the partitions being placed.
    package enum Assigner: Sendable {
        /// -p or --no-group: the tool; partitions without a position start at librdkafka's stored offset.
        case tool
        /// The group, in a rebalance.
        case group
    }

    /// Where each partition starts: an offset, or one of librdkafka's logical offsets.
    package struct Placement: Equatable, Sendable {
        /// Placed by -o/--from.
        package var positioned: [TopicPartition: Int64] = [:]
        /// auto.offset.reset's offset, for partitions the group has nothing committed for.
        package var resets: [TopicPartition: Int64] = [:]
        /// Each partition's start, for the consumer: positioned, else reset.
        package var offsets: [TopicPartition: Int64] { positioned.merging(resets) { p, _ in p } }
        package init(positioned: [TopicPartition: Int64] = [:], resets: [TopicPartition: Int64] = [:]) {
            self.positioned = positioned
            self.resets = resets
        }
    }

    package let options: Options
    /// Every named topic appeared after the start: their partitions start at the beginning.
    package var newTopicsFromBeginning = false
    /// --seek: partitions already positioned in this run.
    private var positionedOnce: Set<TopicPartition> = []

    package init(_ options: Options) { self.options = options }

    /// What `place` found: the group's committed offsets (looked up once, shared with -e's plan; nil
    /// when that lookup failed), where the partitions start, and a failed time lookup, which stops the
    /// run (exit 69; the partitions it was for are then left unplaced).
    package struct Plan: Sendable {
        package var committed: CommittedOffsets?
        package var placement: Placement
        package var failure: OffsetLookupFailure?
    }

    /// Places `keys`, assigned by `assigner`.
    package mutating func place(_ keys: [TopicPartition], by assigner: Assigner, lookups: some PartitionOffsetLookups) -> Plan {
        let committed: CommittedOffsets? = options.groupless || keys.isEmpty ? CommittedOffsets() : lookups.committed(keys)
        var byDefault: ReadPosition? = nil
        if assigner == .tool && options.groupless { byDefault = newTopicsFromBeginning ? .beginning : ReadPosition(options.from) }
        var positioned: [TopicPartition: Int64] = [:]
        var failure: OffsetLookupFailure? = nil
        switch position(keys, byDefault: byDefault, committed: committed, lookups: lookups) {
        case .success(let p): positioned = p
        case .failure(let f): failure = f
        }
        let resets = self.resets(for: keys.filter { positioned[$0] == nil }, committed: committed)
        return Plan(committed: committed, placement: Placement(positioned: positioned, resets: resets), failure: failure)
    }

    /// Where -o/--from (`options.start`, else `byDefault`) puts `keys`, looked up and resolved, each said at -v.
    private mutating func position(
        _ keys: [TopicPartition], byDefault: ReadPosition?, committed: CommittedOffsets?, lookups: some PartitionOffsetLookups
    ) -> Result<[TopicPartition: Int64], OffsetLookupFailure> {
        var candidates = keys
        if options.seek {
            candidates = keys.filter { !positionedOnce.contains($0) }
            positionedOnce.formUnion(keys)
        }
        var targets: [(TopicPartition, ReadPosition)] = []
        for tp in candidates {
            if let position = options.start?.position(for: tp.partition) ?? byDefault { targets.append((tp, position)) }
        }
        if !options.groupless && !options.seek && !targets.isEmpty {
            // Without the group's answer, partitions start at their committed offsets, or by --from's
            // beginning/end (librdkafka's own lookup).
            guard let committed else { return .success([:]) }
            targets.removeAll { committed.resume($0.0) != nil }
        }
        guard !targets.isEmpty else { return .success([:]) }
        let tps = targets.map(\.0)
        let lows = lookups.firstOffsets(tps)
        let highs = lookups.endOffsets(tps)
        var atTime: [TopicPartition: Int64] = [:]
        var times: Set<Int64> = []
        for (_, position) in targets { if case .timestamp(let ms) = position { times.insert(ms) } }
        for ms in times.sorted() {
            switch lookups.offsets(targets.filter { $0.1 == .timestamp(ms) }.map(\.0), atTime: ms) {
            case .success(let found): atTime.merge(found) { a, _ in a }
            case .failure(let f): return .failure(f)
            }
        }
        var result: [TopicPartition: Int64] = [:]
        for (tp, position) in targets {
            let r = StartOffset.resolve(position, low: lows[tp], high: highs[tp], atTime: atTime[tp])
            if let note = r.note { Diagnostics.verbose("\(tp): \(note)") }
            Diagnostics.verbose("\(tp): starting at \(r.offset >= 0 ? "offset \(r.offset)" : "\(position)")")
            result[tp] = r.offset
        }
        return .success(result)
    }

    /// For each of `keys` the group has nothing committed for, auto.offset.reset's logical offset. Left
    /// to librdkafka, such a partition waits out its 100 ms retry backoff ("no previously committed offset
    /// available") before the offset lookup: a tenth of a second on every start (kpull's first line came
    /// ~0.1 s after kcat -G -o beginning's). A partition not answered is left to librdkafka.
    private func resets(for keys: [TopicPartition], committed: CommittedOffsets?) -> [TopicPartition: Int64] {
        let reset = newTopicsFromBeginning ? StartOffset.logicalBeginning : options.reset
        guard let reset, let committed, !keys.isEmpty else { return [:] }
        var resets: [TopicPartition: Int64] = [:]
        for tp in keys where committed.hasNothingCommitted(tp) { resets[tp] = reset }
        return resets
    }

    /// -e: where each of `keys` starts and ends for the drain. Ends: asked of the cluster now. Starts:
    /// `positioned` (this tool placed them), else the group's committed offset (`committed`; nil when its
    /// lookup failed), else where --from puts a partition without one (its first offset, or its end).
    /// Unknown: the partition's end-of-partition event closes it.
    package func drainBounds(_ keys: [TopicPartition], positioned: [TopicPartition: Int64], committed: CommittedOffsets?,
                             lookups: some PartitionOffsetLookups) -> (starts: [TopicPartition: Int64], ends: [TopicPartition: Int64])
    {
        let ends = lookups.endOffsets(keys)
        if committed == nil {
            // Every partition then starts where --from puts it; one already drained ends at its EOF event.
            Diagnostics.verbose("each partition ends at its end-of-partition event")
        }
        let committed = committed ?? CommittedOffsets()
        var starts: [TopicPartition: Int64] = [:]
        var uncommitted: [TopicPartition] = []
        for tp in keys where positioned[tp] == nil {
            if let offset = committed.resume(tp) { starts[tp] = offset } else { uncommitted.append(tp) }
        }
        if !uncommitted.isEmpty {
            let resets = options.from == .beginning ? lookups.firstOffsets(uncommitted) : ends
            for tp in uncommitted { starts[tp] = resets[tp] }
        }
        starts.merge(positioned) { _, p in p }
        return (starts, ends)
    }
}
