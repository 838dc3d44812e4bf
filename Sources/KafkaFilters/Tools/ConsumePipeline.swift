#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum StartPosition: String, Sendable, CaseIterable {
    case beginning, end
}

public enum CommitMode: String, Sendable, CaseIterable {
    /// One commit in flight at a time, each carrying every offset written since the last (kpull's default).
    case async
    /// One synchronous commit per message, after its line is written.
    case sync
}

public struct ConsumeJob: Sendable {
    public var topics: [String]
    public var group: String
    public var format: Envelope.Format = .envelope
    public var from: StartPosition
    public var fetchMinBytes: Int?
    public var count: Int?
    public var exitAtEnd = false
    /// nil: librdkafka auto-commits the stored offsets (kstream); otherwise kpull's own commits.
    public var commit: CommitMode?
    public var outputPath: String?
    public var statsInterval: Double?
    /// kpull writes at most this many lines beyond its last successful commit; then it takes no new
    /// message until a commit succeeds.
    public var maxUncommittedLines = 10_000
    /// kpull gives up (exit 75) when no commit has succeeded for this long while commits are failing.
    public var commitTimeoutMs: UInt64 = 60_000

    public init(topics: [String], group: String, from: StartPosition) {
        self.topics = topics
        self.group = group
        self.from = from
    }
}

/// The consumer side of kpull and kstream. Either way, a message's offset is committed only after its
/// line has been written out: kpull pulls and commits itself (`runPull`); kstream is pushed messages
/// (`runStream`), stores the offsets of written lines for librdkafka's auto-commit, and commits them
/// itself before a rebalance takes partitions away and before it leaves.
public final class ConsumeSession {
    let job: ConsumeJob
    let settings: ClientSettings
    private var consumer: KafkaConsumer!
    let sink: LineSink

    /// librdkafka 2.2+: how long a partition whose prefetch queue is full waits before it is fetched
    /// again (README, Limits; measured in Benchmarks/).
    public static let fetchQueueBackoffMs = 10

    /// Lines wait in the buffer at most this long (kstream's promise for a busy log file).
    static let flushDeadlineNs: UInt64 = 100_000_000

    private var drain: DrainPlan?
    private var assigned: Set<TopicPartition> = []
    private var subscribed = false
    private var status = ExitStatus.ok
    private var stopReason: String?
    private(set) var messages = 0
    private var outage = false
    private var finishing = false

    /// Written but not yet known to be committed. Commits carry these explicit offsets, so lines written
    /// before a rebalance are still committed after it (the group refuses commits while it rebalances).
    private var pending = PendingCommits()
    /// Assignments received so far: the final commit waits for the next one after a refusal.
    private var assignments = 0
    /// Between a revocation (or a commit refused because the group is rebalancing) and the next assignment
    /// or message, kpull sends no commit: one that reaches the coordinator between this member's JoinGroup
    /// and SyncGroup fails with ILLEGAL_GENERATION and restarts the join, so periodic retries kept a member
    /// from ever rejoining (CI: 21 refused commits in 60 s). The assignment callback commits what is pending.
    private var rejoining = false
    // kpull's async commits: at most one in flight (librdkafka #826), the next carries everything since.
    private var commitInFlight: [TopicPartition]?
    private var commitRetryAt: UInt64 = 0
    private var commitTrouble = false
    /// When commits started failing (nil while they succeed), and how many written lines the last
    /// successful commit covered: together they bound what kpull writes ahead of its commits.
    private var failingSince: UInt64?
    private var linesCommitted = 0
    private var inFlightMark = 0

