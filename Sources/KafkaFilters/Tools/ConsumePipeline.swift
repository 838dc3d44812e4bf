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

    public init(topics: [String], group: String, from: StartPosition) {
        self.topics = topics
        self.group = group
        self.from = from
    }
}

/// The consumer side of kpull and kstream. Either way, a message's offset is stored (and so committed)
/// only after its line has been written and flushed; kpull commits itself, kstream lets librdkafka
/// auto-commit what was stored.
public final class ConsumeSession {
    private let job: ConsumeJob
    private let settings: ClientSettings
    private var consumer: KafkaConsumer!
    private let sink: LineSink

    // Drain (-e): partitions assigned, the end each must reach (as of assignment), and those done.
    private var assigned: Set<TopicPartition> = []
    private var endTargets: [TopicPartition: Int64] = [:]
    private var finished: Set<TopicPartition> = []
    private var everAssigned = false

    private var commitInFlight = false
    private var uncommitted = false
    private var status = ExitStatus.ok
    private var stopReason: String?
    private var messages = 0
    private var lastFlush = MonotonicClock.now
    private var brokersDownNoted = false
    private var lastStats = MonotonicClock.now
    private var lastStatsCount = 0

    public init(job: ConsumeJob, settings: ClientSettings) throws(ToolFailure) {
        var settings = settings
        var defaults: [(String, String)] = [
            ("group.id", job.group),
            // Offsets are stored by us, after the line is written.
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", job.commit == nil ? "true" : "false"),
            ("auto.offset.reset", job.from == .beginning ? "earliest" : "latest"),
            // Bounded prefetch: at most ~16 MiB queued per consumer.
            ("queued.max.messages.kbytes", "16384"),
        ]
        if job.exitAtEnd { defaults.append(("enable.partition.eof", "true")) }
        if let m = job.fetchMinBytes { defaults.append(("fetch.min.bytes", String(m))) }
        settings.addDefaults(defaults)
        if let m = job.fetchMinBytes { settings.set("fetch.min.bytes", String(m)) }
        self.job = job
        self.settings = settings
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

    /// kpull: pulls messages one at a time; after each one's line is written, commits it.
    public func runPull() -> ExitStatus {
        guard start() else { return finish() }
        while !shouldStop {
            let got = consumer.poll(timeoutMs: sink.isEmpty ? 100 : 0) { event in handle(event) }
            if job.commit == .sync || !got || sink.needsFlush || flushOverdue { flushAndStore() }
            pollCommit()
        }
        return finish()
    }

    /// kstream: messages are pushed to `deliver` as they arrive; lines are flushed when the stream goes
    /// idle, when the buffer is full, or every 100 ms, and only then are offsets stored for auto-commit.
    public func runStream() -> ExitStatus {
        guard start() else { return finish() }
        stream { event in handle(event) }
        return finish()
    }

    private func stream(_ deliver: (ConsumerEvent) -> Void) {
        while !shouldStop {
            if Signals.takeHangup() { reopenOutput() }
            let got = consumer.poll(timeoutMs: sink.isEmpty ? 100 : 0, deliver)
            if !got || sink.needsFlush || flushOverdue { flushAndStore() }
            stats()
        }
    }

    // MARK: - Steps

    private func start() -> Bool {
        for topic in job.topics {
            if case .failure(let error) = consumer.connect(topic: topic, timeoutMs: settings.connectTimeoutMs) {
                if error.isUnknownTopic {
                    fail(.unavailable, "topic \"\(topic)\" does not exist")
                } else if error.isAuthorization {
                    fail(.configError, "not authorized: \(error)")
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
        return true
    }

    private var flushOverdue: Bool { !sink.isEmpty && MonotonicClock.now - lastFlush > 100_000_000 }

    private var shouldStop: Bool {
        if stopReason != nil || Signals.stopRequested { return true }
        if let n = job.count, messages >= n { return true }
        if job.exitAtEnd && everAssigned && assigned.allSatisfy({ finished.contains($0) }) { return true }
        return false
    }

    private func handle(_ event: ConsumerEvent) {
        switch event {
        case .message(let message):
            if brokersDownNoted {
                brokersDownNoted = false
                Diagnostics.warning("brokers reachable again")
            }
            let tp = TopicPartition(topic: message.topic, partition: message.partition)
            do {
                try sink.append(message)
            } catch {
                // Stop at this message: what came before is written and committed, nothing after.
                let what = error == .tombstone ? "a tombstone (null value)" : "not a one-line value (binary, or text with a newline)"
                fail(.dataError, "\(tp) offset \(message.offset): \(what); use --format envelope to read it")
                return
            }
            messages += 1
            if job.exitAtEnd, let end = endTargets[tp], message.offset + 1 >= end { finished.insert(tp) }
        case .partitionEnd(let tp):
            finished.insert(TopicPartition(topic: tp.topic, partition: tp.partition))
        case .error(let error):
            if error.isFatal {
                fail(.tempFailure, "fatal: \(error)")
            } else if error.isUnknownTopic {
                fail(.unavailable, "\(error)")
            } else if error.isAuthorization {
                fail(.configError, "not authorized: \(error)")
            } else if error.isTransport {
                // librdkafka retries on its own; say so once, not per retry.
                if !brokersDownNoted {
                    brokersDownNoted = true
                    Diagnostics.warning("\(error); waiting for brokers")
                }
            } else {
                Diagnostics.verbose("\(error)")
            }
        }
    }

    private func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .assigned(let list):
            everAssigned = true
            for tp in list {
                let key = TopicPartition(topic: tp.topic, partition: tp.partition)
                assigned.insert(key)
                if job.exitAtEnd, let marks = consumer.watermarks(key, timeoutMs: settings.connectTimeoutMs) {
                    endTargets[key] = marks.high
                    if marks.high <= marks.low { finished.insert(key) }
                }
            }
            Diagnostics.verbose("assigned \(list.map(\.description).joined(separator: " "))")
        case .revoked(let list):
            // Commit what was written before another member takes these partitions.
            flushAndStore()
            if job.commit != nil { commitNow() }
            for tp in list {
                let key = TopicPartition(topic: tp.topic, partition: tp.partition)
                assigned.remove(key)
                finished.remove(key)
                endTargets.removeValue(forKey: key)
            }
            Diagnostics.verbose("revoked \(list.map(\.description).joined(separator: " "))")
        }
    }

    /// Writes buffered lines, then stores the offsets of exactly the lines that were written.
    private func flushAndStore() {
        lastFlush = MonotonicClock.now
        let (written, failure) = sink.flush()
        if !written.isEmpty {
            if let error = consumer.storeOffsets(written) { Diagnostics.verbose("storing offsets: \(error)") }
            uncommitted = true
        }
        if let failure {
            if failure.isBrokenPipe {
                // The reader went away (kpull | head): stop quietly; what was written is committed.
                stopReason = "broken pipe"
            } else {
                fail(.ioError, "output: \(failure)")
            }
            return
        }
        guard let mode = job.commit, uncommitted else { return }
        switch mode {
        case .sync: commitNow()
        case .async:
            if !commitInFlight {
                commitInFlight = true
                uncommitted = false
                consumer.commitAsync()
            }
        }
    }

    private func pollCommit() {
        guard commitInFlight, let result = consumer.pollCommitResult() else { return }
        commitInFlight = false
        if case .failure(let error) = result {
            Diagnostics.warning("commit failed: \(error) (will retry)")
            uncommitted = true
        }
        if uncommitted, job.commit == .async {
            commitInFlight = true
            uncommitted = false
            consumer.commitAsync()
        }
    }

    private func commitNow() {
        if commitInFlight {
            // Let the async one finish first, so commits stay in order.
            while commitInFlight, consumer.pollCommitResult(timeoutMs: 100) == nil {}
            commitInFlight = false
        }
        var attempts = 0
        while true {
            guard let error = consumer.commitSync() else {
                uncommitted = false
                return
            }
            attempts += 1
            if attempts >= 5 || error.isFatal {
                fail(.tempFailure, "cannot commit offsets: \(error)")
                return
            }
            Diagnostics.warning("commit failed: \(error) (retrying)")
            usleep(200_000)
        }
    }

    private func reopenOutput() {
        flushAndStore()
        do { try sink.reopen() } catch { fail(.ioError, "cannot reopen output: \(error)") }
        Diagnostics.verbose("output reopened")
    }

    private func stats() {
        guard let interval = job.statsInterval else { return }
        let now = MonotonicClock.now
        let elapsed = Double(now - lastStats) / 1e9
        guard elapsed >= interval else { return }
        let rate = Int(Double(messages - lastStatsCount) / elapsed)
        lastStats = now
        lastStatsCount = messages
        Diagnostics.error("\(messages) messages, \(rate)/s, \(assigned.count) partitions assigned")
    }

    private func fail(_ s: ExitStatus, _ message: String) {
        Diagnostics.error(message)
        status = status.worst(s)
        if stopReason == nil { stopReason = message }
    }

    /// Final flush, final commit, leave the group.
    private func finish() -> ExitStatus {
        if status != .ioError { flushAndStore() }
        if job.commit != nil && status != .unavailable { commitNow() }
        consumer.close()
        consumer = nil
        if let s = Signals.exitStatus, job.commit != nil { status = status.worst(s) }
        return status
    }
}
