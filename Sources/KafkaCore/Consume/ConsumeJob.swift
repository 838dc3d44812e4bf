package enum StartPosition: String, Sendable, CaseIterable {
    case beginning, end
}

package enum CommitMode: String, Sendable, CaseIterable {
    /// One commit in flight at a time, each carrying every offset written since the last (kpull's default).
    case async
    /// One synchronous commit per message, after its line is written.
    case sync
}

/// Who commits, and how: the one place that tells kpull's commits from kstream's.
package enum CommitPolicy: Equatable, Sendable {
    /// kpull: the tool commits the offsets of written lines itself (async: one in flight; sync: per
    /// message), bounds what it writes ahead of failing commits, gives up after the commit timeout, and
    /// reports the signal that stopped it (130/143).
    case explicit(CommitMode)
    /// kstream: the offsets of written lines are stored for librdkafka's auto-commit; the tool itself
    /// commits only before a rebalance takes partitions away and before it leaves. A signal is the normal
    /// way to stop (exit 0).
    case storedOffsets
    /// --no-group: nothing is committed or stored; no offsets are left on the cluster.
    case none

    /// librdkafka's `enable.auto.commit`.
    package var autoCommit: Bool { self == .storedOffsets }
    /// Written offsets go to librdkafka's offset store (for its auto-commit).
    package var storesOffsets: Bool { self == .storedOffsets }
    /// The tool's own periodic commits, if any.
    package var explicitMode: CommitMode? {
        if case .explicit(let mode) = self { return mode }
        return nil
    }
    /// The backlog bound and the commit timeout apply (they guard the tool's own commits).
    package var boundsBacklog: Bool { explicitMode != nil }
    /// Offsets of written lines are tracked for commits (explicit or librdkafka's).
    package var commits: Bool { self != .none }
}

package struct ConsumeJob: Sendable {
    package var topics: [String]
    package var group: String
    package var format: Envelope.Format = .envelope
    package var from: StartPosition
    package var fetchMinBytes: Int?
    package var count: Int?
    package var exitAtEnd = false
    package var commit: CommitPolicy = .storedOffsets
    package var outputPath: String?
    package var statsInterval: Double?
    /// kpull writes at most this many lines beyond its last successful commit; then it takes no new
    /// message until a commit succeeds.
    package var maxUncommittedLines = 10_000
    /// kpull gives up (exit 75) when no commit has succeeded for this long while commits are failing.
    package var commitTimeoutMs: UInt64 = 60_000
    /// -o/--from beyond a plain `from` for partitions without a committed offset: per partition, offsets,
    /// -N, times; with `seek`, for every partition. nil: `from` alone (librdkafka's auto.offset.reset).
    package var start: StartPositions?
    /// --until: where each partition stops (implies `exitAtEnd`).
    package var until: StopPosition?
    /// -p: only these partitions (of each topic), assigned without a group.
    package var partitions: [Int32]?
    /// --no-group: assign instead of subscribe; no join, no commit.
    package var groupless = false
    /// --seek: position the group's partitions at `start` even where it has committed offsets, once per run.
    package var seek = false
    /// kpull: a stop signal is the exit status (130/143); kstream: the normal way to stop (0).
    package var signalIsExitStatus = false
    /// kpull -v: a summary line at the end.
    package var summary = false
    /// --acks PATH: commit (or store) only offsets kput reports done through the socket at PATH.
    package var acksPath: String?
    /// --acks: at most this many lines written and not yet done; then nothing new is taken.
    package var maxUndoneLines = DoneGate.defaultMaxOutstanding

    package init(topics: [String], group: String, from: StartPosition) {
        self.topics = topics
        self.group = group
        self.from = from
    }
}
