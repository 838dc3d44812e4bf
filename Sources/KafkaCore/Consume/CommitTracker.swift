/// The commit rules of kpull and kstream, as a state machine that never touches librdkafka: the session
/// asks it what to commit and when, performs the commit, and tells it how that went. Time comes in as a
/// parameter (monotonic nanoseconds), so the rules are unit-tested without a clock or a broker.
///
/// The rules (each learnt in CI, each with a unit test in CommitTrackerTests):
/// - Only offsets of lines written are committed (`wrote`), explicitly, so lines written before a
///   rebalance can still be committed after it.
/// - At most one async commit in flight (librdkafka #826); the next carries everything written since.
/// - Rejoining: between a revocation (or a commit refused because the group is rebalancing) and the next
///   assignment or message, no commit is sent. One that reaches the coordinator between this member's
///   JoinGroup and SyncGroup fails with ILLEGAL_GENERATION and restarts the join, so periodic retries kept
///   a member from ever rejoining (CI: 21 refused commits in 60 s). The assignment commits what is pending.
/// - A refused commit keeps its offsets pending; retries are spaced (`retrySpacingNs`), never a tight loop.
/// - The backlog bound: while commits fail, at most `maxUncommittedLines` lines are written beyond the last
///   successful commit; then nothing new is taken until one succeeds.
/// - The commit timeout: failing without a break for longer than `commitTimeoutNs` ends the run.
package struct CommitTracker {
    /// Why a commit failed, as far as the rules care.
    package enum Failure: Equatable {
        /// The group is between generations: the commit can be made once this member has rejoined.
        case rebalancing
        case other
    }

    static let retrySpacingNs: UInt64 = 200_000_000

    /// nil: no bound (kstream, whose commits are librdkafka's).
    let maxUncommittedLines: Int?
    /// nil: no timeout.
    let commitTimeoutNs: UInt64?

    /// Written but not yet known to be committed.
    package private(set) var pending = PendingCommits()
    /// Assignments received so far: the final commit waits for the next one after a refusal.
    package private(set) var assignments = 0
    package private(set) var rejoining = false
    /// The async commit in flight, and how many written lines it covers.
    package private(set) var inFlight: [TopicPartition]?
    private var inFlightMark = 0
    private var retryAt: UInt64 = 0
    /// A failure has been said since the last success (said once per streak).
    private var troubled = false
    /// When commits started failing (nil while they succeed), and how many written lines the last
    /// successful commit covered: together they bound what is written ahead of the commits.
    package private(set) var failingSince: UInt64?
    package private(set) var linesCommitted = 0

    package init(maxUncommittedLines: Int?, commitTimeoutNs: UInt64?) {
        self.maxUncommittedLines = maxUncommittedLines
        self.commitTimeoutNs = commitTimeoutNs
    }

    // MARK: What happened

    /// Lines were written whose next offsets are `offsets`.
    package mutating func wrote(_ offsets: [TopicPartition]) {
        if !offsets.isEmpty { pending.wrote(offsets) }
    }

    /// A message arrived: this member is fetching again (cooperative rebalances may assign nothing new).
    package mutating func fetching() { rejoining = false }

    /// Partitions were assigned: this member is in the new generation.
    package mutating func assigned() {
        assignments += 1
        rejoining = false
    }

    /// Partitions were revoked (after the session's last commit for them): rejoining until assigned.
    package mutating func revoked() { rejoining = true }

    /// Forgets pending offsets of partitions not in `assigned`; true when there were any. (A late commit
    /// for a partition another member now reads could move its offset back.)
    package mutating func keepOnly(_ assigned: Set<TopicPartition>) -> Bool { pending.keep(assigned) }

    // MARK: Decisions

    /// Whether a commit may be sent now at all: something is pending and this member is not rejoining.
    package var mayCommit: Bool { !pending.isEmpty && !rejoining }

    /// The offsets an async commit should carry now, or nil: nothing pending, rejoining, one already in
    /// flight, or the last failure was less than `retrySpacingNs` ago.
    package func asyncCommitDue(now: UInt64) -> [TopicPartition]? {
        guard mayCommit, inFlight == nil, now >= retryAt else { return nil }
        return pending.offsets
    }

    /// After an assignment: what to commit in the new generation before fetching starts (nil: nothing).
    package var recommitDue: [TopicPartition]? { pending.isEmpty ? nil : pending.offsets }

    /// Commits are failing and `maxUncommittedLines` lines have been written beyond the last successful
    /// one. (A healthy commit that is merely in flight never holds reading back.)
    package func backlogFull(linesWritten: Int) -> Bool {
        guard let max = maxUncommittedLines else { return false }
        return failingSince != nil && !pending.isEmpty && linesWritten - linesCommitted >= max
    }

    /// Commits have failed without a break for longer than the commit timeout.
    package func failingTooLong(now: UInt64) -> Bool {
        guard let timeout = commitTimeoutNs, let since = failingSince else { return false }
        return now &- since > timeout
    }

    // MARK: Outcomes

    /// An async commit of `offsets` was sent; `linesWritten` lines were written when it was.
    package mutating func sent(_ offsets: [TopicPartition], linesWritten: Int) {
        inFlight = offsets
        inFlightMark = linesWritten
    }

    /// The commit in flight succeeded.
    package mutating func inFlightSucceeded() {
        guard let offsets = inFlight else { return }
        inFlight = nil
        succeeded(offsets, coveringLines: inFlightMark)
    }

    /// The commit in flight failed; true when the failure should be said (see `failed`).
    package mutating func inFlightFailed(_ failure: Failure, now: UInt64) -> Bool {
        inFlight = nil
        return failed(failure, now: now)
    }

    /// The commit in flight is no longer waited for (a synchronous commit of everything follows).
    package mutating func dropInFlight() { inFlight = nil }

    /// A commit of `offsets` succeeded, covering the first `lines` lines written.
    package mutating func succeeded(_ offsets: [TopicPartition], coveringLines lines: Int) {
        pending.committed(offsets)
        troubled = false
        failingSince = nil
        linesCommitted = max(linesCommitted, lines)
    }

    /// A commit failed: its offsets stay pending, the next try waits `retrySpacingNs`, a refusal because
    /// of a rebalance means rejoining. True when this failure should be said: the first of a streak that
    /// is not merely a rebalance.
    package mutating func failed(_ failure: Failure, now: UInt64) -> Bool {
        retryAt = now &+ Self.retrySpacingNs
        if failure == .rebalancing { rejoining = true }
        if failingSince == nil { failingSince = now }
        guard !troubled, failure != .rebalancing else { return false }
        troubled = true
        return true
    }
}

