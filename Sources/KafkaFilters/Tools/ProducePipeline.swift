#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How kput reads its input lines.
public enum InputMode: String, Sendable {
    /// Each line is one JSON document, sent as it is.
    case json
    /// Each line is sent as it is, unvalidated.
    case text
    /// Each line is an envelope (what kpull emits): key, headers, timestamp and value are produced exactly.
    case envelope
}

public struct ProduceJob: Sendable {
    public var topic: String
    public var partition: Int32?
    public var keyField: String?
    public var mode: InputMode = .json
    public var keepPartition = false
    public var rejectsPath: String?
    public var report = false
    public var sources: [String] = ["-"]
    public var maxLineBytes = LineReader.defaultMaxLineBytes
    public var deliveryTimeoutMs: Int32 = 120_000

    public init(topic: String) { self.topic = topic }

    /// librdkafka settings kput needs; the user's -X/-F still override each of them.
    public static let producerDefaults: [(String, String)] = [
        ("enable.idempotence", "true"),
        // A filter must not hold a gigabyte of input: at most 100k messages / 64 MiB are queued.
        ("queue.buffering.max.messages", "100000"),
        ("queue.buffering.max.kbytes", "65536"),
        ("linger.ms", "5"),
    ]
}

/// kput's pipeline: lines in, each one delivered and acknowledged, or named on stderr and kept in the
/// rejects file. A message's id packs its source index and line number, so a delivery report names its line.
public final class ProducePipeline {
    private let job: ProduceJob
    private let producer: KafkaProducer
    private let settings: ClientSettings
    private let reportOut = OutputWriter()
    private var rejects: OutputWriter?
    /// Raw envelope lines in flight, by id: their payload is not the line, so the line is kept to be rejected.
    private var inFlightLines: [UInt64: [UInt8]] = [:]

    private(set) var linesRead = 0
    private(set) var badLines = 0
    private(set) var delivered = 0
    private(set) var failed = 0
    private var outputFailed = false
    private let started = MonotonicClock.now
    private var lastProgress = MonotonicClock.now
    private let showProgress: Bool

    private static let lineBits: UInt64 = 40

    public init(job: ProduceJob, settings: ClientSettings) throws(ToolFailure) {
        var settings = settings
        settings.addDefaults(ProduceJob.producerDefaults)
        settings.addDefaults([("message.timeout.ms", String(job.deliveryTimeoutMs))])
        self.job = job
        self.settings = settings
        if let path = job.rejectsPath {
            do {
                rejects = try OutputWriter(appendingTo: path)
            } catch {
                throw ToolFailure(.ioError, "cannot open rejects file: \(error)")
            }
        }
        producer = try KafkaProducer(settings: settings)
        showProgress = Diagnostics.stderrIsTerminal && Diagnostics.level >= .normal
    }

    /// Runs the whole job and returns the exit status.
    public func run() -> ExitStatus {
        switch producer.connect(topic: job.topic, timeoutMs: settings.connectTimeoutMs) {
        case .success: break
        case .failure(let error):
            if error.isUnknownTopic {
                Diagnostics.error("topic \"\(job.topic)\" does not exist")
            } else {
                Diagnostics.error(
                    "no broker answered within \(settings.connectTimeoutMs / 1000)s (tried \(settings.brokers)): \(error)")
            }
            producer.close()
            return error.isAuthorization ? .configError : .unavailable
        }
        var status = ExitStatus.ok
        for (index, source) in job.sources.enumerated() {
            if Signals.stopRequested { break }
            let fd: Int32
            do {
                fd = try FileBytes.openInput(source)
            } catch {
                Diagnostics.error("\(error)")
                status = status.worst(.ioError)
                continue
            }
            defer { if fd != 0 { close(fd) } }
            do {
                try read(fd: fd, sourceIndex: index)
            } catch {
                Diagnostics.error("\(source): \(error)")
                status = status.worst(.ioError)
            }
        }
        finishDeliveries()
        flushReport()
        producer.close()
        if let rejects {
            do { try rejects.flush() } catch {
                Diagnostics.error("rejects file: \(error)")
                status = status.worst(.ioError)
            }
        }
        if showProgress || Diagnostics.level >= .verbose {
            let seconds = Double(MonotonicClock.now - started) / 1e9
            Diagnostics.error(
                "\(delivered) delivered, \(badLines) rejected, \(failed) failed, \(linesRead) lines in \(formatSeconds(seconds))")
        }
        if badLines > 0 { status = status.worst(.dataError) }
        if failed > 0 { status = status.worst(.tempFailure) }
        if outputFailed { status = status.worst(.ioError) }
        if let s = Signals.exitStatus { status = status.worst(s) }
        return status
    }

    private func sourceName(_ index: Int) -> String { job.sources[index] }

