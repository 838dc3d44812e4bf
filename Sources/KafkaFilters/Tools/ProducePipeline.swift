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

    /// The local queue's bound; with the line buffer it bounds kput's memory whatever the input size.
    public static let queueMaxMessages = 50_000
    public static let queueMaxKBytes = 32_768

    /// librdkafka settings kput needs; the user's -X/-F still override each of them.
    public static let producerDefaults: [(String, String)] = [
        ("enable.idempotence", "true"),
        // A filter must not hold a gigabyte of input (librdkafka's default): a full queue is back-pressure.
        ("queue.buffering.max.messages", String(queueMaxMessages)),
        ("queue.buffering.max.kbytes", String(queueMaxKBytes)),
        ("linger.ms", "5"),
    ]

    /// One sentence for --help and the man page.
    public static let memoryBound =
        "Memory is bounded whatever the input size: at most \(queueMaxMessages) messages or \(queueMaxKBytes / 1024) MiB "
        + "wait in the local queue (-X queue.buffering.max.messages / queue.buffering.max.kbytes); when it is full, "
        + "kput waits for deliveries before reading on (never a drop). Add one --max-line-bytes line buffer; "
        + "with --envelope each queued line is also kept until acknowledged (to be named and kept if it fails)."
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
    /// The key field's name as bytes, compared against member names without decoding them.
    private let keyField: [UInt8]?
    /// Per source: `,"source":"…","topic":"…","partition":` — the constant middle of a --report line.
    private let reportMiddles: [[UInt8]]
    private let verbose: Bool
    private let deliveryTimeoutMs: Int

    private(set) var linesRead = 0
    private(set) var badLines = 0
    private(set) var delivered = 0
    private(set) var failed = 0
    private var outputFailed = false
    private var reportClosed = false
    private var fatal: KafkaError?
    /// The last line handed to the producer or rejected, to say where reading stopped early.
    private var lastLine: (source: Int, line: Int)?
    private var wakeup: Int32?
    private let started = MonotonicClock.now
    private var lastProgress = MonotonicClock.now
    private let showProgress: Bool

    private static let lineBits: UInt64 = 40
    /// Partitions for lines without a key (nil: librdkafka's partitioner decides).
    private var spread: KeylessSpread?

    public init(job: ProduceJob, settings: ClientSettings) throws(ToolFailure) {
        var settings = settings
        settings.addDefaults(ProduceJob.producerDefaults)
        settings.addDefaults([("message.timeout.ms", String(job.deliveryTimeoutMs))])
        self.job = job
        self.settings = settings
        // -X message.timeout.ms (or its alias) wins over --timeout; the final wait follows what librdkafka uses.
        let timeout = settings.properties.last { $0.key == "message.timeout.ms" || $0.key == "delivery.timeout.ms" }
        deliveryTimeoutMs = timeout.flatMap { Int($0.value) }.map { $0 == 0 ? Int(Int32.max) : $0 } ?? Int(job.deliveryTimeoutMs)
        keyField = job.keyField.map { Array($0.utf8) }
        reportMiddles = job.sources.map { source in
            var out = Array(#","source":"#.utf8)
            JSONString.appendQuoted(source, to: &out)
            out += Array(#","topic":"#.utf8)
            JSONString.appendQuoted(job.topic, to: &out)
            out += Array(#","partition":"#.utf8)
            return out
        }
        verbose = Diagnostics.level >= .verbose
        if let path = job.rejectsPath {
            do {
                rejects = try OutputWriter(appendingTo: path)
            } catch {
                throw ToolFailure(.ioError, "cannot open rejects file: \(error)")
            }
        }
        producer = try KafkaProducer(settings: settings)
        showProgress = (Diagnostics.stderrIsTerminal && Diagnostics.level >= .normal) || verbose
    }

    /// Runs the whole job and returns the exit status.
    public func run() -> ExitStatus {
        switch connect() {
        case .success(let partitions):
            spread = KeylessSpread(partitions: partitions)
            // Said once, before reading, rather than naming every line as undeliverable.
            if let p = job.partition, partitions > 0, p >= partitions {
                Diagnostics.error("topic \"\(job.topic)\" has \(partitions) partitions: -p \(p) does not exist")
                producer.close()
                return .usage
            }
        case .failure(let error):
            if let signal = Signals.exitStatus {
                producer.close()
                Diagnostics.error("stopped before any broker answered (tried \(settings.brokers)); no input was read")
                return signal
            }
            if error.isUnknownTopic {
                Diagnostics.error("topic \"\(job.topic)\" does not exist")
            } else {
                Diagnostics.error(
                    "no broker answered within \(settings.connectTimeoutMs / 1000)s (tried \(settings.brokers)): \(error)")
            }
            producer.close()
            return error.isAuthorization ? .configError : .unavailable
        }
        wakeup = producer.wakeupDescriptor()
        var status = ExitStatus.ok
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
                status = status.worst(.ioError)
                continue
            }
            defer { if fd != 0 { close(fd) } }
            do {
                if try !read(fd: fd, sourceIndex: index) { complete = false }
            } catch {
                Diagnostics.error("\(source): \(error)")
                status = status.worst(.ioError)
            }
        }
        if !complete { noteWhereReadingStopped() }
        finishDeliveries()
        flushReport()
        producer.close()
        if let rejects {
            do { try rejects.flush() } catch {
                Diagnostics.error("rejects file: \(error)")
                status = status.worst(.ioError)
            }
        }
        if showProgress {
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

    /// Asks for the topic's metadata until a broker answers, --connect-timeout passes, or a signal comes
    /// (in short slices, so Ctrl-C does not wait out the whole timeout).
    private func connect() -> Result<Int, KafkaError> {
        let deadline = MonotonicClock.now + UInt64(settings.connectTimeoutMs) * 1_000_000
        while true {
            let left = Int64(deadline) - Int64(MonotonicClock.now)
            let result = producer.connect(topic: job.topic, timeoutMs: Int32(max(1, min(500, left / 1_000_000))))
            guard case .failure(let error) = result, error.isTimeout || error.isTransport,
                MonotonicClock.now < deadline, !Signals.stopRequested
            else { return result }
        }
    }

    /// A signal or a fatal producer error ends reading; what is in flight is still delivered or named.
    private var stopReading: Bool { Signals.stopRequested || fatal != nil }

    private func sourceName(_ index: Int) -> String { job.sources[index] }

    /// Reads one source to its end (true) or until reading must stop (false).
    private func read(fd: Int32, sourceIndex: Int) throws -> Bool {
        let reader = LineReader(fd: fd, maxLineBytes: job.maxLineBytes)
        if wakeup != nil { reader.waitForInput = { [unowned self] fd in waitForInput(fd) } }
        var sinceServe = 0
        let finished = try reader.forEach(shouldStop: { Signals.stopRequested }) { lineNumber, item in
            // The reader has consumed this line: handle it before looking at signals, so none is lost.
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
                // Streamed to the rejects file piece by piece: an over-long line is never held whole.
                keepRejected(piece, endOfLine: last)
            }
            lastLine = (sourceIndex, lineNumber)
            sinceServe += 1
            if sinceServe >= 1000 {
                sinceServe = 0
                serve(timeoutMs: 0)
                progress()
            }
            return !stopReading
        }
        return finished
    }

    /// Waits until `fd` has input, serving delivery reports meanwhile, so --report lines and failures come
    /// out while the input is idle (an interactive or slow pipe), not only after the next 1000 lines.
    private func waitForInput(_ fd: Int32) -> Bool {
        guard let wakeup else { return true }
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup, events: Int16(POLLIN), revents: 0)]
        // Input not ready at once: the burst read so far is one run of keyless lines.
        if poll(&fds, 1, 0) == 0 { spread?.inputPaused() }
        while true {
            if stopReading { return false }
            fds[0].revents = 0
            fds[1].revents = 0
            // The timeout only drives the progress line; the wake-up pipe says when reports arrive.
            let n = poll(&fds, 2, 1000)
            if n < 0 {
                if errno == EINTR { continue }
                return true  // let read(2) report the problem
            }
            if fds[1].revents != 0 || n == 0 {
                producer.drainWakeups()
                serve(timeoutMs: 0)
                flushReport()
                progress()
            }
            if fds[0].revents != 0 { return true }
        }
    }

    private func noteWhereReadingStopped() {
        let why = Signals.stopSignal.map { $0 == SIGINT ? "SIGINT" : "SIGTERM" } ?? "a fatal producer error"
        if let last = lastLine {
            Diagnostics.error(
                "stopped reading after \(sourceName(last.source)):\(last.line) (\(why)); later input was not read or sent")
        } else {
            Diagnostics.error("stopped before reading any input (\(why))")
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
            guard let keyField else {
                if let error = JSONScanner.validate(line) {
                    reject(line, sourceIndex: sourceIndex, lineNumber: lineNumber, reason: error.description)
                    return
                }
                send(key: nil, value: line, headers: [], timestamp: nil, partition: job.partition, id: id)
                return
            }
            sendKeyed(line, keyField: keyField, lineNumber: lineNumber, sourceIndex: sourceIndex, id: id)
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

    /// -k: validates the line and finds the key in the same pass. The first member of that name decides:
    /// a string gives its contents, a number its text; anything else, or no such member, a null key.
    private func sendKeyed(_ line: UnsafeRawBufferPointer, keyField: [UInt8], lineNumber: Int, sourceIndex: Int, id: UInt64) {
        var seen = false
        var keyRange: Range<Int>? = nil
        var keyIsString = false
        do {
            try keyField.withUnsafeBytes { field in
                try JSONScanner.scanObject(line) { name, value, kind in
                    guard !seen, name.count >= field.count, Self.nameMatches(line, name, field) else { return }
                    seen = true
                    if kind == .string || kind == .number {
                        keyRange = value
                        keyIsString = kind == .string
                    }
                }
            }
        } catch let error as JSONScanError where error.reason == .notAnObject {
            keyRange = nil  // valid JSON, just not an object: no key
        } catch {
            reject(line, sourceIndex: sourceIndex, lineNumber: lineNumber, reason: "\(error)")
            return
        }
        guard let r = keyRange else {
            if verbose {
                Diagnostics.verbose("\(sourceName(sourceIndex)):\(lineNumber): no string or number member \"\(job.keyField ?? "")\"; null key")
            }
            send(key: nil, value: line, headers: [], timestamp: nil, partition: job.partition, id: id)
            return
        }
        if !keyIsString {
            send(key: UnsafeRawBufferPointer(rebasing: line[r]), value: line, headers: [], timestamp: nil,
                 partition: job.partition, id: id)
        } else if memchr(line.baseAddress! + r.lowerBound + 1, 0x5C, r.count - 2) == nil {
            // No escapes: the key is the bytes between the quotes, taken in place.
            send(key: UnsafeRawBufferPointer(rebasing: line[(r.lowerBound + 1)..<(r.upperBound - 1)]), value: line,
                 headers: [], timestamp: nil, partition: job.partition, id: id)
        } else {
            JSONScanner.decodeStringToken(line, r).withUnsafeBytes { key in
                send(key: key, value: line, headers: [], timestamp: nil, partition: job.partition, id: id)
            }
        }
    }

    /// A member name (raw, escapes undecoded) equals `field`: a byte compare, or a decoding one when escaped.
    private static func nameMatches(_ line: UnsafeRawBufferPointer, _ name: Range<Int>, _ field: UnsafeRawBufferPointer) -> Bool {
        if name.count == field.count, memcmp(line.baseAddress! + name.lowerBound, field.baseAddress!, field.count) == 0 {
            return true
        }
        guard memchr(line.baseAddress! + name.lowerBound, 0x5C, name.count) != nil else { return false }
        return JSONScanner.decodeStringContent(line, name).elementsEqual(field)
    }

    private func send(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [OutgoingHeader], timestamp: Int64?,
        partition: Int32?, id: UInt64
    ) {
        let partition = partition ?? (key == nil ? spread?.next(size: value?.count ?? 0) : nil)
        while true {
            do {
                try producer.produce(
                    topic: job.topic, partition: partition, key: key, value: value, headers: headers,
                    timestamp: timestamp, id: id)
                return
            } catch let error where error.isQueueFull {
                // Back-pressure: wait for deliveries to make room, then try the same line again. A line read
                // before the first signal is still sent; a second signal or a fatal error gives up on it.
                serve(timeoutMs: 100)
                progress()
                if Signals.stopNow || fatal != nil {
                    failDelivery(id: id, payload: value, reason: "not sent: \(fatal == nil ? "stopped by a second signal" : "fatal producer error")")
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
        keepRejected(line, endOfLine: true)
    }

    private func keepRejected(_ bytes: UnsafeRawBufferPointer, endOfLine: Bool) {
        guard let rejects else { return }
        rejects.buffer.append(contentsOf: bytes)
        if endOfLine { rejects.buffer.append(0x0A) }
        if rejects.needsFlush {
            do { try rejects.flush() } catch {
                Diagnostics.error("rejects file: \(error)")
                outputFailed = true
                self.rejects = nil
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
            raw.withUnsafeBytes { keepRejected($0, endOfLine: true) }
        } else {
            keepRejected(payload ?? UnsafeRawBufferPointer(start: nil, count: 0), endOfLine: true)
        }
    }

    /// Handles delivery reports: an acknowledged line is counted (and reported with --report), a failed
    /// one is named and kept.
    private func serve(timeoutMs: Int32) {
        producer.poll(timeoutMs: timeoutMs) { event in
            switch event {
            case .delivery(let report):
                if let error = report.error {
                    let reason = error.name == "_PURGE_INFLIGHT"
                        ? "not acknowledged (\(error); it may or may not have been written)" : "not delivered: \(error)"
                    report.withValue { failDelivery(id: report.id, payload: $0, reason: reason) }
                } else {
                    delivered += 1
                    if !errorsNoted.isEmpty { errorsNoted.removeAll() }
                    if job.mode == .envelope { inFlightLines.removeValue(forKey: report.id) }
                    if job.report { appendReport(id: report.id, partition: report.partition, offset: report.offset) }
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
        if job.report, !reportOut.buffer.isEmpty, reportOut.needsFlush || timeoutMs > 0 { flushReport() }
    }

    /// Error codes already said since the last acknowledged delivery.
    private var errorsNoted: Set<Int32> = []
    private func noteTransientError(_ error: KafkaError) {
        // librdkafka repeats a connection error on every retry, for every broker, each time with another
        // "after N ms": say each kind once per outage (an acknowledged delivery ends the outage).
        guard errorsNoted.insert(error.code).inserted else { return }
        Diagnostics.warning("\(error) (retrying)")
    }

    /// `{"line":N,"source":"-","topic":"t","partition":P,"offset":O}`, written without building a String.
    private func appendReport(id: UInt64, partition: Int32, offset: Int64) {
        let sourceIndex = min(max(Int(id >> Self.lineBits) - 1, 0), reportMiddles.count - 1)
        let line = Int64(id & ((1 << Self.lineBits) - 1))
        Envelope.appendLiteral(#"{"line":"#, to: &reportOut.buffer)
        Envelope.appendInteger(line, to: &reportOut.buffer)
        reportOut.buffer.append(contentsOf: reportMiddles[sourceIndex])
        Envelope.appendInteger(Int64(partition), to: &reportOut.buffer)
        Envelope.appendLiteral(#","offset":"#, to: &reportOut.buffer)
        Envelope.appendInteger(offset, to: &reportOut.buffer)
        reportOut.buffer.append(UInt8(ascii: "}"))
        reportOut.buffer.append(0x0A)
    }

    private func flushReport() {
        guard !reportOut.buffer.isEmpty, !outputFailed, !reportClosed else {
            reportOut.buffer.removeAll(keepingCapacity: true)
            return
        }
        do { try reportOut.flush() } catch {
            reportOut.buffer.removeAll()
            // The reader of --report went away (kput --report | head): stop reporting, quietly, and keep
            // delivering; that is not an I/O failure of kput's job. Any other write error is.
            if error.isBrokenPipe {
                reportClosed = true
            } else {
                Diagnostics.error("stdout: \(error)")
                outputFailed = true
            }
        }
    }

    /// Waits for every queued message to be acknowledged or to fail. librdkafka fails each one after the
    /// delivery timeout; past that (plus a margin for a request stuck in flight), or on a second signal,
    /// or after a fatal error, what is left is purged — purged messages come back as failed reports and are
    /// named. Whatever librdkafka still has not reported after that is counted as failed, never as sent.
    private func finishDeliveries() {
        var purgedAt: UInt64? = nil
        let deadline = MonotonicClock.now + UInt64(min(deliveryTimeoutMs, 86_400_000) + 5_000) * 1_000_000
        while producer.outstanding > 0 {
            serve(timeoutMs: 100)
            flushReport()
            progress()
            if purgedAt == nil && (Signals.stopNow || fatal != nil || MonotonicClock.now > deadline) {
                purgedAt = MonotonicClock.now
                producer.purgeAll()
            }
            if let t = purgedAt, MonotonicClock.now > t + 10_000_000_000 { break }
        }
        serve(timeoutMs: 0)
        let unaccounted = producer.outstanding
        if unaccounted > 0 {
            failed += unaccounted
            Diagnostics.error("\(unaccounted) messages were never reported by librdkafka; they count as not delivered")
        }
        if fatal == nil, let error = producer.fatalError { Diagnostics.error("fatal producer error: \(error)") }
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
