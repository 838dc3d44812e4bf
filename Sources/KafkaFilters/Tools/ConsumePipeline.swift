#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaBinding
import KafkaCore

/// The consumer side of kpull and kstream. Either way, a message's offset is committed only after its
/// line has been written out: kpull pulls and commits itself (`runPull`); kstream is pushed messages
/// (`runStream`), stores the offsets of written lines for librdkafka's auto-commit, and commits them
/// itself before a rebalance takes partitions away and before it leaves.
///
/// The session performs; the rules are decided elsewhere: `CommitTracker` (what to commit, when, and
/// when to hold reading back or give up), `DrainPlan` (-e: where each partition ends), `CommitPolicy`
/// (kpull's commits or kstream's stored offsets), `LineSink` (which offsets were written in full), and a
/// `StopToken` from the tool (its signals).
package final class ConsumeSession {
    let job: ConsumeJob
    let settings: ClientSettings
    let stop: StopToken
    private var consumer: KafkaConsumer!
    let sink: LineSink

    /// librdkafka 2.2+: how long a partition whose prefetch queue is full waits before it is fetched
    /// again (README, Limits; measured in Benchmarks/).
    static let fetchQueueBackoffMs = 10

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
    /// librdkafka said every broker was down, and no message has arrived since: at the stop, the final
    /// commit is not sent and the close is skipped (`commitToAnUnreachableCluster`).
    private var clusterUnreachable = false
    private var finishing = false
    /// A failed store of offsets has been said since the last one that worked.
    private var storeTrouble = false
    private var stats: StatsTicker?
    /// -p or --no-group: the partitions were assigned by this tool, not by a group (no rebalances).
    private var assignedManually = false
    /// --seek: partitions already positioned in this run (a later rebalance leaves them where they are).
    private var positioned: Set<TopicPartition> = []
    private let startedAt = MonotonicClock.now
    /// Every topic appeared after the start: "from the end as of the start" is their beginning.
    private var newTopicsFromBeginning = false

    package init(job: ConsumeJob, settings: ClientSettings, stop: StopToken) throws(ToolFailure) {
        var settings = settings
        var defaults: [(String, String)] = [
            ("group.id", job.group),
            // Offsets are stored by us, after the line is written.
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", job.commit.autoCommit ? "true" : "false"),
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
        if job.exitAtEnd || job.stop != nil { defaults.append(("enable.partition.eof", "true")) }
        settings.addDefaults(defaults)
        if let m = job.fetchMinBytes { settings.set("fetch.min.bytes", String(m)) }
        self.job = job
        self.settings = settings
        self.stop = stop
        let bounded = job.commit.boundsBacklog
        commits = CommitTracker(
            maxUncommittedLines: bounded ? job.maxUncommittedLines : nil,
            commitTimeoutNs: bounded ? job.commitTimeoutMs * 1_000_000 : nil)
        if job.exitAtEnd || job.stop != nil {
            var stopOffset: Int64? = nil
            var stopTime: Int64? = nil
            switch job.stop {
            case .offset(let n): stopOffset = n
            case .timestamp(let ms): stopTime = ms
            case .end, nil: break
            }
            drain = DrainPlan(stopOffset: stopOffset, stopTime: stopTime)
        }
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
        do {
            consumer = try KafkaConsumer(settings: settings) { [unowned self] event in self.rebalance(event) }
        } catch {
            throw ToolFailure(error)
        }
    }

    // MARK: - The two models

    /// kpull, the pull model: ask for the next message, turn it into a line; when the queue runs dry
    /// (or 64 KiB or 100 ms have piled up, or after every message with `--commit sync`) write the lines
    /// out, then commit exactly the offsets whose lines were written.
    package func runPull() -> ExitStatus {
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
                switch event {
                case .message(let message): take(message)
                default: notice(event)
                }
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
    package func runStream() -> ExitStatus {
        guard start() else { return finish() }
        consumer.push(to: StreamReceiver(self), tickMs: 100)
        return finish()
    }

    // MARK: - Shared steps

    /// A regex subscription (`^...`): librdkafka matches it against the cluster's topics, so there is no
    /// single topic to check for.
    static func isPattern(_ topic: String) -> Bool { topic.hasPrefix("^") }

    private func start() -> Bool {
        var partitionCounts: [String: Int] = [:]
        var appeared = 0
        // A regex subscription (`^...`) names no one topic to look up: librdkafka matches it.
        for topic in job.topics where !Self.isPattern(topic) {
            switch awaitTopic(topic) {
            case .existed(let count): partitionCounts[topic] = count
            case .appeared(let count):
                partitionCounts[topic] = count
                appeared += 1
            case .stopped: return false
            }
        }
        if appeared > 0, appeared == job.topics.count, job.from == .end {
            // Every topic was created after this run started, so each of its messages is newer than the
            // start: "from the end as of the start" is its beginning. (With --from end a group starts at
            // the end when it gets the partitions, seconds after the topic appeared, and would skip what
            // a producer wrote meanwhile: the original example's first step, consumers started first.)
            // With some topics there before, their end must stay the start: the new ones keep that too.
            newTopicsFromBeginning = true
            do {
                var earliest = settings
                earliest.set("auto.offset.reset", "earliest")
                consumer.close()
                consumer = try KafkaConsumer(settings: earliest) { [unowned self] event in self.rebalance(event) }
            } catch {
                let failure = ToolFailure(error)
                fail(failure.status, failure.message)
                return false
            }
        }
        if let named = job.start?.partitions.keys.sorted(), let topic = job.topics.first(where: { !Self.isPattern($0) }),
            let bad = named.first(where: { p in job.topics.allSatisfy { Int(p) >= partitionCounts[$0] ?? Int.max } })
        {
            return unknownPartition(bad, topic: topic, counts: partitionCounts, option: "--from")
        }
        if job.partitions != nil || job.groupless { return assignPartitions(partitionCounts) }
        do { try consumer.subscribe(job.topics) } catch {
            fail(.configError, "cannot subscribe: \(error)")
            return false
        }
        subscribed = true
        return true
    }

    private func unknownPartition(_ p: Int32, topic: String, counts: [String: Int], option: String) -> Bool {
        let n = counts[topic] ?? 0
        fail(.usage, "\(option): topic \"\(topic)\" has no partition \(p) (it has \(n): 0-\(max(n - 1, 0)))")
        return false
    }

    /// -p or --no-group: assigns the partitions (every partition of each topic without -p) instead of
    /// joining a group. Without a group each starts where --from puts it; with -g and -p, at the group's
    /// committed offset where it has one (unless --seek).
    private func assignPartitions(_ counts: [String: Int]) -> Bool {
        var keys: [TopicPartition] = []
        for topic in job.topics {
            let count = counts[topic] ?? 0
            for p in job.partitions ?? (0..<Int32(count)).map({ $0 }) {
                guard Int(p) < count else { return unknownPartition(p, topic: topic, counts: counts, option: "-p") }
                keys.append(TopicPartition(topic: topic, partition: p))
            }
        }
        if let named = job.start?.partitions.keys, let p = named.sorted().first(where: { p in !keys.contains { $0.partition == p } }) {
            fail(.usage, "--from names partition \(p), which -p does not read")
            return false
        }
        let byDefault: ReadPosition? = job.groupless ? (newTopicsFromBeginning ? .beginning : ReadPosition(job.from)) : nil
        let committed = lookUpCommitted(keys)
        guard let starts = startOffsets(for: keys, byDefault: byDefault, committed: committed) else { return false }
        let resets = resetOffsets(for: keys.filter { starts[$0] == nil }, committed: committed)
        do {
            try consumer.assign(keys.map { TopicPartition(topic: $0.topic, partition: $0.partition, offset: starts[$0] ?? resets[$0] ?? StartOffset.logicalStored) })
        } catch {
            fail(.configError, "\(error)")
            return false
        }
        assignedManually = true
        assigned.formUnion(keys)
        if drain != nil { planDrain(keys, positioned: starts, committed: committed) }
        Diagnostics.verbose("assigned \(keys.map(\.description).joined(separator: " "))\(job.groupless ? " (no group)" : "")")
        return true
    }

    /// Where `keys` start, per -o/--from (`job.start`, else `byDefault`): looked up and resolved, each said
    /// at -v. Without --seek, a partition the group has a committed offset for is left out (it resumes);
    /// with --seek, a partition positioned earlier in this run is left out. `committed`: the group's
    /// offsets (`lookUpCommitted`; nil when that lookup failed: then none is placed). nil when a lookup
    /// that cannot be done without failed (the run stops).
    private func startOffsets(for keys: [TopicPartition], byDefault: ReadPosition?, committed: [TopicPartition]?) -> [TopicPartition: Int64]? {
        var targets: [(TopicPartition, ReadPosition)] = []
        var candidates = keys
        if job.seek {
            candidates = keys.filter { !positioned.contains($0) }
            positioned.formUnion(keys)
        }
        for tp in candidates {
            if let position = job.start?.position(for: tp.partition) ?? byDefault { targets.append((tp, position)) }
        }
        if !job.groupless && !job.seek && !targets.isEmpty {
            // Without the group's answer, partitions start at their committed offsets, or by --from's
            // beginning/end (librdkafka's own lookup).
            guard let committed else { return [:] }
            let resuming = Set(committed.filter { $0.offset >= 0 }.map { TopicPartition(topic: $0.topic, partition: $0.partition) })
            targets.removeAll { resuming.contains($0.0) }
        }
        guard !targets.isEmpty else { return [:] }
        let timeout = settings.connectTimeoutMs
        let tps = targets.map(\.0)
        let lows = lookUp("starts", consumer.offsets(tps, at: .beginning, timeoutMs: timeout))
        let highs = lookUp("ends", consumer.offsets(tps, at: .end, timeoutMs: timeout))
        var atTime: [TopicPartition: Int64] = [:]
        var times: Set<Int64> = []
        for (_, position) in targets { if case .timestamp(let ms) = position { times.insert(ms) } }
        for ms in times {
            let stamped = targets.filter { $0.1 == .timestamp(ms) }.map(\.0)
            switch consumer.offsets(stamped, at: .time(ms), timeoutMs: timeout) {
            case .success(let found): atTime.merge(found) { a, _ in a }
            case .failure(let error):
                fail(.unavailable, "cannot look up offsets by time (\(ms)): \(error)")
                return nil
            }
        }
        var result: [TopicPartition: Int64] = [:]
        for (tp, position) in targets {
            let r = StartOffset.resolve(position, low: lows[tp], high: highs[tp], atTime: atTime[tp])
            if let note = r.note { Diagnostics.verbose("\(tp): \(note)") }
            Diagnostics.verbose("\(tp): starting at \(r.offset >= 0 ? "offset \(r.offset)" : "\(position)")")
            result[tp] = r.offset
        }
        return result
    }

    private enum TopicArrival { case existed(partitions: Int), appeared(partitions: Int), stopped }

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
            case .success(let count):
                if waiting { Diagnostics.verbose("topic \"\(topic)\" exists now") }
                return waiting ? .appeared(partitions: count) : .existed(partitions: count)
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
                    if stop.requested() { return .stopped }
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
        if stopReason != nil || stop.requested() { return true }
        if let n = job.count, messages >= n { return true }
        if let drain, drain.isComplete { return true }
        return false
    }

    /// Turns one message into a line in the buffer (not yet written).
    func take(_ message: borrowing ConsumedMessage) {
        guard stopReason == nil, !finishing else { return }
        commits.fetching()
        clusterUnreachable = false
        if outage {
            outage = false
            Diagnostics.warning("brokers reachable again")
        }
        // Per message the partition is its slot; its TopicPartition is looked up only when needed.
        let slot = sink.slot(for: message)
        var admission = DrainPlan.Admission.within
        if drain != nil {
            admission = drain!.admit(offset: message.offset, timestamp: { message.timestamp }, slot: slot) { sink.partition(ofSlot: slot) }
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

    func notice(_ event: borrowing ConsumerEvent) {
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
                if error.isAllBrokersDown { clusterUnreachable = true }
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
        if !written.isEmpty, job.commit.commits {
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
    /// it can make several blocking broker calls, each of up to --connect-timeout, before the partitions
    /// are assigned: the recommit; the committed offsets (once, for the start positions, the reset
    /// offsets and -e's plan); with -o/--from beyond beginning/end the partitions' starts, ends and time
    /// lookups; with -e the ends (and, from the beginning, the starts).
    private func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let list):
            commits.assigned()
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            assigned.formUnion(keys)
            // Lines written before the rebalance whose commit the group refused: commit them now, in the
            // new generation and before fetching starts, so this member does not read them again.
            recommitAfterRebalance()
            let committed = finishing ? nil : lookUpCommitted(keys)
            var starts: [TopicPartition: Int64] = [:]
            if job.start != nil && !finishing { starts = startOffsets(for: keys, byDefault: nil, committed: committed) ?? [:] }
            let resets = resetOffsets(for: keys.filter { starts[$0] == nil }, committed: committed)
            if !starts.isEmpty || !resets.isEmpty { consumer.startAssigned(at: starts.merging(resets) { s, _ in s }) }
            if drain != nil && !finishing { planDrain(keys, positioned: starts, committed: committed) }
            Diagnostics.verbose("assigned \(keys.map(\.description).joined(separator: " "))")
        case .revoked(let list, let lost):
            // Write out and commit what was read before another member takes these partitions. When the
            // group refuses (it is already rebalancing, or this member was dropped), the offsets stay
            // pending and are committed once this member has rejoined.
            writeOut()
            if lost { Diagnostics.verbose("assignment lost; committing after rejoining") }
            // While leaving, the final commit has already been made (or given up on). A lost assignment's
            // commit would be refused (the group has moved on), and with no broker reachable a
            // synchronous commit only waits for a coordinator: either way the offsets stay pending.
            if !finishing && !commits.rejoining && !lost && !clusterUnreachable { commitNow(final: false) }
            commits.revoked()
            let keys = list.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            assigned.subtract(keys)
            for tp in keys { drain?.revoke(tp) }
            if assigned.isEmpty { drain?.awaitAssignment() }
            Diagnostics.verbose("revoked \(keys.map(\.description).joined(separator: " "))")
        }
    }

    /// The group's committed offsets for `keys`, looked up once per assignment and shared by the start
    /// positions, the reset offsets and -e's plan: nil when the lookup failed (said at -v; librdkafka then
    /// looks them up itself), empty without a group.
    private func lookUpCommitted(_ keys: [TopicPartition]) -> [TopicPartition]? {
        guard !job.groupless, !keys.isEmpty else { return [] }
        switch consumer.committedOffsets(keys, timeoutMs: settings.connectTimeoutMs) {
        case .success(let list): return list
        case .failure(let error):
            Diagnostics.verbose("cannot look up committed offsets: \(error)")
            return nil
        }
    }

    /// For each of `keys` the group has no committed offset for (in `committed`), auto.offset.reset's
    /// logical offset to assign it at. Left to librdkafka, a partition without a committed offset waits
    /// out its 100 ms retry backoff ("no previously committed offset available") before the offset
    /// lookup: a tenth of a second on every start (kpull's first line came ~0.1 s after kcat -G -o
    /// beginning's, which assigns such partitions at the beginning itself). A partition missing from
    /// `committed` (its answer was an error, or the lookup failed) is left to librdkafka.
    private func resetOffsets(for keys: [TopicPartition], committed: [TopicPartition]?) -> [TopicPartition: Int64] {
        let reset = newTopicsFromBeginning ? StartOffset.logicalBeginning : StartOffset.forReset(settings.value(of: "auto.offset.reset"))
        guard let reset, let committed, !keys.isEmpty else { return [:] }
        let wanted = Set(keys)
        var resets: [TopicPartition: Int64] = [:]
        for tp in committed where tp.offset < 0 {
            let key = TopicPartition(topic: tp.topic, partition: tp.partition)
            if wanted.contains(key) { resets[key] = reset }
        }
        return resets
    }

    /// -e: asks the cluster where each new partition ends now and where it starts (`positioned`: those
    /// this tool placed; `committed`: the group's offsets for the others, nil when their lookup failed);
    /// the plan decides.
    private func planDrain(_ keys: [TopicPartition], positioned: [TopicPartition: Int64], committed: [TopicPartition]?) {
        let timeout = settings.connectTimeoutMs
        let ends = lookUp("ends", consumer.offsets(keys, at: .end, timeoutMs: timeout))
        let others = keys.filter { positioned[$0] == nil }
        if committed == nil {
            // Every partition then starts where --from puts it; one already drained ends at its EOF event.
            Diagnostics.verbose("each partition ends at its end-of-partition event")
        }
        let committed = committed ?? []
        var starts = DrainPlan.starts(for: others, committed: committed) { uncommitted in
            job.from == .beginning ? lookUp("starts", consumer.offsets(uncommitted, at: .beginning, timeoutMs: timeout)) : ends
        }
        starts.merge(positioned) { _, p in p }
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
            if error.isGroupRebalance && subscribed {
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

    /// Stopping while no broker answers: librdkafka's synchronous commit and its close would each wait
    /// for a coordinator (kstream took 13 s to exit after SIGTERM with session.timeout.ms=6000, 47 s with
    /// the default 45 s). No commit is sent (it could not be made, and librdkafka's teardown would wait
    /// for it), and librdkafka's close is skipped: nothing unwritten is committed, the lines written since
    /// the last commit will be read again, exit 75. kpull then exits at once; kstream's teardown still
    /// waits for the auto-commits librdkafka itself queued, at most session.timeout.ms. Returns false:
    /// the group is not left through the close.
    private func commitToAnUnreachableCluster() -> Bool {
        commits.dropInFlight()
        if !commits.pending.isEmpty {
            let unsure = sink.linesWritten - commits.linesCommitted
            fail(.tempFailure, "cannot commit offsets: no broker is reachable; the last \(unsure) lines written will be read again")
        }
        return false
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
        var leave = true
        if (subscribed || assignedManually) && job.commit.commits {
            if clusterUnreachable { leave = commitToAnUnreachableCluster() } else { commitFinal() }
        } else if clusterUnreachable {
            leave = false
        }
        consumer.close(leavingTheGroup: leave)
        consumer = nil
        // kpull reports the signal that stopped it; for kstream a signal is the normal way to stop (0).
        if job.signalIsExitStatus, let s = stop.exitStatus() { status = status.worst(s) }
        if job.summary {
            let committed = job.commit.commits ? "\(commits.linesCommitted) committed" : "nothing committed (no group)"
            Diagnostics.verbose("\(sink.linesWritten) lines written, \(committed), \(Diagnostics.seconds(Double(MonotonicClock.now &- startedAt) / 1e9))")
        }
        return status
    }
}
