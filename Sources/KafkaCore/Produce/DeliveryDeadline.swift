/// When kput stops waiting for its last deliveries (after the input ended or reading stopped).
/// librdkafka fails each message itself after the delivery timeout; past that plus a margin for a
/// request stuck in flight, or at once on a second signal or a fatal error, what is left is purged
/// (purged messages come back as failed reports and are named); 10 s after the purge, what librdkafka
/// still has not reported is given up on (counted as failed, never as sent).
package struct DeliveryDeadline: Sendable, Equatable {
    /// The margin past the delivery timeout for a request in flight when it expired.
    static let marginMs: UInt64 = 5_000
    /// How long purged messages get to come back as reports.
    static let afterPurgeMs: UInt64 = 10_000
    /// The longest delivery timeout waited for (a day; librdkafka's 0 means "forever").
    static let longestMs = 86_400_000

    /// What to do at this turn of the wait.
    package enum Step: Sendable, Equatable {
        /// Keep serving delivery reports.
        case wait
        /// Purge what is left (once), then keep serving reports.
        case purge
        /// Stop waiting: count what is left as failed.
        case giveUp
    }

    private let deadline: UInt64
    private var purgedAt: UInt64?

    /// `start`: now, in monotonic nanoseconds; `deliveryTimeoutMs`: the timeout librdkafka applies.
    package init(deliveryTimeoutMs: Int, start: UInt64) {
        deadline = start + (UInt64(min(max(deliveryTimeoutMs, 0), Self.longestMs)) + Self.marginMs) * 1_000_000
    }

    /// The step after a turn of serving reports at `now`; `giveUpNow`: a second signal or a fatal error.
    package mutating func step(now: UInt64, giveUpNow: Bool) -> Step {
        if let purgedAt {
            return now > purgedAt + Self.afterPurgeMs * 1_000_000 ? .giveUp : .wait
        }
        if giveUpNow || now > deadline {
            purgedAt = now
            return .purge
        }
        return .wait
    }

    /// The delivery timeout librdkafka applies: -X message.timeout.ms (or its alias delivery.timeout.ms),
    /// the last given, wins over --timeout; 0 means none (waited for as long as a day).
    package static func effectiveTimeoutMs(properties: [(key: String, value: String)], option: Int32) -> Int {
        let set = properties.last { $0.key == "message.timeout.ms" || $0.key == "delivery.timeout.ms" }
        return set.flatMap { Int($0.value) }.map { $0 == 0 ? Int(Int32.max) : $0 } ?? Int(option)
    }
}
