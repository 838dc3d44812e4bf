import KafkaBinding
import KafkaCore

/// Who commits the offsets of written lines, and how: the one place that tells kpull's commits from
/// kstream's (`CommitPolicy`). kpull commits them itself (`explicit`: one async commit in flight, or one
/// synchronous commit per message), bounds what it writes ahead of failing commits and gives up after the
/// commit timeout; kstream stores them for librdkafka's auto-commit (`storedOffsets`); --no-group commits
/// nothing. Either way the offsets written are committed before a rebalance takes partitions away and
/// before the consumer leaves. What to commit and when is `CommitTracker`'s; this performs it.
final class OffsetCommitter {
    private let policy: CommitPolicy
    private(set) var tracker: CommitTracker
    /// kstream: a failed store of offsets has been said since the last one that worked.
    private var storeTrouble = false
    /// Whether commits and stores still carry leader epochs (the rule: `LeaderEpochFallback`).
    private var epochs = LeaderEpochFallback()
    private let commitTimeoutMs: UInt64
    /// --acks: offsets go on to be committed only once written AND reported done (`DoneGate`).
    private(set) var gate: DoneGate?

    init(_ policy: CommitPolicy, maxUncommittedLines: Int, commitTimeoutMs: UInt64, acks: DoneGate? = nil) {
        self.policy = policy
        gate = acks
        self.commitTimeoutMs = commitTimeoutMs
        let bounded = policy.boundsBacklog
        tracker = CommitTracker(
            maxUncommittedLines: bounded ? maxUncommittedLines : nil,
            commitTimeoutNs: bounded ? commitTimeoutMs * 1_000_000 : nil)
    }

    /// librdkafka's `enable.auto.commit`: only for kstream's stored offsets.
    static func autoCommit(_ policy: CommitPolicy) -> Bool { policy.autoCommit }

    /// Offsets of written lines are committed at all (not --no-group).
    var commits: Bool { policy.commits }
    /// kpull --commit sync: every message is written out and committed on its own.
    var commitsEachMessage: Bool { policy.explicitMode == .sync }
    var linesCommitted: Int { tracker.linesCommitted }
    var rejoining: Bool { tracker.rejoining }

    // MARK: - Reading

    /// A message arrived: this member is fetching again.
    @inline(__always) func fetching() { tracker.fetching() }

    /// kpull: commits have failed for longer than the commit timeout; the message to stop with, if so.
    func failedTooLong(linesWritten: Int) -> String? {
        // Read first, as in `backlogFull`: a healthy run neither copies the tracker nor reads the clock.
        guard tracker.failingSince != nil, tracker.failingTooLong(now: MonotonicClock.now) else { return nil }
        return "no commit has succeeded for \(commitTimeoutMs / 1000) s; stopping with \(linesWritten - tracker.linesCommitted) lines written but not committed (they will be read again)"
    }

    /// kpull's back-pressure: commits are failing and the backlog is full, so nothing new is to be taken
    /// (so nothing is skipped either) until a commit succeeds (`waitForCommit`). Checked every loop turn:
    /// the stored `failingSince` first, so a healthy run neither copies the tracker nor reads the clock.
    func backlogFull(linesWritten: Int) -> Bool {
        tracker.failingSince != nil && tracker.backlogFull(linesWritten: linesWritten)
    }

    /// While the backlog is full: waits a little for the commit in flight (or between retries).
    func waitForCommit(_ consumer: KafkaConsumer, linesWritten: Int) {
        collectResult(consumer, linesWritten: linesWritten, timeoutMs: 100)
        if tracker.inFlight == nil { SystemCalls.sleep(milliseconds: 20) }
    }

    /// Lines were written whose next offsets are `written`: pending commits, and (kstream) stored in
    /// librdkafka's offset store for its auto-commit.
    func wrote(_ written: [TopicPartition], counts: [(first: Int64, lines: Int)] = [], _ consumer: KafkaConsumer) {
        guard !written.isEmpty, policy.commits else { return }
        if gate != nil {
            let batches = zip(written, counts).map { (next: $0, first: $1.first, lines: $1.lines) }
            return ready(gate!.wrote(batches), consumer)
        }
        ready(written, consumer)
    }

    /// Offsets that may now be committed (written, and with --acks done).
    private func ready(_ offsets: [TopicPartition], _ consumer: KafkaConsumer) {
        guard !offsets.isEmpty else { return }
        tracker.wrote(offsets)
        if policy.storesOffsets { store(offsets, consumer) }
    }

    // MARK: - --acks

    /// kput reported these done.
    func done(_ reports: [TopicPartition], _ consumer: KafkaConsumer) {
        guard gate != nil, !reports.isEmpty else { return }
        ready(reports.compactMap { gate!.done($0) }, consumer)
    }

    /// kput said `end` after this reader closed its output: everything written is done.
    func ended(_ consumer: KafkaConsumer) {
        guard gate != nil else { return }
        ready(gate!.ended(), consumer)
    }

