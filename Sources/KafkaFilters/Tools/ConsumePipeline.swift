#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The consumer side of kpull and kstream. Either way, a message's offset is committed only after its
/// line has been written out: kpull pulls and commits itself (`runPull`); kstream is pushed messages
/// (`runStream`), stores the offsets of written lines for librdkafka's auto-commit, and commits them
/// itself before a rebalance takes partitions away and before it leaves.
///
/// The session performs; the rules are decided elsewhere: `CommitTracker` (what to commit, when, and
/// when to hold reading back or give up), `DrainPlan` (-e: where each partition ends), `CommitPolicy`
/// (kpull's commits or kstream's stored offsets), `LineSink` (which offsets were written in full), and a
/// `StopToken` from the tool (its signals).
public final class ConsumeSession {
    let job: ConsumeJob
    let settings: ClientSettings
    let stop: StopToken
    private var consumer: KafkaConsumer!
    let sink: LineSink

    /// Lines wait in the buffer at most this long (kstream's promise for a busy log file).
    static let flushDeadlineNs: UInt64 = 100_000_000

    private var drain: DrainPlan?
    private var commits: CommitTracker
    private var assigned: Set<TopicPartition> = []
    private var subscribed = false
    private var status = ExitStatus.ok
    private var stopReason: String?
    private(set) var messages = 0
    private var outage = false
    private var finishing = false
    /// A failed store of offsets has been said since the last one that worked.
    private var storeTrouble = false
    private var stats: StatsTicker?

    public init(job: ConsumeJob, settings: ClientSettings, stop: StopToken) throws(ToolFailure) {
        var settings = settings
        var defaults: [(String, String)] = [
            ("group.id", job.group),
            // Offsets are stored by us, after the line is written.
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", job.commit.autoCommit ? "true" : "false"),
            ("auto.offset.reset", job.from == .beginning ? "earliest" : "latest"),
            // Bounded prefetch (the bound README's limits state): at most ~4 MiB queued, plus one fetch
            // response of at most 8 MiB per broker in flight. KafkaConsumer wakes librdkafka's fetchers
            // as the queue drains, so a small queue costs no throughput (1M messages: the same wall time
            // with 4 MiB as with 8 or 16, and ~40 MiB less peak RSS than 16 MiB without the wake-ups).
            ("queued.max.messages.kbytes", "4096"),
            ("fetch.max.bytes", "8388608"),
        ]
        if job.exitAtEnd { defaults.append(("enable.partition.eof", "true")) }
        settings.addDefaults(defaults)
        if let m = job.fetchMinBytes { settings.set("fetch.min.bytes", String(m)) }
        self.job = job
        self.settings = settings
        self.stop = stop
        let bounded = job.commit.boundsBacklog
        commits = CommitTracker(
            maxUncommittedLines: bounded ? job.maxUncommittedLines : nil,
            commitTimeoutNs: bounded ? job.commitTimeoutMs * 1_000_000 : nil)
        if job.exitAtEnd { drain = DrainPlan() }
        if let interval = job.statsInterval { stats = StatsTicker(intervalSeconds: interval, now: MonotonicClock.now) }
        let writer: OutputWriter
        if let path = job.outputPath {
            do { writer = try OutputWriter(appendingTo: path) } catch {
                throw ToolFailure(.ioError, "cannot open output: \(error)")
            }
        } else {
            writer = OutputWriter()
        }
        sink = LineSink(writer: writer, format: job.format)
        consumer = try KafkaConsumer(settings: settings) { [unowned self] event in self.rebalance(event) }
    }

    // MARK: - The two models

    /// kpull, the pull model: ask for the next message, turn it into a line; when the queue runs dry
    /// (or 64 KiB or 100 ms have piled up, or after every message with `--commit sync`) write the lines
    /// out, then commit exactly the offsets whose lines were written.
    public func runPull() -> ExitStatus {
        guard start() else { return finish() }
        let sync = job.commit.explicitMode == .sync
        while !isDone {
            if commits.failingTooLong(now: MonotonicClock.now) {
                fail(.tempFailure, "no commit has succeeded for \(job.commitTimeoutMs / 1000) s; stopping with \(sink.linesWritten - commits.linesCommitted) lines written but not committed (they will be read again)")
                break
            }
            if commits.backlogFull(linesWritten: sink.linesWritten) {
                // Back-pressure: take nothing new (so nothing is skipped either) until a commit succeeds.
                collectCommitResult(timeoutMs: 100)
                if commits.inFlight == nil { usleep(20_000) }
                continue
            }
            let got = consumer.poll(timeoutMs: sink.isEmpty ? 100 : 0) { event in
                if case .message(let message) = event { take(message) } else { notice(event) }
            }
            if !got || sync || sink.needsFlush || sink.hasWaited(Self.flushDeadlineNs) {
                writeOut()
                commitWritten()
                // The commit queue is polled only here, after a write-out (every 64 KiB or 100 ms, or when
                // the queue runs dry), not per message: a finished commit waits at most that long.
                collectCommitResult()
            }
            if !got { stopIfReaderGone() }
        }
        return finish()
    }