    private func read(fd: Int32, sourceIndex: Int) throws {
        let reader = LineReader(fd: fd, maxLineBytes: job.maxLineBytes)
        var sinceServe = 0
        try reader.forEach(shouldStop: { Signals.stopRequested }) { lineNumber, item in
            if Signals.stopRequested { return false }
            switch item {
            case .line(let bytes):
                linesRead += 1
                handle(line: bytes, lineNumber: lineNumber, sourceIndex: sourceIndex)
            case .overlong(let piece, let first, let last):
                if first {
                    linesRead += 1
                    badLines += 1
                    Diagnostics.error(
                        "\(sourceName(sourceIndex)):\(lineNumber): line longer than \(job.maxLineBytes) bytes")
                }
                if let rejects {
                    rejects.buffer.append(contentsOf: piece)
                    if last { rejects.buffer.append(0x0A) }
                    if rejects.needsFlush { try? rejects.flush() }
                }
            }
            sinceServe += 1
            if sinceServe >= 1000 {
                sinceServe = 0
                serve(timeoutMs: 0)
                progress()
            }
            return true
        }
    }

    private func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for b in bytes where b != 0x20 && b != 0x09 { return false }
        return true
    }

    private func handle(line: UnsafeRawBufferPointer, lineNumber: Int, sourceIndex: Int) {
        let id = (UInt64(sourceIndex + 1) << Self.lineBits) | UInt64(lineNumber)
        switch job.mode {
        case .text:
            if line.isEmpty { return }
            send(key: nil, value: line, headers: [], timestamp: nil, partition: job.partition, id: id)
        case .json:
            if isBlank(line) { return }
            if let error = JSONScanner.validate(line) {
                reject(line, sourceIndex: sourceIndex, lineNumber: lineNumber, reason: error.description)
                return
            }
            if let field = job.keyField {
                var keyRange: Range<Int>? = nil
                var keyIsString = false
                try? JSONScanner.scanObject(line) { name, value, kind in
                    guard keyRange == nil, JSONScanner.nameEquals(line, name, field) else { return }
                    switch kind {
                    case .string:
                        keyRange = value
                        keyIsString = true
                    case .number:
                        keyRange = value
                    default: break
                    }
                }
                if let r = keyRange {
                    if keyIsString {
                        let key = JSONScanner.decodeStringToken(line, r)
                        key.withUnsafeBytes { k in
                            send(key: k, value: line, headers: [], timestamp: nil, partition: job.partition, id: id)
                        }
                    } else {
                        send(key: UnsafeRawBufferPointer(rebasing: line[r]), value: line, headers: [], timestamp: nil,
                             partition: job.partition, id: id)
                    }
                    return
                }
                Diagnostics.verbose("\(sourceName(sourceIndex)):\(lineNumber): no string or number field \"\(field)\"; null key")
            }
            send(key: nil, value: line, headers: [], timestamp: nil, partition: job.partition, id: id)
        case .envelope:
            if isBlank(line) { return }
            let record: EnvelopeRecord
            do {
                record = try Envelope.decode(line)
            } catch {
                reject(line, sourceIndex: sourceIndex, lineNumber: lineNumber, reason: error.description)
                return
            }
            inFlightLines[id] = Array(line)
            let partition = job.partition ?? (job.keepPartition ? record.partition.flatMap { $0 >= 0 ? $0 : nil } : nil)
            let headers = record.headers.map { OutgoingHeader(name: $0.key, value: $0.value) }
            withOptionalBytes(record.key) { key in
                withOptionalBytes(record.value) { value in
                    send(key: key, value: value, headers: headers, timestamp: record.timestamp, partition: partition, id: id)
                }
            }
        }
    }

    private func send(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [OutgoingHeader], timestamp: Int64?,
        partition: Int32?, id: UInt64
    ) {
        while true {
            do {
                try producer.produce(
                    topic: job.topic, partition: partition, key: key, value: value, headers: headers,
                    timestamp: timestamp, id: id)
                return
            } catch let error where error.isQueueFull {
                // Back-pressure: wait for deliveries to make room, then try the same line again.
                serve(timeoutMs: 100)
                if Signals.stopNow {
                    failDelivery(id: id, payload: value, reason: "not sent: stopped by signal")
                    return
                }
            } catch {
                failDelivery(id: id, payload: value, reason: "not sent: \(error)")
                return
            }
        }
    }

    private func reject(_ line: UnsafeRawBufferPointer, sourceIndex: Int, lineNumber: Int, reason: String) {
        badLines += 1
        Diagnostics.error("\(sourceName(sourceIndex)):\(lineNumber): \(reason)")
        keepRejected(line)
    }

    private func keepRejected(_ line: UnsafeRawBufferPointer) {
        guard let rejects else { return }
        rejects.buffer.append(contentsOf: line)
        rejects.buffer.append(0x0A)
        if rejects.needsFlush {
            do { try rejects.flush() } catch {
                Diagnostics.error("rejects file: \(error)")
                outputFailed = true
            }
        }
    }

    private func describe(id: UInt64) -> String {
        let sourceIndex = Int(id >> Self.lineBits) - 1
        let line = id & ((1 << Self.lineBits) - 1)
        let source = sourceIndex >= 0 && sourceIndex < job.sources.count ? job.sources[sourceIndex] : "?"
        return "\(source):\(line)"
    }

    private func failDelivery(id: UInt64, payload: UnsafeRawBufferPointer?, reason: String) {
        failed += 1
        Diagnostics.error("\(describe(id: id)): \(reason)")
        if let raw = inFlightLines.removeValue(forKey: id) {
            raw.withUnsafeBytes { keepRejected($0) }
        } else if let payload {
            keepRejected(payload)
        } else {
            keepRejected(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    /// Handles delivery reports: an acknowledged line is counted (and reported with --report), a failed
    /// one is named and kept.
    private func serve(timeoutMs: Int32) {
        producer.poll(timeoutMs: timeoutMs) { event in
            switch event {
            case .delivery(let report):
                if let error = report.error {
                    report.withValue { failDelivery(id: report.id, payload: $0, reason: "not delivered: \(error)") }
                } else {
                    delivered += 1
                    if job.mode == .envelope { inFlightLines.removeValue(forKey: report.id) }
                    if job.report { appendReport(id: report.id, partition: report.partition, offset: report.offset) }
                }
            case .error(let error):
                if error.isFatal {
                    Diagnostics.error("fatal: \(error)")
                } else {
                    noteTransientError(error)
                }
            }
        }
        if job.report, !reportOut.buffer.isEmpty, reportOut.needsFlush || timeoutMs > 0 { flushReport() }
    }

    private var lastErrorNote: String = ""
    private func noteTransientError(_ error: KafkaError) {
        // librdkafka repeats connection errors on every retry; say each distinct one once.
        let text = error.description
        guard text != lastErrorNote else { return }
        lastErrorNote = text
        Diagnostics.warning("\(text) (retrying)")
    }

    private func appendReport(id: UInt64, partition: Int32, offset: Int64) {
        let sourceIndex = Int(id >> Self.lineBits) - 1
        let line = id & ((1 << Self.lineBits) - 1)
        var out = #"{"line":"#
        out += String(line)
        out += #","source":"#
        reportOut.buffer.append(contentsOf: Array(out.utf8))
        JSONString.appendQuoted(job.sources[max(0, sourceIndex)], to: &reportOut.buffer)
        reportOut.buffer.append(contentsOf: Array(#","topic":"#.utf8))
        JSONString.appendQuoted(job.topic, to: &reportOut.buffer)
        reportOut.buffer.append(contentsOf: Array(#","partition":\#(partition),"offset":\#(offset)}"#.utf8))
        reportOut.buffer.append(0x0A)
    }

    private func flushReport() {
        guard !reportOut.buffer.isEmpty, !outputFailed else { return }
        do { try reportOut.flush() } catch {
            if !error.isBrokenPipe { Diagnostics.error("stdout: \(error)") }
            outputFailed = true
            reportOut.buffer.removeAll()
        }
    }

    /// Waits for every queued message to be acknowledged or to fail (bounded by the delivery timeout).
    /// A second signal purges what is left; purged messages come back as failed reports and are named.
    private func finishDeliveries() {
        var purged = false
        let deadline = MonotonicClock.now + UInt64(job.deliveryTimeoutMs + 5_000) * 1_000_000
        while producer.outstanding > 0 {
            serve(timeoutMs: 100)
            progress()
            if !purged && (Signals.stopNow || MonotonicClock.now > deadline) {
                purged = true
                producer.purgeAll()
            }
            if purged && MonotonicClock.now > deadline + 10_000_000_000 { break }
        }
        serve(timeoutMs: 0)
        if let fatal = producer.fatalError { Diagnostics.error("fatal producer error: \(fatal)") }
    }

    private func progress() {
        guard showProgress else { return }
        let now = MonotonicClock.now
        guard now - lastProgress > 2_000_000_000 else { return }
        lastProgress = now
        let seconds = Double(now - started) / 1e9
        let rate = seconds > 0 ? Int(Double(delivered) / seconds) : 0
        Diagnostics.warning("\(linesRead) lines read, \(delivered) delivered, \(rate)/s")
    }
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

func formatSeconds(_ s: Double) -> String {
    let ms = Int(s * 1000)
    return "\(ms / 1000).\(String(ms % 1000 + 1000).dropFirst())s"
}

/// Nanoseconds from a monotonic clock.
public enum MonotonicClock {
    public static var now: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
