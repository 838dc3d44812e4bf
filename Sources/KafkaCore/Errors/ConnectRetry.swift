/// How a tool asks the cluster for its first answer: again after an unreachable broker (refused,
/// timed out) until --connect-timeout has passed, in slices of at most half a second, so a signal
/// is seen at once rather than after the whole timeout. Any other answer, good or bad, is final.
package struct ConnectRetry: Sendable, Equatable {
    /// The longest single wait: how late a signal may be noticed.
    static let sliceMs: Int64 = 500

    private let deadline: UInt64

    /// `start`: now, in monotonic nanoseconds.
    package init(timeoutMs: Int32, start: UInt64) {
        deadline = start + UInt64(max(timeoutMs, 0)) * 1_000_000
    }

    /// How long the next attempt may wait, at `now`: what is left of the timeout, at most a slice, at least 1 ms.
    package func nextWaitMs(now: UInt64) -> Int32 {
        let left = Int64(bitPattern: deadline &- now) / 1_000_000
        return Int32(max(1, min(Self.sliceMs, left)))
    }

    /// Whether to ask again after an attempt failed with `facts` at `now`.
    package func again(after facts: ErrorFacts, now: UInt64, stopRequested: Bool) -> Bool {
        facts.isUnreachable && now < deadline && !stopRequested
    }
}