    /// kstream, the push model: the consumer pushes each message to a `StreamReceiver` as it arrives;
    /// librdkafka's auto-commit sends the offsets stored after each write-out.
    public func runStream() -> ExitStatus {
        guard start() else { return finish() }
        consumer.push(to: StreamReceiver(self), tickMs: 100)
        return finish()
    }

    // MARK: - Shared steps

    private func start() -> Bool {
        for topic in job.topics {
            if case .failure(let error) = consumer.connect(topic: topic, timeoutMs: settings.connectTimeoutMs) {
                if error.isUnknownTopic {
                    fail(.unavailable, "topic \"\(topic)\" does not exist")
                } else if error.isAuthorization {
                    fail(.configError, "not authorized to read \"\(topic)\": \(error)")
                } else {
                    fail(.unavailable,
                        "no broker answered within \(settings.connectTimeoutMs / 1000)s (tried \(settings.brokers)): \(error)")
                }
                return false
            }
        }
        do { try consumer.subscribe(job.topics) } catch {
            fail(.configError, "cannot subscribe: \(error)")
            return false
        }
        subscribed = true
        return true
    }

    var isDone: Bool {
        if stopReason != nil || stop.requested() { return true }
        if let n = job.count, messages >= n { return true }
        if let drain, drain.isComplete { return true }
        return false
    }

    /// Turns one message into a line in the buffer (not yet written).
    func take(_ message: ConsumedMessage) {
        guard stopReason == nil, !finishing else { return }
        commits.fetching()
        if outage {
            outage = false
            Diagnostics.warning("brokers reachable again")
        }
        // Per message the partition is its slot; its TopicPartition is looked up only when needed.
        let slot = sink.slot(for: message)
        var admission = DrainPlan.Admission.within
        if drain != nil {
            admission = drain!.admit(offset: message.offset, slot: slot) { sink.partition(ofSlot: slot) }
            if admission == .beyondEnd { return }
        }
        do {
            try sink.append(message, slot: slot)
        } catch {
            // Stop at this message: what came before is written and committed, nothing after.
            let what = error == .tombstone ? "a tombstone (no value)" : "not a one-line value (binary, or text with a line break)"
            fail(.dataError, "\(sink.partition(ofSlot: slot)) offset \(message.offset): \(what); --format envelope can carry it")
            return
        }
        messages += 1
        if admission == .last { drain?.close(sink.partition(ofSlot: slot)) }
    }

    func notice(_ event: ConsumerEvent) {
        switch event {
        case .message: break
        case .partitionEnd(let tp):
            drain?.reachedEnd(TopicPartition(topic: tp.topic, partition: tp.partition))
        case .assignmentFailed(let error):
            // librdkafka would fetch nothing (or keep fetching partitions it no longer owns).
            Diagnostics.warning("\(error)")
        case .error(let error):
            if error.isFatal {
                fail(.tempFailure, "fatal: \(error)")
            } else if error.isUnknownTopic {
                fail(.unavailable, "\(error)")
            } else if error.isAuthorization {
                fail(.configError, "not authorized: \(error)")
            } else if error.isTransport {
                // librdkafka reconnects on its own; say so once per outage, not per retry.
                if !outage {
                    outage = true
                    // librdkafka appends a guess about SASL to every disconnect; it only misleads here.
                    var text = error.message
                    if let hint = text.firstRange(of: ": verify that security.protocol") { text = String(text[..<hint.lowerBound]) }
                    Diagnostics.warning("lost the cluster (\(text)); waiting for it to come back")
                }
            } else {
                Diagnostics.verbose("\(error)")
            }
        }
    }

    /// Writes the buffered lines, then records the offsets of exactly the lines that were written: as
    /// pending commits, and (kstream) in librdkafka's offset store for its auto-commit.
    func writeOut() {
        guard !finishing else { return }
        let (written, failure) = sink.flush()
        if !written.isEmpty {
            commits.wrote(written)
            if job.commit.storesOffsets { storeOffsets(written) }
        }
        if let failure {
            if failure.isBrokenPipe {
                // The reader went away (kpull | head): stop quietly; what was written is committed.
                stopQuietly()
            } else {
                fail(.ioError, "output: \(failure)")
            }
        }
    }