    public init(job: ConsumeJob, settings: ClientSettings) throws(ToolFailure) {
        var settings = settings
        var defaults: [(String, String)] = [
            ("group.id", job.group),
            // Offsets are stored by us, after the line is written.
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", job.commit == nil ? "true" : "false"),
            ("auto.offset.reset", job.from == .beginning ? "earliest" : "latest"),
            // Bounded prefetch (the bound README's limits state): at most ~4 MiB queued, plus one fetch
            // response of at most 8 MiB per broker in flight. Before librdkafka 2.2 KafkaConsumer wakes
            // its fetchers as the queue drains, so a small queue costs no throughput (1M messages: the
            // same wall time with 4 MiB as with 8 or 16, and ~40 MiB less peak RSS than 16 MiB without
            // the wake-ups); from 2.2 a short fetch.queue.backoff.ms does that job (below).
            ("queued.max.messages.kbytes", "4096"),
            ("fetch.max.bytes", "8388608"),
        ]
        if Librdkafka.hasFetchQueueBackoff {
            // 2.2+ backs a partition off for fetch.queue.backoff.ms (default 1000) whenever its queue is
            // over the bound, and no wake-up cuts that short: with a 4 MiB queue that drains in ~20 ms,
            // the default made draining 1M messages 4.7x slower (17.6 s instead of 3.8 s).
            defaults.append(("fetch.queue.backoff.ms", String(Self.fetchQueueBackoffMs)))
        }
        if job.exitAtEnd { defaults.append(("enable.partition.eof", "true")) }
        settings.addDefaults(defaults)
        if let m = job.fetchMinBytes { settings.set("fetch.min.bytes", String(m)) }
        self.job = job
        self.settings = settings
        if job.exitAtEnd { drain = DrainPlan() }
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
        while !isDone {
            if commitsFailingTooLong() { break }
            if commitBacklogFull {
                // Back-pressure: take nothing new (so nothing is skipped either) until a commit succeeds.
                collectCommitResult(timeoutMs: 100)
                if commitInFlight == nil { usleep(20_000) }
                continue
            }
            let got = consumer.poll(timeoutMs: sink.isEmpty ? 100 : 0) { event in
                if case .message(let message) = event { take(message) } else { notice(event) }
            }
            if !got || job.commit == .sync || sink.needsFlush || sink.hasWaited(Self.flushDeadlineNs) {
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
        var appeared = 0
        // A regex subscription (`^...`) names no one topic to look up: librdkafka matches it.
        for topic in job.topics where !topic.hasPrefix("^") {
            switch awaitTopic(topic) {
            case .existed: break
            case .appeared: appeared += 1
            case .stopped: return false
            }
        }
        if appeared > 0, appeared == job.topics.count, job.from == .end {
            // Every topic was created after this run started, so each of its messages is newer than the
            // start: "from the end as of the start" is its beginning. (With --from end a group starts at
            // the end when it gets the partitions, seconds after the topic appeared, and would skip what
            // a producer wrote meanwhile: the original example's first step, consumers started first.)
            // With some topics there before, their end must stay the start: the new ones keep that too.
            do {
                var earliest = settings
                earliest.set("auto.offset.reset", "earliest")
                consumer.close()
                consumer = try KafkaConsumer(settings: earliest) { [unowned self] event in self.rebalance(event) }
            } catch {
                fail(error.status, error.message)
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

    private enum TopicArrival { case existed, appeared, stopped }

    /// Waits for `topic` to exist, as a consumer of a real cluster must: Kafka creates no topic because a
    /// consumer asked about it, and librdkafka would notice a topic created after it subscribed only at
    /// its next metadata refresh (`topic.metadata.refresh.interval.ms`, 5 minutes by default). So the
    /// tool looks once a second (`topicPollMs`), says once that it is waiting, and subscribes when the
    /// topic is there. `kpull -e` does not wait: a drain of a topic that does not exist is an error
    /// (exit 69), so a typo in a cron job is loud.
    private func awaitTopic(_ topic: String) -> TopicArrival {
        var waiting = false
        while true {
            let error: KafkaError
            switch consumer.connect(topic: topic, timeoutMs: settings.connectTimeoutMs) {
            case .success:
                if waiting { Diagnostics.verbose("topic \"\(topic)\" exists now") }
                return waiting ? .appeared : .existed
            case .failure(let e): error = e
            }
            if error.isUnknownTopic {
                if job.exitAtEnd {
                    fail(.unavailable, "topic \"\(topic)\" does not exist")
                    return .stopped
                }
                if !waiting {
                    waiting = true
                    Diagnostics.warning("topic \"\(topic)\" does not exist yet; waiting for it to be created")
                }
                let deadline = MonotonicClock.now + Self.topicPollMs * 1_000_000
                while MonotonicClock.now < deadline {
                    if Signals.stopRequested { return .stopped }
                    usleep(50_000)
                }
                continue
            }
            if error.isAuthorization {
                fail(.configError, "not authorized to read \"\(topic)\": \(error)")
            } else {
                fail(.unavailable,
                    "no broker answered within \(settings.connectTimeoutMs / 1000)s (tried \(settings.brokers)): \(error)")
            }
            return .stopped
        }
    }

    /// How often a consumer waiting for its topic to be created looks for it.
    static let topicPollMs: UInt64 = 1_000

    var isDone: Bool {
        if stopReason != nil || Signals.stopRequested { return true }
        if let n = job.count, messages >= n { return true }
        if let drain, drain.isComplete { return true }
        return false
    }

    /// Turns one message into a line in the buffer (not yet written).
    func take(_ message: ConsumedMessage) {
        guard stopReason == nil, !finishing else { return }
        rejoining = false   // fetching again (cooperative rebalances may assign nothing new)
        if outage {
            outage = false
            Diagnostics.warning("brokers reachable again")
        }
        // Per message the partition is its slot; its TopicPartition is looked up only when needed.
        let slot = sink.slot(for: message)
        var end: Int64? = nil
        if drain != nil {
            end = drain!.end(slot: slot) { sink.partition(ofSlot: slot) }
            if let end, message.offset >= end {
                // Produced after this -e run started: it belongs to the next run, so it is neither written nor stored.
                drain!.reachedEnd(sink.partition(ofSlot: slot))
                return
            }
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
        // `read` only closes a partition whose end is reached (with `end` as the plan has it now).
        if let end, message.offset + 1 >= end { drain?.read(sink.partition(ofSlot: slot), next: message.offset + 1) }
    }

    func notice(_ event: ConsumerEvent) {
        switch event {
        case .message: break
        case .partitionEnd(let tp):
            drain?.reachedEnd(TopicPartition(topic: tp.topic, partition: tp.partition))
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
                    // The one place librdkafka's English text is cut, and only for the display: where a
                    // version words it otherwise (2.0.2 and 2.16 both say this), the whole text is shown.
                    // Decisions go by error code only (KafkaError's predicates).
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
            pending.wrote(written)
            if job.commit == nil, let error = consumer.storeOffsets(written) { Diagnostics.verbose("storing offsets: \(error)") }
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

    /// `kpull | head -1` on a quiet topic: head is gone but no write has failed yet.
    func stopIfReaderGone() {
        if sink.isEmpty, sink.readerGone { stopQuietly() }
    }

    private func stopQuietly() {
        if stopReason == nil { stopReason = "output closed" }
    }

    private func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let list):
            assignments += 1
            rejoining = false
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
            if !finishing && !rejoining { commitNow(final: false) }
            rejoining = true
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            assigned.subtract(keys)
            for tp in keys { drain?.revoke(tp) }
            if assigned.isEmpty { drain?.awaitAssignment() }
            Diagnostics.verbose("revoked \(keys.map(\.description).joined(separator: " "))")
        }
    }

    /// -e: where each new partition starts (its committed offset, else the --from end) and where it
    /// ends as of now; a partition already there is done without waiting for a fetch.
    private func planDrain(_ keys: [TopicPartition]) {
        let timeout = settings.connectTimeoutMs
        let ends = consumer.endOffsets(keys, timeoutMs: timeout)
        let committed = consumer.committed(keys, timeoutMs: timeout) ?? []
        var starts: [TopicPartition: Int64] = [:]
        for tp in committed where tp.offset >= 0 { starts[TopicPartition(topic: tp.topic, partition: tp.partition)] = tp.offset }
        let uncommittedKeys = keys.filter { starts[$0] == nil }
        if !uncommittedKeys.isEmpty {
            let resets = job.from == .beginning ? consumer.startOffsets(uncommittedKeys, timeoutMs: timeout) : ends
            for tp in uncommittedKeys { starts[tp] = resets[tp] }
        }
        drain?.assign(keys, starts: starts, ends: ends)
    }

    // MARK: - Commits

    /// kpull: commits what has been written, synchronously with `--commit sync`, else by starting one
    /// async commit unless one is in flight (its return starts the next).
    private func commitWritten() {
        guard let mode = job.commit, !pending.isEmpty, !rejoining else { return }
        switch mode {
        case .sync: commitNow(final: false)
        case .async:
            guard commitInFlight == nil, MonotonicClock.now >= commitRetryAt else { return }
            let offsets = pending.offsets
            if let error = consumer.commitAsync(offsets) {
                commitFailed(error)
                return
            }
            commitInFlight = offsets
            inFlightMark = sink.linesWritten
        }
    }

    private func collectCommitResult(timeoutMs: Int32 = 0) {
        guard let offsets = commitInFlight, let result = consumer.pollCommitResult(timeoutMs: timeoutMs) else { return }
        commitInFlight = nil
        switch result {
        case .success: commitSucceeded(offsets, coveringLines: inFlightMark)
        case .failure(let error): commitFailed(error)
        }
        commitWritten()
    }

    private func commitSucceeded(_ offsets: [TopicPartition], coveringLines mark: Int) {
        pending.committed(offsets)
        commitTrouble = false
        failingSince = nil
        linesCommitted = max(linesCommitted, mark)
    }

    /// Commits are failing and kpull has written `maxUncommittedLines` beyond its last successful one.
    /// (A healthy commit that is merely in flight never holds reading back.)
    private var commitBacklogFull: Bool {
        job.commit != nil && failingSince != nil && !pending.isEmpty
            && sink.linesWritten - linesCommitted >= job.maxUncommittedLines
    }

    /// Commits have failed without a break for longer than the commit timeout: stop (exit 75) rather than
    /// keep writing lines that would be read again.
    private func commitsFailingTooLong() -> Bool {
        guard job.commit != nil, let since = failingSince,
              MonotonicClock.now &- since > job.commitTimeoutMs * 1_000_000 else { return false }
        fail(.tempFailure, "no commit has succeeded for \(job.commitTimeoutMs / 1000) s; stopping with \(sink.linesWritten - linesCommitted) lines written but not committed (they will be read again)")
        return true
    }

    private func commitFailed(_ error: KafkaError) {
        // Retried with the next batch of lines, but not before 200 ms: no tight loop against a refusing group.
        commitRetryAt = MonotonicClock.now + 200_000_000
        if error.isGroupRebalance { rejoining = true }
        if failingSince == nil { failingSince = MonotonicClock.now }
        if !commitTrouble && !error.isGroupRebalance {
            commitTrouble = true
            Diagnostics.warning("commit failed: \(error) (will retry)")
        }
        Diagnostics.verbose("commit failed: \(error)")
    }

    /// A synchronous commit of every pending offset, after any async one in flight has returned (so
    /// commits stay in order).
    @discardableResult
    private func commitNow(final: Bool) -> KafkaError? {
        var waited = 0
        while let offsets = commitInFlight, waited < 300 {
            if let result = consumer.pollCommitResult(timeoutMs: 100) {
                commitInFlight = nil
                if case .success = result { commitSucceeded(offsets, coveringLines: inFlightMark) }
            }
            waited += 1
        }
        commitInFlight = nil
        let offsets = pending.offsets
        let mark = sink.linesWritten
        guard let error = consumer.commitSync(offsets) else {
            commitSucceeded(offsets, coveringLines: mark)
            return nil
        }
        if !final { commitFailed(error) }
        return error
    }

    private func recommitAfterRebalance() {
        guard !pending.isEmpty else { return }
        let offsets = pending.offsets
        let mark = sink.linesWritten
        if let error = consumer.commitSync(offsets) {
            // Keep trying only for partitions still ours: a late commit for one another member now
            // reads could move its offset back.
            if pending.keep(assigned) { Diagnostics.warning("commit after rebalance failed: \(error); lines of partitions now read by another member will be read again") }
        } else {
            commitSucceeded(offsets, coveringLines: mark)
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
            let giveUp = MonotonicClock.now >= deadline || error.isFatal || Signals.stopNow
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
                let seen = assignments
                while !pending.isEmpty, assignments == seen, MonotonicClock.now < deadline, !Signals.stopNow {
                    consumer.poll(timeoutMs: 100) { _ in }
                }
                if pending.isEmpty { return }
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

    private var lastStats = (at: MonotonicClock.now, messages: 0)

    func printStatsIfDue() {
        guard let interval = job.statsInterval else { return }
        let now = MonotonicClock.now
        let elapsed = Double(now &- lastStats.at) / 1e9
        guard elapsed >= interval else { return }
        let rate = Int((Double(messages - lastStats.messages) / elapsed).rounded())
        lastStats = (now, messages)
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
        if let s = Signals.exitStatus, job.commit != nil { status = status.worst(s) }
        return status
    }
}

/// kstream's side of the push: every message becomes a line in the buffer as it arrives; the buffer is
/// written out when the stream goes quiet (so a line shows up at once in a pipe or terminal), when it is
/// full, and at the latest 100 ms after its oldest line arrived (a busy log file); only then are the
/// offsets stored, for librdkafka's auto-commit.
private final class StreamReceiver: MessageReceiver {
    unowned let session: ConsumeSession

    init(_ session: ConsumeSession) { self.session = session }

    func receive(_ message: ConsumedMessage) {
        session.take(message)
        if session.sink.needsFlush { session.writeOut() }
    }

    func receive(notice: ConsumerEvent) { session.notice(notice) }

    func caughtUp() {
        session.writeOut()
        session.stopIfReaderGone()
    }

    func tick() {
        if Signals.takeHangup() { session.reopenOutput() }
        if session.sink.hasWaited(ConsumeSession.flushDeadlineNs) { session.writeOut() }
        session.printStatsIfDue()
    }

    var isDone: Bool { session.isDone }
}

/// -e: for each assigned partition, the end it must be read to (its high watermark when assigned),
/// and which partitions are not there yet.
struct DrainPlan {
    private var ends: [TopicPartition: Int64] = [:]
    private var open: Set<TopicPartition> = []
    private var awaitingAssignment = true
    /// `ends` per partition slot (LineSink's), for the per-message check; valid while `generation`
    /// (bumped whenever `ends` changes) matches.
    private var slotEnds: [(generation: Int, end: Int64?)] = []
    private var generation = 0

    mutating func assign(_ partitions: [TopicPartition], starts: [TopicPartition: Int64], ends newEnds: [TopicPartition: Int64]) {
        awaitingAssignment = false
        generation &+= 1
        for tp in partitions {
            ends[tp] = newEnds[tp]
            if let start = starts[tp], let end = newEnds[tp], start >= end { continue }
            // Unknown start or end: the partition's EOF event closes it.
            open.insert(tp)
        }
    }

    mutating func revoke(_ tp: TopicPartition) {
        open.remove(tp)
        ends[tp] = nil
        generation &+= 1
    }

    /// Everything was revoked: wait for the next assignment before calling the drain complete.
    mutating func awaitAssignment() { awaitingAssignment = true }

    /// The end of the partition with `slot` (`tp()` names it), remembered per slot until `ends` changes.
    mutating func end(slot: Int, _ tp: () -> TopicPartition) -> Int64? {
        if slot < slotEnds.count, slotEnds[slot].generation == generation { return slotEnds[slot].end }
        let e = ends[tp()]
        while slotEnds.count <= slot { slotEnds.append((generation: -1, end: nil)) }
        slotEnds[slot] = (generation, e)
        return e
    }

    mutating func read(_ tp: TopicPartition, next: Int64) {
        if let end = ends[tp], next >= end { open.remove(tp) }
    }

    mutating func reachedEnd(_ tp: TopicPartition) { open.remove(tp) }

    var isComplete: Bool { !awaitingAssignment && open.isEmpty }
}

/// The offsets (next to read) of lines written but not yet confirmed committed, per partition, each
/// with the leader epoch of the message it follows.
struct PendingCommits {
    private var next: [TopicPartition: (offset: Int64, epoch: Int32)] = [:]

    var isEmpty: Bool { next.isEmpty }
    var offsets: [TopicPartition] {
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