    /// --acks: the bound of lines written and not yet done is reached.
    var undoneFull: Bool { gate?.full ?? false }
    var undone: Int { gate?.outstanding ?? 0 }

    /// --acks: partitions taken away are forgotten (after their done offsets were committed).
    func forget(_ keys: [TopicPartition]) { gate?.revoked(keys) }

    /// After a write-out: kpull commits what has been written and collects the result of the commit in
    /// flight. (The commit queue is polled only here, after a write-out, not per message: a finished
    /// commit waits at most that long.)
    func afterWriteOut(_ consumer: KafkaConsumer, linesWritten: Int) {
        guard policy.explicitMode != nil else { return }
        commitWritten(consumer, linesWritten: linesWritten)
        collectResult(consumer, linesWritten: linesWritten)
    }

    /// kstream: a failed store means librdkafka's auto-commit stops advancing for those partitions (the
    /// lines are still committed explicitly on revocation and at exit), so it is said once per run of
    /// failures, and at -v each time.
    private func store(_ written: [TopicPartition], _ consumer: KafkaConsumer) {
        guard let error = consumer.storeOffsets(epochs.outgoing(written)) else {
            storeTrouble = false
            return
        }
        if !storeTrouble {
            storeTrouble = true
            Diagnostics.warning("storing offsets for auto-commit failed: \(error); they will be committed at the next rebalance or at exit")
        }
        Diagnostics.verbose("storing offsets: \(error)")
    }

    /// kpull: commits what has been written, synchronously with `--commit sync`, else by starting one
    /// async commit unless one is in flight (its return starts the next).
    private func commitWritten(_ consumer: KafkaConsumer, linesWritten: Int) {
        guard let mode = policy.explicitMode, tracker.mayCommit else { return }
        switch mode {
        case .sync: commitNow(consumer, linesWritten: linesWritten, final: false)
        case .async:
            guard let offsets = tracker.asyncCommitDue(now: MonotonicClock.now) else { return }
            if let error = consumer.commitAsync(epochs.outgoing(offsets)) {
                failed(error)
                return
            }
            tracker.sent(offsets, linesWritten: covered(linesWritten))
        }
    }

    /// How many of the lines written a commit taken now covers: all of them, or with --acks only those
    /// reported done (the rest wait for kput), so -v's summary and the messages about uncommitted lines
    /// count what the group really holds.
    private func covered(_ linesWritten: Int) -> Int { linesWritten - undone }

    private func collectResult(_ consumer: KafkaConsumer, linesWritten: Int, timeoutMs: Int32 = 0) {
        guard tracker.inFlight != nil, let result = pollResult(consumer, timeoutMs: timeoutMs) else { return }
        switch result {
        case .success: tracker.inFlightSucceeded()
        case .failure(let error):
            if tracker.inFlightFailed(Self.failure(error), now: MonotonicClock.now) { warnFailed(error) }
            Diagnostics.verbose("commit failed: \(error)")
        }
        commitWritten(consumer, linesWritten: linesWritten)
    }

    /// A synchronous commit; the first one refused for its leader epochs is sent again at once without.
    private func commitSync(_ offsets: [TopicPartition], _ consumer: KafkaConsumer) -> KafkaError? {
        let error = consumer.commitSync(epochs.outgoing(offsets))
        guard let error, epochs.commitAnswered(refusedForEpoch: error.isLeaderEpochRefusal) else { return error }
        return consumer.commitSync(epochs.outgoing(offsets))
    }

    /// The async commit's result, if it is in; one refused for its epochs makes the next go without
    /// (the tracker still holds its offsets).
    private func pollResult(_ consumer: KafkaConsumer, timeoutMs: Int32) -> Result<Void, KafkaError>? {
        let result = consumer.pollCommitResult(timeoutMs: timeoutMs)
        if case .failure(let error) = result { _ = epochs.commitAnswered(refusedForEpoch: error.isLeaderEpochRefusal) }
        return result
    }

    /// librdkafka's auto-commit was refused for the epochs `offsets` carried: they are stored again
    /// without, so the next auto-commit (or the one on close) carries what was written. A partition no
    /// longer assigned cannot be stored; nothing else can fail.
    func autoCommitRefused(_ offsets: [TopicPartition], _ consumer: KafkaConsumer) {
        let again = epochs.autoCommitRefused(offsets)
        if !again.isEmpty { _ = consumer.storeOffsets(again) }
    }

    private static func failure(_ error: KafkaError) -> CommitTracker.Failure { error.isGroupRebalance ? .rebalancing : .other }

    private func failed(_ error: KafkaError) {
        if tracker.failed(Self.failure(error), now: MonotonicClock.now) { warnFailed(error) }
        Diagnostics.verbose("commit failed: \(error)")
    }

    private func warnFailed(_ error: KafkaError) { Diagnostics.warning("commit failed: \(error) (will retry)") }