/// The offsets (next to read) of lines written but not yet confirmed committed, per partition, each
/// with the leader epoch of the message it follows.
package struct PendingCommits {
    private var next: [TopicPartition: (offset: Int64, epoch: Int32)] = [:]

    package var isEmpty: Bool { next.isEmpty }
    package var offsets: [TopicPartition] {
        next.map { TopicPartition(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value.offset, leaderEpoch: $0.value.epoch) }
    }

    mutating func wrote(_ written: [TopicPartition]) {
        for tp in written {
            let key = TopicPartition(topic: tp.topic, partition: tp.partition)
            if tp.offset > next[key]?.offset ?? -1 { next[key] = (tp.offset, tp.leaderEpoch) }
        }
    }

    /// Forgets partitions not in `assigned`; true when there were any.
    mutating func keep(_ assigned: Set<TopicPartition>) -> Bool {
        let before = next.count
        next = next.filter { assigned.contains($0.key) }
        return next.count != before
    }

    /// A commit of `offsets` succeeded: those partitions are done unless more was written since.
    mutating func committed(_ offsets: [TopicPartition]) {
        for tp in offsets {
            let key = TopicPartition(topic: tp.topic, partition: tp.partition)
            if let n = next[key], n.offset <= tp.offset { next[key] = nil }
        }
    }
}
