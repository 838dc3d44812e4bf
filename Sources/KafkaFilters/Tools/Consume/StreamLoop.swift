import KafkaBinding
import KafkaCore

/// kstream's push loop: librdkafka fetches on its own threads; this loop only dispatches each message to
/// the session as it arrives, waiting at most a tick for the next one when the stream is quiet. The
/// buffer is written out when the stream goes quiet (so a line shows up at once in a pipe or terminal),
/// when it is full, and at the latest 100 ms after its oldest line arrived (a busy log file); only then
/// are the offsets stored, for librdkafka's auto-commit. It asks the session only through its steps
/// (`take`, `notice`, `caughtUp`, the tick's chores), never its parts.
struct StreamLoop {
    private unowned let session: ConsumeSession
    private var stats: StatsTicker?

    init(_ session: ConsumeSession, statsInterval: Double?) {
        self.session = session
        if let statsInterval { stats = StatsTicker(intervalSeconds: statsInterval, now: MonotonicClock.now) }
    }

    /// Pushes messages to the session until it is done.
    mutating func run(_ consumer: KafkaConsumer, tickMs: Int32) {
        let tickNs = UInt64(tickMs) * 1_000_000
        var lastTick = MonotonicClock.now
        var quiet = false
        let session = self.session
        while !session.isDone {
            let got = consumer.poll(timeoutMs: quiet ? tickMs : 0) { event in
                switch event {
                case .message(let message):
                    session.take(message)
                    session.writeOutIfFull()
                default: session.notice(event)
                }
            }
            if !got { session.caughtUp() }
            quiet = !got
            let now = MonotonicClock.now
            if now &- lastTick >= tickNs {
                lastTick = now
                tick()
            }
        }
    }

    /// At least every tick, busy or quiet: SIGHUP, the buffer's deadline, statistics.
    private mutating func tick() {
        session.reopenOutputIfAsked()
        session.writeOutIfWaited(ConsumeSession.flushDeadlineNs)
        if session.acks != nil {
            session.serveAcks()
            session.holdBackWhileUndone()
        }
        guard stats != nil else { return }
        let progress = session.progress
        guard let rate = stats!.due(messages: progress.messages, now: MonotonicClock.now) else { return }
        let lag = progress.lag.map { ", lag \($0)" } ?? ""
        Diagnostics.error("\(progress.messages) messages, \(rate)/s\(lag), \(progress.partitions) partitions")
    }
}

/// The session's steps for a loop that is pushed messages (StreamLoop).
extension ConsumeSession {
    /// The buffer is full enough for one large write: write it out.
    @inline(__always) func writeOutIfFull() { if sink.needsFlush { writeOut() } }

    /// Everything that has arrived has been handed over: write it out; stop if the reader is gone.
    func caughtUp() {
        writeOut()
        stopIfReaderGone()
    }

    /// A line has waited in the buffer longer than `nanoseconds`: write it out.
    func writeOutIfWaited(_ nanoseconds: UInt64) { if sink.hasWaited(nanoseconds) { writeOut() } }

    /// kstream's SIGHUP: write out, then reopen the output file (logrotate).
    func reopenOutputIfAsked() {
        guard stop.takeHangup() else { return }
        writeOut()
        do { try sink.reopen() } catch { fail(.ioError, "cannot reopen output: \(error)") }
        Diagnostics.verbose("output reopened")
    }

    /// For --stats: messages taken, the lag of the assigned partitions (nil: unknown), how many there are.
    var progress: (messages: Int, lag: Int64?, partitions: Int) {
        (sink.messagesTaken, consumer.lag(Array(partitions.assigned)), partitions.assigned.count)
    }
}

/// kstream --stats: when the next summary line is due, and the rate since the last one.
struct StatsTicker {
    let intervalNs: UInt64
    private var lastAt: UInt64
    private var lastMessages = 0

    init(intervalSeconds: Double, now: UInt64) {
        intervalNs = UInt64(intervalSeconds * 1e9)
        lastAt = now
    }

    /// The rate (messages per second) since the last summary when one is due now, else nil.
    mutating func due(messages: Int, now: UInt64) -> Int? {
        let elapsedNs = now &- lastAt
        guard elapsedNs >= intervalNs, elapsedNs > 0 else { return nil }
        let rate = Int((Double(messages - lastMessages) / (Double(elapsedNs) / 1e9)).rounded())
        lastAt = now
        lastMessages = messages
        return rate
    }
}
