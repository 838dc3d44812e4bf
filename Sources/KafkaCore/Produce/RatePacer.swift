/// `kput --rate N`: at most N messages a second, exact over a run. Message k (from 0) is due at
/// `start + k / N`; the caller waits until it is due before producing it, so the input is read no
/// faster than that (back-pressure, nothing buffered ahead). A run that falls behind (an idle input,
/// a full queue) does not catch up in a burst: the schedule restarts from now. Waits shorter than
/// `minimumWait` are skipped, the debt carried, so high rates cost no sleep per message.
package struct RatePacer {
    let intervalNs: Double
    private var due: Double? = nil
    /// How far behind schedule a run may fall before its lost time is forgiven.
    let slackNs: Double

    package init(perSecond rate: Double, slackNs: Double = 100_000_000) {
        intervalNs = 1e9 / rate
        self.slackNs = slackNs
    }

    /// Nanoseconds to wait before the next message may go (0: now); call `sent(now:)` once it went.
    package func wait(now: UInt64) -> UInt64 {
        guard let due else { return 0 }
        let left = due - Double(now)
        return left > 0 ? UInt64(left) : 0
    }

    /// The message went at `now`: the next is due one interval after this one's slot.
    package mutating func sent(now: UInt64) {
        let t = Double(now)
        if let d = due, t - d < slackNs {
            due = d + intervalNs
        } else {
            due = t + intervalNs
        }
    }
}
