import KafkaBinding
import KafkaCore

/// kput's pipeline: lines in, each one delivered and acknowledged, or named on stderr and kept in the
/// rejects file. This class only moves lines: it reads the sources, hands each line to the decoder of
/// the input mode, queues the record, and serves delivery reports (all in `pump`). The rules live in
/// the parts: the line decoders (JSONLineDecoder, TextLineDecoder, EnvelopeLineDecoder), the books
/// (DeliveryLedger), --report (DeliveryReportWriter), keyless partitions (KeylessSpread).
package final class ProducePipeline {
    private let job: ProduceJob
    private let producer: KafkaProducer
    private let settings: ClientSettings
    private let stop: StopToken
    /// One decoder per input mode; `job.mode` picks one per line. Stored as constants and called in place
    /// (an enum with the decoder as payload would copy it, with its arrays' retains, for every line).
    private let jsonDecoder: JSONLineDecoder
    private let textDecoder = TextLineDecoder()
    private let envelopeDecoder: EnvelopeLineDecoder
    /// Turns each decoded line's members into the key and value produced (the value-codec seam);
    /// `plainEncoding`: today's encoder, called in place (no dynamic call per line).
    private let encoder: any RecordEncoder
    private let plainEncoding: Bool
    private let ledger: DeliveryLedger
    private let reportWriter: DeliveryReportWriter?
    private var progress: ProduceProgress
    private let deliveryTimeoutMs: Int

    private var linesRead = 0
    private var fatal: KafkaError?
    /// The encoder's failure that ends the run (a schema registry that stopped answering), once seen.
    private var encoderFailure: ToolFailure?
    /// The last line handed to the producer or rejected, to say where reading stopped early.
    private var lastLine: (source: Int, line: Int)?
    private var wakeup: Int32?
    /// The topic's partitions when kput started (to name a line whose own partition is not one of them).
    private var partitionCount = 0
    /// Partitions for lines without a key (nil: librdkafka's partitioner decides).
    private var spread: KeylessSpread?
    /// Error codes already said since the last acknowledged delivery.
    private var errorsNoted: Set<Int32> = []
    /// `--key`, copied once; `-H`, built once (shared by every line, never copied per line).
    private let constantKey: UnsafeMutableRawBufferPointer?
    private let extraHeaders: [OutgoingHeader]
    private var pacer: RatePacer?
    /// Constants the per-line path tests instead of touching the vars above (no exclusivity checks).
    private let rateLimited: Bool
    private let hasExtraHeaders: Bool
    /// `--acks`: the channel to the reader, and the done prefix of the input.
    private var acks: AcksWriter?


    package init(job: ProduceJob, settings: ClientSettings, stop: StopToken = .signals,
                 encoder: any RecordEncoder = PlainRecordEncoder()) throws(ToolFailure) {
        var settings = settings
        if settings.value(of: "transactional.id") != nil {
            throw ToolFailure(.configError, "transactional.id: transactions are not supported by kput; remove it from -X/-F")
        }
        if let partitioner = job.partitioner { settings.set("partitioner", partitioner) }
        settings.addDefaults(ProduceJob.producerDefaults)
        settings.addDefaults([("message.timeout.ms", String(job.deliveryTimeoutMs))])
        self.job = job
        self.settings = settings
        self.stop = stop
        self.encoder = encoder
        plainEncoding = encoder is PlainRecordEncoder
        // The final wait follows the timeout librdkafka applies.
        deliveryTimeoutMs = DeliveryDeadline.effectiveTimeoutMs(properties: settings.properties, option: job.deliveryTimeoutMs)
        let verbose = Diagnostics.level >= .verbose
        jsonDecoder = JSONLineDecoder(
            keyField: job.keyField, timestampField: job.timestampField, nullKeyIfMissing: job.nullKeyIfMissing,
            nowIfNoTimestamp: job.nowIfNoTimestamp, noteNullKeys: verbose, keyAnyJSON: job.keySchema != nil,
            validates: plainEncoding || job.valueSchema == nil)
        envelopeDecoder = EnvelopeLineDecoder(keepPartition: job.keepPartition, requireSource: job.acksPath != nil)
        var rejects: RejectsFile?
        if let path = job.rejectsPath {
            do {
                rejects = try RejectsFile(path: path)
            } catch {
                throw ToolFailure(.ioError, "cannot open rejects file: \(error)")
            }
        }
        ledger = DeliveryLedger(sources: job.sources, rejects: rejects, say: { Diagnostics.error($0) })
        reportWriter = job.report
            ? DeliveryReportWriter(sources: job.sources, topic: job.topic, output: OutputWriter(), say: { Diagnostics.error($0) })
            : nil
        constantKey = job.constantKey.map { key in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(key.count, 1), alignment: 1)
            buffer.copyBytes(from: key)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<key.count])
        }
        extraHeaders = job.headers.map { OutgoingHeader(name: $0.name, value: $0.value) }
        pacer = job.rate.map { RatePacer(perSecond: $0) }
        rateLimited = job.rate != nil
        hasExtraHeaders = !job.headers.isEmpty
        do { producer = try KafkaProducer(settings: settings) } catch { throw ToolFailure(error) }
        progress = ProduceProgress(
            enabled: (Diagnostics.stderrIsTerminal && Diagnostics.level >= .normal) || verbose, say: { Diagnostics.warning($0) })
    }

    deinit { constantKey?.deallocate() }

    /// Runs the whole job and returns the exit status.
    package func run() -> ExitStatus {
        switch connect() {
        case .success(let layout):
            let partitions = layout.partitions
            partitionCount = partitions
            // The first run of keyless lines goes to a partition led by the broker that answered, chosen
            // at random among them: kput is connected to it, so a short input (one line from a script or
            // cron job) does not wait for a connection to another broker (~4 ms here, in two runs of
            // three on a three-broker cluster). Later runs go round-robin over every partition as before.
            spread = KeylessSpread(partitions: partitions, start: layout.ledByAnswering.randomElement())
            // Said once, before reading, rather than naming every line as undeliverable.
            if let p = job.partition, partitions > 0, p >= partitions {
                Diagnostics.error("topic \"\(job.topic)\" has \(partitions) partitions: -p \(p) does not exist")
                producer.close()
                return .usage
            }
        case .failure(let error):
            if let signal = stop.exitStatus() {
                producer.close()
                Diagnostics.error("stopped before any broker answered (tried \(settings.brokers)); no input was read")
                return signal
            }
            let failure = ErrorMap.failure(error.facts, .connecting(
                brokers: settings.brokers, timeoutMs: settings.connectTimeoutMs, topic: job.topic, access: "write to"))
            Diagnostics.error(failure.message)
            producer.close()
            return failure.status
        }
        if let path = job.acksPath {
            // The reader may start after kput: wait for it at least as long as for the brokers (10 s at least).
            do { acks = try AcksWriter.connect(path: path, timeoutMs: max(Int(settings.connectTimeoutMs), 10_000), stop: stop) } catch {
                Diagnostics.error(error.message)
                producer.close()
                return error.status
            }
        }
        wakeup = producer.wakeupDescriptor()
        var outcome = ProduceOutcome()
        var complete = true
        for (index, source) in job.sources.enumerated() {
            if stopReading {
                complete = false
                break
            }
            let fd: Int32
            do {
                fd = try FileBytes.openInput(source)
            } catch {
                Diagnostics.error("\(error)")
                outcome.inputFailed = true
                continue
            }
            defer { if fd != 0 { SystemCalls.close(fd) } }
            do {
                if try !read(fd: fd, sourceIndex: index) { complete = false }
            } catch {
                Diagnostics.error("\(source): \(error)")
                outcome.inputFailed = true
            }
        }
        if !complete { noteWhereReadingStopped() }
        finishDeliveries()
        if let acks {
            // `end` only when the whole input was read and every line in it delivered.
            let delivered = complete && !outcome.inputFailed && ledger.badLines == 0 && ledger.failed == 0
            acks.finish(delivered: delivered, name: { ledger.name($0) })
        }
        producer.close()
        let rejectsWritten = ledger.flushRejects()
        progress.summary(delivered: ledger.delivered, rejected: ledger.badLines, failed: ledger.failed, linesRead: linesRead)
        outcome.badLines = ledger.badLines
        outcome.failedDeliveries = ledger.failed
        outcome.outputFailed = !rejectsWritten || ledger.rejectsFailed || reportWriter?.failed == true
        outcome.signal = stop.exitStatus()
        if let encoderFailure { return outcome.status.worst(encoderFailure.status) }
        return outcome.status
    }

    /// Asks for the topic's metadata until a broker answers, --connect-timeout passes, or a signal comes
    /// (in short slices, so Ctrl-C does not wait out the whole timeout).
    private func connect() -> Result<TopicLayout, KafkaError> {
        ConnectLoop.run(timeoutMs: settings.connectTimeoutMs, stop: stop) { producer.connect(topic: job.topic, timeoutMs: $0) }
    }

    /// A signal or a fatal producer error ends reading; what is in flight is still delivered or named.
    private var stopReading: Bool { stop.requested() || fatal != nil || encoderFailure != nil }

    /// Reads one source to its end (true) or until reading must stop (false).
    private func read(fd: Int32, sourceIndex: Int) throws -> Bool {
        let reader = LineReader(fd: fd, maxLineBytes: job.maxLineBytes)
        if wakeup != nil { reader.waitForInput = { [unowned self] fd in waitForInput(fd) } }
        var sinceServe = 0
        let stop = self.stop
        let finished = try reader.forEach(shouldStop: { stop.requested() }) { lineNumber, item in
            // The reader has consumed this line: handle it before looking at signals, so none is lost.
            let id = DeliveryLedger.id(source: sourceIndex, line: lineNumber)
            switch item {
            case .line(let bytes):
                linesRead += 1
                handle(line: bytes, id: id)
            case .overlong(let piece, let first, let last):
                if first { linesRead += 1 }
                if first { acks?.rejected(id) }
                ledger.overlong(piece, id: id, first: first, last: last, maxLineBytes: job.maxLineBytes)
            }
            lastLine = (sourceIndex, lineNumber)
            sinceServe += 1
            if sinceServe >= 1000 {
                sinceServe = 0
                pump(waitMs: 0)
            }
            return !stopReading
        }
        return finished
    }

    /// Waits until `fd` has input, serving delivery reports meanwhile, so --report lines and failures come
    /// out while the input is idle (an interactive or slow pipe), not only after the next 1000 lines.
    private func waitForInput(_ fd: Int32) -> Bool {
        guard let wakeup else { return true }
        // Input not ready at once: the burst read so far is one run of keyless lines.
        if SystemCalls.waitForInput(fd, timeoutMs: 0) == .timedOut { spread?.inputPaused() }
        while true {
            if stopReading { return false }
            // The timeout only drives the progress line; the wake-up pipe says when reports arrive.
            var input = false
            var reports = true
            switch SystemCalls.waitForInput(fd, or: wakeup, timeoutMs: 1000) {
            case .interrupted: continue
            case .failed: return true  // let read(2) report the problem
            case .timedOut: break
            case .ready(let first, let second):
                input = first
                reports = second
            }
            if reports {
                producer.drainWakeups()
                pump(waitMs: 0, flushReport: true)
            }
            if input { return true }
        }
    }

    private func noteWhereReadingStopped() {
        let why = stop.signalName() ?? (encoderFailure != nil ? "the schema registry failed" : "a fatal producer error")
        if let last = lastLine {
            Diagnostics.error(
                "stopped reading after \(job.sources[last.source]):\(last.line) (\(why)); later input was not read or sent")
        } else {
            Diagnostics.error("stopped before reading any input (\(why))")
        }
    }

    private func handle(line: UnsafeRawBufferPointer, id: UInt64) {
        let verdict: LineVerdict
        if plainEncoding {
            // PlainRecordEncoder, in place: no dynamic call, no optional reason to store and release per line.
            switch job.mode {
            case .json: verdict = jsonDecoder.decode(line) { send($0, id: id) }
            case .text: verdict = textDecoder.decode(line) { send($0, id: id) }
            case .envelope:
                verdict = envelopeDecoder.decode(line) { record in
                    // Held before it is queued: its delivery report may come back during `send`.
                    ledger.holdLine(line, id: id)
                    send(record, id: id)
                }
            }
        } else {
            var refused: String?
            switch job.mode {
            case .json: verdict = jsonDecoder.decode(line) { refused = encode($0, line: line, id: id, hold: false) }
            case .text: verdict = textDecoder.decode(line) { refused = encode($0, line: line, id: id, hold: false) }
            case .envelope: verdict = envelopeDecoder.decode(line) { refused = encode($0, line: line, id: id, hold: true) }
            }
            if let refused {
                acks?.rejected(id)
                ledger.rejected(line, id: id, reason: refused)
                if encoderFailure == nil, let failure = encoder.failure { encoderFailure = failure }
                return
            }
        }
        switch verdict {
        case .sent, .blank: break
        case .sentWithNote(let note): Diagnostics.verbose("\(ledger.name(id)): \(note)")
        case .bad(let reason):
            acks?.rejected(id)
            ledger.rejected(line, id: id, reason: reason)
        }
    }

    /// The one place a decoded line's members become the key and value produced (today's encoder is
    /// inlined in `handle`): the encoder sends the record, or says why the line is bad. `hold`: keep the
    /// line until it is settled (--envelope: its value is not the line), held before it is queued, since
    /// its report may come back during `send`.
    private func encode(_ record: OutgoingRecord, line: UnsafeRawBufferPointer, id: UInt64, hold: Bool) -> String? {
        let members = LineMembers(line: line, key: record.keyToken, value: record.valueToken,
                                  keySchemaID: record.keySchemaID, valueSchemaID: record.valueSchemaID)
        return encoder.encode(members: members, at: DeliveryLedger.position(of: id)) { key, value in
            if hold { ledger.holdLine(line, id: id) }
            send(record, id: id, key: key, value: value)
        }
    }

    /// `key` / `value`: the encoder's bytes in place of the record's (nil: the record's).
    private func send(_ record: OutgoingRecord, id: UInt64, key encodedKey: UnsafeRawBufferPointer? = nil,
                      value encodedValue: UnsafeRawBufferPointer? = nil) {
        // --acks: in input order, before it is queued (its report may come back during `queue`).
        if let acks, let source = record.source { acks.sent(id, source: source) }
        if rateLimited { waitForTurn() }
        let key = encodedKey ?? record.key ?? constantKey.map { UnsafeRawBufferPointer($0) }
        let value = encodedValue ?? record.value
        let partition = job.partition ?? record.partition
            ?? (key == nil ? spread?.next(size: value?.count ?? 0) : nil)
        if hasExtraHeaders {
            // -H after the line's own headers.
            queue(record, key: key, value: value, partition: partition,
                  headers: record.headers.map { $0 + extraHeaders } ?? extraHeaders, id: id)
        } else {
            queue(record, key: key, value: value, partition: partition, headers: record.headers, id: id)
        }
    }

    private func queue(_ record: OutgoingRecord, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, partition: Int32?, headers: [OutgoingHeader]?, id: UInt64) {
        while true {
            do {
                if let headers {
                    try producer.produce(
                        topic: job.topic, partition: partition, key: key, value: value, headers: headers,
                        timestamp: record.timestamp, id: id)
                } else {
                    try producer.produce(
                        topic: job.topic, partition: partition, key: key, value: value, timestamp: record.timestamp, id: id)
                }
                if rateLimited { pacer?.sent(now: MonotonicClock.now) }
                return
            } catch let error where error.isQueueFull {
                // Back-pressure: wait for deliveries to make room, then try the same line again. A line read
                // before the first signal is still sent; a second signal or a fatal error gives up on it.
                pump(waitMs: 100)
                if stop.now() || fatal != nil {
                    acks?.failed(id)
                    ledger.failed(id, payload: value, reason: .gaveUpWaiting(fatal: fatal != nil))
                    return
                }
            } catch let error where error.isUnknownPartition && job.partition == nil && record.partition != nil {
                // --keep-partition naming a partition the topic lacks: the line is at fault, not the delivery.
                acks?.failed(id)
                ledger.rejectedWhenQueued(id, reason: EnvelopeLineDecoder.unknownPartition(
                    record.partition!, topic: job.topic, partitions: partitionCount))
                return
            } catch {
                acks?.failed(id)
                ledger.failed(id, payload: value, reason: .notSent(error.message))
                return
            }
        }
    }

    /// --rate: waits (serving delivery reports) until the next message is due. Reading waits with it, so
    /// the input is not read ahead. A stop request ends the wait: what was read still goes, at once.
    private func waitForTurn() {
        while let pacer, !stop.requested() {
            let wait = pacer.wait(now: MonotonicClock.now)
            guard wait >= 1_000_000 else { return }
            pump(waitMs: Int32(min(wait / 1_000_000, 100)))
        }
    }

    /// The one place delivery reports are served: waits up to `waitMs` for them, settles each in the
    /// ledger (and --report), notes producer errors, flushes --report when its buffer is full, when
    /// asked, or after a wait, and updates the progress line.
    private func pump(waitMs: Int32, flushReport: Bool = false) {
        producer.poll(timeoutMs: waitMs) { event in
            switch event {
            case .delivery(let report):
                if let error = report.error {
                    let reason = DeliveryFailure.report(error.message, purgedInFlight: error.isPurgedInFlight)
                    let id = report.id
                    acks?.failed(id)
                    report.withValue { ledger.failed(id, payload: $0, reason: reason) }
                } else {
                    ledger.acknowledged(report.id)
                    acks?.acknowledged(report.id)
                    if !errorsNoted.isEmpty { errorsNoted.removeAll() }
                    reportWriter?.acknowledged(id: report.id, partition: report.partition, offset: report.offset)
                }
            case .error(let error):
                if error.isFatal {
                    if fatal == nil { Diagnostics.error("fatal producer error: \(error)") }
                    fatal = fatal ?? error
                } else {
                    noteTransientError(error)
                }
            }
        }
        if let reportWriter, reportWriter.hasPending, flushReport || waitMs > 0 || reportWriter.needsFlush {
            reportWriter.flush()
        }
        progress.tick(linesRead: linesRead, delivered: ledger.delivered)
        if let acks { acks.report(name: { ledger.name($0) }) }
    }

    /// The input has ended, so no later line will join a batch: what is queued goes now rather than when
    /// linger.ms (5 ms, from each batch's first message) runs out. librdkafka ignores linger.ms while
    /// `sendQueuedNow` runs; it is held 1 ms at a time, reports served between, for at most linger.ms,
    /// after which every batch queued before the end is due anyway. One line in: ~5 ms less (kcat -P
    /// waits it out too, but behind its connection set-up, which kput has done before reading).
    private func sendLastBatchesNow() {
        let lingerMs = ["linger.ms", "queue.buffering.max.ms"].compactMap { settings.value(of: $0).flatMap(Double.init) }.max() ?? 5
        let end = MonotonicClock.now + UInt64(max(0, min(lingerMs, 1000)) * 1_000_000)
        while producer.outstanding > 0, fatal == nil, !stop.now(), MonotonicClock.now < end {
            producer.sendQueuedNow(waitMs: 1)
            pump(waitMs: 0, flushReport: true)
        }
    }

    private func noteTransientError(_ error: KafkaError) {
        // librdkafka repeats a connection error on every retry, for every broker, each time with another
        // "after N ms": say each kind once per outage (an acknowledged delivery ends the outage).
        guard errorsNoted.insert(error.code).inserted else { return }
        Diagnostics.warning("\(error) (retrying)")
    }

    /// Waits for every queued message to be acknowledged or to fail. librdkafka fails each one after the
    /// delivery timeout; past that (plus a margin for a request stuck in flight), or on a second signal,
    /// or after a fatal error, what is left is purged — purged messages come back as failed reports and are
    /// named. Whatever librdkafka still has not reported after that is counted as failed, never as sent.
    private func finishDeliveries() {
        sendLastBatchesNow()
        var deadline = DeliveryDeadline(deliveryTimeoutMs: deliveryTimeoutMs, start: MonotonicClock.now)
        waiting: while producer.outstanding > 0 {
            pump(waitMs: 100, flushReport: true)
            switch deadline.step(now: MonotonicClock.now, giveUpNow: stop.now() || fatal != nil) {
            case .wait: break
            case .purge: producer.purgeAll()
            case .giveUp: break waiting
            }
        }
        pump(waitMs: 0, flushReport: true)
        ledger.neverReported(producer.outstanding)
        if fatal == nil, let error = producer.fatalError { Diagnostics.error("fatal producer error: \(error)") }
    }
}
