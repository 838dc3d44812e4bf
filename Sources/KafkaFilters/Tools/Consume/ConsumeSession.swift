import KafkaBinding
import KafkaCore

/// The consumer side of kpull and kstream. Either way, a message's offset is committed only after its
/// line has been written out: kpull pulls and commits itself (`runPull`); kstream is pushed messages
/// (`runStream`, through a `StreamLoop`), stores the offsets of written lines for librdkafka's
/// auto-commit, and commits them itself before a rebalance takes partitions away and before it leaves.
///
/// The session performs; the rules are decided elsewhere: `ConsumerLifecycle` (the phases, the cluster
/// link, how the run ends), `OffsetCommitter` with `CommitTracker` (who commits what, when, and when to
/// hold reading back or give up), `StartPlanner` (where partitions start, -e's bounds), `DrainPlan` (-e:
/// where each partition ends), `LineSink` (which offsets were written in full), and a `StopToken` from the
/// tool (its signals). Its start (topics, subscription, assignment) is in ConsumeSession+Start.swift, its
/// rebalances in ConsumeSession+Rebalance.swift.
package final class ConsumeSession {
    let job: ConsumeJob
    let settings: ClientSettings
    let stop: StopToken
    var consumer: KafkaConsumer!
    let sink: LineSink
    var lifecycle: ConsumerLifecycle
    let committer: OffsetCommitter
    var partitions: Partitions
    /// --acks: the channel from kput and the partitions held back while too much is undone
    /// (ConsumeSession+Acks.swift).
    var acks: AcksState?
    /// Partitions paused while the backlog of lines written ahead of failing commits is full.
    var backlogPaused: Set<TopicPartition> = []
    /// This session has paused partitions (the backlog, --acks): assignments resume what they bring.
    var pausedEver = false

    /// What the session knows of its partitions: where they start (`planner`), where they end (-e's
    /// `drain`), and which are assigned now.
    struct Partitions {
        var planner: StartPlanner
        var drain: DrainPlan?
        var assigned: Set<TopicPartition> = []
    }

    /// librdkafka 2.2+: how long a partition whose prefetch queue is full waits before it is fetched
    /// again (README, Limits; measured in Benchmarks/).
    static let fetchQueueBackoffMs = 10

    /// Lines wait in the buffer at most this long (kstream's promise for a busy log file).
    static let flushDeadlineNs: UInt64 = 100_000_000

    /// `fields`: how keys and values become members (`.decoded` with a schema registry's codec).
    package init(job: ConsumeJob, settings: ClientSettings, stop: StopToken, fields: MessageFields = .plain) throws(ToolFailure) {
        var settings = settings
        var defaults: [(String, String)] = [
            ("group.id", job.group),
            // Offsets are stored by us, after the line is written.
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", OffsetCommitter.autoCommit(job.commit) ? "true" : "false"),
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
        if job.exitAtEnd || job.until != nil { defaults.append(("enable.partition.eof", "true")) }
        settings.addDefaults(defaults)
        if let m = job.fetchMinBytes { settings.set("fetch.min.bytes", String(m)) }
        self.job = job
        self.settings = settings
        self.stop = stop
        lifecycle = ConsumerLifecycle(startedAt: MonotonicClock.now)
        if let path = job.acksPath { acks = AcksState(listener: try AcksListener(path: path)) }
        committer = OffsetCommitter(job.commit, maxUncommittedLines: job.maxUncommittedLines, commitTimeoutMs: job.commitTimeoutMs,
                                    acks: job.acksPath == nil ? nil : DoneGate(maxOutstanding: job.maxUndoneLines))
        var drain: DrainPlan? = nil
        if job.exitAtEnd || job.until != nil {
            switch job.until {
            case .offset(let n): drain = DrainPlan(stopOffset: n)
            case .timestamp(let ms): drain = DrainPlan(stopTime: ms)
            case .end, nil: drain = DrainPlan()
            }
        }
        partitions = Partitions(
            planner: StartPlanner(StartPlanner.Options(
                start: job.start, from: job.from, seek: job.seek, groupless: job.groupless,
                reset: StartOffset.forReset(settings.value(of: "auto.offset.reset")))),
            drain: drain)
        let writer: OutputWriter
        if let path = job.outputPath {
            do { writer = try OutputWriter(appendingTo: path) } catch {
                throw ToolFailure(.ioError, "cannot open output: \(error)")
            }
        } else {
            writer = OutputWriter()
        }
        sink = LineSink(writer: writer, format: job.format, fields: fields)
        sink.countsPerPartition = job.acksPath != nil
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
        let eachMessage = committer.commitsEachMessage
        while !isDone {
            if let failure = committer.failedTooLong(linesWritten: sink.linesWritten) {
                fail(.tempFailure, failure)
                break
            }
            if committer.backlogFull(linesWritten: sink.linesWritten) {
                waitOutBacklog()
                continue
            }
            if !backlogPaused.isEmpty { resumeAfterBacklog() }
            let got = pollAndTake(timeoutMs: sink.isEmpty ? 100 : 0)
            if !got || eachMessage || sink.needsFlush || sink.hasWaited(Self.flushDeadlineNs) {
                writeOut()
                if acks != nil { serveAcks() }
                committer.afterWriteOut(consumer, linesWritten: sink.linesWritten)
            }
            if !got { stopIfReaderGone() }
            if acks != nil { holdBackWhileUndone() }
        }
        if acks != nil { awaitAcksEnd() }
        return finish()
    }

    /// Commits are failing and the backlog is full: nothing new is fetched until one succeeds (the
    /// assigned partitions are paused), but the consumer is still polled. A commit refused by a rebalance
    /// succeeds only once this member has rejoined, and rejoining needs the consumer polled (the
    /// assignment commits what is pending); a message fetched before the pause is taken as usual, so
    /// nothing is skipped and the backlog grows by at most the prefetch. With --acks, kput's reports are
    /// taken too. (Waiting on the commit alone kept a member that was past the bound when its group
    /// rebalanced out of the group until the commit timeout, exit 75: under --acks, where lines not yet
    /// done count in the backlog, acks-kill.py --two hit it once in six runs on each librdkafka.)
    private func waitOutBacklog() {
        let toPause = partitions.assigned.subtracting(backlogPaused)
        if !toPause.isEmpty {
            pausedEver = true
            if let error = consumer.pause(Array(toPause), true) { Diagnostics.verbose("backlog: pause: \(error)") }
            backlogPaused.formUnion(toPause)
        }
        committer.waitForCommit(consumer, linesWritten: sink.linesWritten)
        pollAndTake(timeoutMs: 10)
        if acks != nil { serveAcks() }
    }

    /// One poll of kpull's consumer: a message is taken (turned into a line), anything else noticed;
    /// true when something came.
    @inline(__always) @discardableResult
    private func pollAndTake(timeoutMs: Int32) -> Bool {
        consumer.poll(timeoutMs: timeoutMs) { event in
            switch event {
            case .message(let message): take(message)
            default: notice(event)
            }
        }
    }

    /// A commit went through: the partitions the backlog paused fetch again (those --acks holds back stay).
    private func resumeAfterBacklog() {
        let resume = backlogPaused.intersection(partitions.assigned).subtracting(acks?.paused ?? [])
        if let error = consumer.pause(Array(resume), false) { Diagnostics.verbose("backlog: resume: \(error)") }
        backlogPaused = []
    }

    /// kstream, the push model: a `StreamLoop` pushes each message to the session as it arrives;
    /// librdkafka's auto-commit sends the offsets stored after each write-out.
    package func runStream() -> ExitStatus {
        guard start() else { return finish() }
        var loop = StreamLoop(self, statsInterval: job.statsInterval)
        loop.run(consumer, tickMs: 100)
        if acks != nil { awaitAcksEnd() }
        return finish()
    }

    // MARK: - Per message

    var isDone: Bool {
        // The stored phase, read directly (this runs per message): a stop reason makes a run `stopping`.
        if case .stopping = lifecycle.phase { return true }
        if stop.requested() { return true }
        if let n = job.count, sink.messagesTaken >= n { return true }
        if let drain = partitions.drain, drain.isComplete { return true }
        return false
    }

    /// Turns one message into a line in the buffer (not yet written).
    func take(_ message: borrowing ConsumedMessage) {
        // Only while running (`takesMessages`), read as the stored phase: this runs per message.
        guard case .running = lifecycle.phase else { return }
        committer.fetching()
        if case .connected = lifecycle.link {} else if lifecycle.messageArrived() == .sayLinkBack {
            Diagnostics.warning("brokers reachable again")
        }
        // Per message the partition is its slot; its TopicPartition is looked up only when needed.
        let slot = sink.slot(for: message)
        var admission = DrainPlan.Admission.within
        if partitions.drain != nil {
            admission = partitions.drain!.admit(offset: message.offset, timestamp: { message.timestamp }, slot: slot) { sink.partition(ofSlot: slot) }
            if admission == .beyondEnd { return }
        }
        let lineError: Envelope.ValueLineError?
        do {
            lineError = try sink.add(message, slot: slot)
        } catch {
            // Stop before this message (an unknown schema id, a body its schema does not decode, the
            // registry gone): what came before is written and committed, this one and nothing after.
            fail(error.status, "\(sink.partition(ofSlot: slot)) offset \(message.offset): \(error.message)")
            return
        }
        if let error = lineError {
            // Stop at this message: what came before is written and committed, nothing after.
            let what = error == .tombstone ? "a tombstone (no value)" : "not a one-line value (binary, or text with a line break)"
            fail(.dataError, "\(sink.partition(ofSlot: slot)) offset \(message.offset): \(what); --format envelope can carry it")
            return
        }
        if admission == .last { partitions.drain?.close(sink.partition(ofSlot: slot)) }
    }

    func notice(_ event: borrowing ConsumerEvent) {
        switch event {
        case .message: break
        case .partitionEnd(let tp):
            partitions.drain?.reachedEnd(TopicPartition(topic: tp.topic, partition: tp.partition))
        case .assignmentFailed(let error):
            // librdkafka would fetch nothing (or keep fetching partitions it no longer owns).
            Diagnostics.warning("\(error)")
        case .commitRefusedForEpochs(let offsets):
            committer.autoCommitRefused(offsets, consumer)
        case .error(let error):
            // What an error event means (end the run, wait the outage out, or only say it) is ErrorMap's.
            switch ErrorMap.duringRun(error.facts) {
            case .fail(let failure): fail(failure.status, failure.message)
            case .waitOut:
                // librdkafka reconnects on its own; say so once per outage, not per retry.
                if lifecycle.transportFailed(allBrokersDown: error.isAllBrokersDown) == .sayLinkLost {
                    // librdkafka appends a guess about SASL to every disconnect; it only misleads here.
                    // The one place librdkafka's English text is cut, and only for the display: where a
                    // version words it otherwise (2.0.2 and 2.16 both say this), the whole text is shown.
                    // Decisions go by error code only (KafkaError's predicates).
                    var text = error.message
                    if let hint = text.firstRange(of: ": verify that security.protocol") { text = String(text[..<hint.lowerBound]) }
                    Diagnostics.warning("lost the cluster (\(text)); waiting for it to come back")
                }
            case .note: Diagnostics.verbose("\(error)")
            }
        }
    }

    /// Writes the buffered lines, then records the offsets of exactly the lines that were written (as
    /// pending commits, and for kstream in librdkafka's offset store).
    func writeOut() {
        guard lifecycle.writesOut else { return }
        let (written, failure) = sink.flush()
        committer.wrote(written, counts: sink.lastFlushCounts, consumer)
        if let failure {
            if failure.isBrokenPipe {
                // The reader went away (kpull | head): stop quietly; what was written is committed.
                lifecycle.stop("output closed")
            } else {
                fail(.ioError, "output: \(failure)")
            }
        }
    }

    /// `kpull | head -1` on a quiet topic: head is gone but no write has failed yet.
    func stopIfReaderGone() {
        if sink.isEmpty, sink.readerGone { lifecycle.stop("output closed") }
    }

    // MARK: - End

    func fail(_ s: ExitStatus, _ message: String) {
        Diagnostics.error(message)
        lifecycle.failed(s, message)
    }

    /// Final write-out and commit, then leave the group.
    private func finish() -> ExitStatus {
        if lifecycle.status != .ioError { writeOut() }
        let ending = lifecycle.finish(commits: committer.commits)
        let failure: String?
        switch ending.commit {
        case .none: failure = nil
        case .final:
            failure = committer.commitFinal(consumer, linesWritten: sink.linesWritten, lifecycle: lifecycle,
                                            sessionTimeoutMs: sessionTimeoutMs, stop: stop)
        case .abandonUnreachable: failure = committer.abandonUnreachable(linesWritten: sink.linesWritten)
        }
        if let failure { fail(.tempFailure, failure) }
        consumer.close(leavingTheGroup: ending.leaveGroup)
        consumer = nil
        acks?.listener.close()
        let status = lifecycle.closed(signal: stop.exitStatus(), signalIsExitStatus: job.signalIsExitStatus)
        if job.summary {
            let committed = committer.commits ? "\(committer.linesCommitted) committed" : "nothing committed (no group)"
            Diagnostics.verbose("\(sink.linesWritten) lines written, \(committed), \(Diagnostics.seconds(Double(MonotonicClock.now &- lifecycle.startedAt) / 1e9))")
        }
        return status
    }

    private var sessionTimeoutMs: Int { settings.value(of: "session.timeout.ms").flatMap { Int($0) } ?? 45_000 }
}