    /// kstream: a failed store means librdkafka's auto-commit stops advancing for those partitions
    /// (the lines are still committed explicitly on revocation and at exit), so it is said once per run of
    /// failures, and at -v each time.
    private func storeOffsets(_ written: [TopicPartition]) {
        guard let error = consumer.storeOffsets(written) else {
            storeTrouble = false
            return
        }
        if !storeTrouble {
            storeTrouble = true
            Diagnostics.warning("storing offsets for auto-commit failed: \(error); they will be committed at the next rebalance or at exit")
        }
        Diagnostics.verbose("storing offsets: \(error)")
    }

    /// `kpull | head -1` on a quiet topic: head is gone but no write has failed yet.
    func stopIfReaderGone() {
        if sink.isEmpty, sink.readerGone { stopQuietly() }
    }

    private func stopQuietly() {
        if stopReason == nil { stopReason = "output closed" }
    }

    /// Runs inside `rd_kafka_consumer_poll`, before librdkafka applies the change. Note: on assignment
    /// it can make up to three blocking broker calls (the recommit, and with -e the partitions' ends and
    /// committed offsets), each of up to --connect-timeout, before the partitions are assigned.
    private func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let list):
            commits.assigned()
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            assigned.formUnion(keys)
            // Lines written before the rebalance whose commit the group refused: commit them now, in the
            // new generation and before fetching starts, so this member does not read them again.
            recommitAfterRebalance()
            if drain != nil && !finishing { planDrain(keys) }
            Diagnostics.verbose("assigned \(keys.map(\.description).joined(separator: " "))")
        case .revoked(let list, let lost):
            // Write out and commit what was read before another member takes these partitions. When the
            // group refuses (it is already rebalancing, or this member was dropped), the offsets stay
            // pending and are committed once this member has rejoined.
            writeOut()
            if lost { Diagnostics.verbose("assignment lost; committing after rejoining") }
            // While leaving, the final commit has already been made (or given up on).
            if !finishing && !commits.rejoining { commitNow(final: false) }
            commits.revoked()
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            assigned.subtract(keys)
            for tp in keys { drain?.revoke(tp) }
            if assigned.isEmpty { drain?.awaitAssignment() }
            Diagnostics.verbose("revoked \(keys.map(\.description).joined(separator: " "))")
        }
    }

    /// -e: asks the cluster where each new partition ends now and where it starts; the plan decides.
    private func planDrain(_ keys: [TopicPartition]) {
        let timeout = settings.connectTimeoutMs
        let ends = lookUp("ends", consumer.offsets(keys, at: .end, timeoutMs: timeout))
        let committed: [TopicPartition]
        switch consumer.committedOffsets(keys, timeoutMs: timeout) {
        case .success(let list): committed = list
        case .failure(let error):
            // Every partition then starts where --from puts it; one already drained ends at its EOF event.
            Diagnostics.verbose("cannot look up committed offsets: \(error); each partition ends at its end-of-partition event")
            committed = []
        }
        let starts = DrainPlan.starts(for: keys, committed: committed) { uncommitted in
            job.from == .beginning ? lookUp("starts", consumer.offsets(uncommitted, at: .beginning, timeoutMs: timeout)) : ends
        }
        drain?.assign(keys, starts: starts, ends: ends)
    }

    /// A lookup's offsets; on failure none (each partition then ends at its end-of-partition event), said at -v.
    private func lookUp(_ what: String, _ result: Result<[TopicPartition: Int64], KafkaError>) -> [TopicPartition: Int64] {
        switch result {
        case .success(let offsets): return offsets
        case .failure(let error):
            Diagnostics.verbose("cannot look up partition \(what): \(error); each partition ends at its end-of-partition event")
            return [:]
        }
    }

    // MARK: - Commits (decided by `commits`, performed here)

    /// kpull: commits what has been written, synchronously with `--commit sync`, else by starting one
    /// async commit unless one is in flight (its return starts the next).
    private func commitWritten() {
        guard let mode = job.commit.explicitMode, commits.mayCommit else { return }
        switch mode {
        case .sync: commitNow(final: false)
        case .async:
            guard let offsets = commits.asyncCommitDue(now: MonotonicClock.now) else { return }
            if let error = consumer.commitAsync(offsets) {
                commitFailed(error)
                return
            }
            commits.sent(offsets, linesWritten: sink.linesWritten)
        }
    }

    private func collectCommitResult(timeoutMs: Int32 = 0) {
        guard commits.inFlight != nil, let result = consumer.pollCommitResult(timeoutMs: timeoutMs) else { return }
        switch result {
        case .success: commits.inFlightSucceeded()
        case .failure(let error):
            if commits.inFlightFailed(Self.failure(error), now: MonotonicClock.now) { warnCommitFailed(error) }
            Diagnostics.verbose("commit failed: \(error)")
        }
        commitWritten()
    }

    private static func failure(_ error: KafkaError) -> CommitTracker.Failure { error.isGroupRebalance ? .rebalancing : .other }

    private func commitFailed(_ error: KafkaError) {
        if commits.failed(Self.failure(error), now: MonotonicClock.now) { warnCommitFailed(error) }
        Diagnostics.verbose("commit failed: \(error)")
    }

    private func warnCommitFailed(_ error: KafkaError) { Diagnostics.warning("commit failed: \(error) (will retry)") }

    /// A synchronous commit of every pending offset, after any async one in flight has returned (so
    /// commits stay in order).
    @discardableResult
    private func commitNow(final: Bool) -> KafkaError? {
        var waited = 0
        while commits.inFlight != nil, waited < 300 {
            if let result = consumer.pollCommitResult(timeoutMs: 100) {
                // A failure here needs no handling of its own: everything pending is committed next.
                if case .success = result { commits.inFlightSucceeded() } else { commits.dropInFlight() }
            }
            waited += 1
        }
        commits.dropInFlight()
        let offsets = commits.pending.offsets
        let mark = sink.linesWritten
        guard let error = consumer.commitSync(offsets) else {
            commits.succeeded(offsets, coveringLines: mark)
            return nil
        }
        if !final { commitFailed(error) }
        return error
    }

    private func recommitAfterRebalance() {
        guard let offsets = commits.recommitDue else { return }
        let mark = sink.linesWritten
        if let error = consumer.commitSync(offsets) {
            // Keep trying only for partitions still ours: a late commit for one another member now
            // reads could move its offset back.
            if commits.keepOnly(assigned) { Diagnostics.warning("commit after rebalance failed: \(error); lines of partitions now read by another member will be read again") }
        } else {
            commits.succeeded(offsets, coveringLines: mark)
        }
    }

    /// The last commit before leaving: retried, and if the group is rebalancing, this member keeps
    /// taking part (fetching nothing it writes) until it has rejoined and the commit goes through.
    private func commitFinal() {
        let patience = UInt64(min(max(sessionTimeoutMs + 5_000, 10_000), 60_000)) * 1_000_000
        let deadline = MonotonicClock.now + patience
        var failures = 0
        while let error = commitNow(final: true) {
            failures += 1
            // Each try can wait seconds for a coordinator: one is enough when the cluster is known to be
            // gone, and a second SIGINT/SIGTERM means "stop now".
            let giveUp = MonotonicClock.now >= deadline || error.isFatal || stop.now()
                || (!error.isGroupRebalance && failures >= (outage ? 1 : 5))
            if giveUp {
                fail(.tempFailure, "cannot commit offsets: \(error); the last lines written will be read again")
                return
            }
            if error.isGroupRebalance {
                // Serve the rebalance until this member is assigned again; the assignment callback commits
                // the pending offsets in the new generation. No commit is sent meanwhile: one that reaches
                // the coordinator between JoinGroup and SyncGroup fails with ILLEGAL_GENERATION and makes
                // the join start over, so retrying here kept a member from ever rejoining (CI, two members
                // stopped at once: every join round broken by the next retry until the deadline).
                let seen = commits.assignments
                while !commits.pending.isEmpty, commits.assignments == seen, MonotonicClock.now < deadline, !stop.now() {
                    // Only rebalance callbacks matter here; messages are not taken while finishing.
                    consumer.poll(timeoutMs: 100) { _ in }
                }
                if commits.pending.isEmpty { return }
            } else {
                usleep(200_000)
            }
        }
    }

    private var sessionTimeoutMs: Int { settings.value(of: "session.timeout.ms").flatMap { Int($0) } ?? 45_000 }

    // MARK: - kstream's housekeeping

    func reopenOutput() {
        writeOut()
        do { try sink.reopen() } catch { fail(.ioError, "cannot reopen output: \(error)") }
        Diagnostics.verbose("output reopened")
    }

    func printStatsIfDue() {
        guard stats != nil, let rate = stats!.due(messages: messages, now: MonotonicClock.now) else { return }
        let lag = consumer.lag(Array(assigned)).map { ", lag \($0)" } ?? ""
        Diagnostics.error("\(messages) messages, \(rate)/s\(lag), \(assigned.count) partitions")
    }

    // MARK: - End

    func fail(_ s: ExitStatus, _ message: String) {
        Diagnostics.error(message)
        status = status.worst(s)
        if stopReason == nil { stopReason = message }
    }

    /// Final write-out and commit, then leave the group.
    private func finish() -> ExitStatus {
        if status != .ioError { writeOut() }
        finishing = true
        if subscribed { commitFinal() }
        consumer.close()
        consumer = nil
        // kpull reports the signal that stopped it; for kstream a signal is the normal way to stop (0).
        if job.commit.signalIsExitStatus, let s = stop.exitStatus() { status = status.worst(s) }
        return status
    }
}
