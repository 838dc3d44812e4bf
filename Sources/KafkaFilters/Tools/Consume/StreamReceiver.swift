import KafkaBinding

/// kstream's side of the push: every message becomes a line in the buffer as it arrives; the buffer is
/// written out when the stream goes quiet (so a line shows up at once in a pipe or terminal), when it is
/// full, and at the latest 100 ms after its oldest line arrived (a busy log file); only then are the
/// offsets stored, for librdkafka's auto-commit.
final class StreamReceiver: MessageReceiver {
    unowned let session: ConsumeSession

    init(_ session: ConsumeSession) { self.session = session }

    func receive(_ message: borrowing ConsumedMessage) {
        session.take(message)
        if session.sink.needsFlush { session.writeOut() }
    }

    func receive(notice: borrowing ConsumerEvent) { session.notice(notice) }

    func caughtUp() {
        session.writeOut()
        session.stopIfReaderGone()
    }

    func tick() {
        if session.stop.takeHangup() { session.reopenOutput() }
        if session.sink.hasWaited(ConsumeSession.flushDeadlineNs) { session.writeOut() }
        session.printStatsIfDue()
    }

    var isDone: Bool { session.isDone }
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