    /// A synchronous commit of every pending offset, after any async one in flight has returned (so
    /// commits stay in order).
    @discardableResult
    private func commitNow(_ consumer: KafkaConsumer, linesWritten: Int, final: Bool) -> KafkaError? {
        var waited = 0
        while tracker.inFlight != nil, waited < 300 {
            if let result = pollResult(consumer, timeoutMs: 100) {
                // A failure here needs no handling of its own: everything pending is committed next.
                if case .success = result { tracker.inFlightSucceeded() } else { tracker.dropInFlight() }
            }
            waited += 1
        }
        tracker.dropInFlight()
        let offsets = tracker.pending.offsets
        guard let error = commitSync(offsets, consumer) else {
            tracker.succeeded(offsets, coveringLines: covered(linesWritten))
            return nil
        }
        if !final { failed(error) }
        return error
    }

    // MARK: - Rebalances

    /// Partitions were assigned: lines written before the rebalance whose commit the group refused are
    /// committed now, in the new generation and before fetching starts, so this member does not read
    /// them again. A late commit is kept trying only for partitions still ours (`assigned`): one for a
    /// partition another member now reads could move its offset back.
    func assigned(_ consumer: KafkaConsumer, linesWritten: Int, stillOurs assigned: Set<TopicPartition>) {
        tracker.assigned()
        guard let offsets = tracker.recommitDue else { return }
        if let error = commitSync(offsets, consumer) {
            if tracker.keepOnly(assigned) { Diagnostics.warning("commit after rebalance failed: \(error); lines of partitions now read by another member will be read again") }
        } else {
            tracker.succeeded(offsets, coveringLines: covered(linesWritten))
        }
    }

    /// Partitions are being revoked (after the lines read were written out): commits first when
    /// `commitFirst` (the lifecycle's `commitsBeforeRevoke`). When the group refuses, the offsets stay
    /// pending and are committed once this member has rejoined.
    func revoking(_ consumer: KafkaConsumer, linesWritten: Int, commitFirst: Bool) {
        if commitFirst { commitNow(consumer, linesWritten: linesWritten, final: false) }
        tracker.revoked()
    }

    // MARK: - Finishing

    /// The last commit before leaving: retried as the lifecycle's `afterFinalCommitFailure` says, and if
    /// the group is rebalancing, this member keeps taking part (fetching nothing it writes) until it has
    /// rejoined and the commit goes through. Returns the failure to stop with (exit 75), if it gave up.
    func commitFinal(_ consumer: KafkaConsumer, linesWritten: Int, lifecycle: ConsumerLifecycle, sessionTimeoutMs: Int,
                     stop: StopToken) -> String?
    {
        let patience = UInt64(ConsumerLifecycle.finalCommitPatienceMs(sessionTimeoutMs: sessionTimeoutMs)) * 1_000_000
        let deadline = MonotonicClock.now + patience
        var failures = 0
        while let error = commitNow(consumer, linesWritten: linesWritten, final: true) {
            failures += 1
            let step = lifecycle.afterFinalCommitFailure(
                failures: failures, rebalancing: error.isGroupRebalance, fatal: error.isFatal,
                pastDeadline: MonotonicClock.now >= deadline, stopNow: stop.now())
            switch step {
            case .giveUp:
                return "cannot commit offsets: \(error); the last lines written will be read again"
            case .awaitRejoin:
                // Serve the rebalance until this member is assigned again; the assignment callback commits
                // the pending offsets in the new generation. No commit is sent meanwhile: one that reaches
                // the coordinator between JoinGroup and SyncGroup fails with ILLEGAL_GENERATION and makes
                // the join start over, so retrying here kept a member from ever rejoining (CI, two members
                // stopped at once: every join round broken by the next retry until the deadline).
                let seen = tracker.assignments
                while !tracker.pending.isEmpty, tracker.assignments == seen, MonotonicClock.now < deadline, !stop.now() {
                    // Only rebalance callbacks matter here; messages are not taken while finishing.
                    consumer.poll(timeoutMs: 100) { _ in }
                }
                if tracker.pending.isEmpty { return nil }
            case .retryAfterPause:
                SystemCalls.sleep(milliseconds: 200)
            }
        }
        return nil
    }

    /// Stopping while no broker answers: librdkafka's synchronous commit and its close would each wait
    /// for a coordinator (kstream took 13 s to exit after SIGTERM with session.timeout.ms=6000, 47 s with
    /// the default 45 s). No commit is sent, and librdkafka's close is skipped: nothing unwritten is
    /// committed, the lines written since the last commit will be read again, exit 75. kpull then exits at
    /// once; kstream's teardown still waits for the auto-commits librdkafka itself queued, at most
    /// session.timeout.ms. Returns the failure to stop with, if lines were left uncommitted.
    func abandonUnreachable(linesWritten: Int) -> String? {
        tracker.dropInFlight()
        guard !tracker.pending.isEmpty else { return nil }
        let unsure = linesWritten - tracker.linesCommitted
        return "cannot commit offsets: no broker is reachable; the last \(unsure) lines written will be read again"
    }
}
