/// kput's progress on stderr: a line every 2 s while it runs (on a terminal, or at -v), and a summary.
package struct ProduceProgress {
    let enabled: Bool
    let started: UInt64
    private var last: UInt64
    private let say: (String) -> Void

    package init(enabled: Bool, now: UInt64 = MonotonicClock.now, say: @escaping (String) -> Void) {
        self.enabled = enabled
        started = now
        last = now
        self.say = say
    }

    package mutating func tick(linesRead: Int, delivered: Int, now: UInt64 = MonotonicClock.now) {
        guard enabled, now - last > 2_000_000_000 else { return }
        last = now
        let seconds = Double(now - started) / 1e9
        let rate = seconds > 0 ? Int(Double(delivered) / seconds) : 0
        say("\(linesRead) lines read, \(delivered) delivered, \(rate)/s")
    }

    package func summary(delivered: Int, rejected: Int, failed: Int, linesRead: Int, now: UInt64 = MonotonicClock.now) {
        guard enabled else { return }
        let seconds = Double(now - started) / 1e9
        say("\(delivered) delivered, \(rejected) rejected, \(failed) failed, \(linesRead) lines in \(Diagnostics.seconds(seconds))")
    }
}
