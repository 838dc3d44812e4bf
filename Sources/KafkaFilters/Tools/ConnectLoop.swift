import KafkaBinding
import KafkaCore

/// The one loop that waits for a cluster's first answer (kput's topic lookup, kmeta's metadata); the
/// rule of when to ask again is ConnectRetry's.
enum ConnectLoop {
    /// Calls `ask` with the wait it may take, again while ConnectRetry says so; returns the last result.
    static func run<T>(timeoutMs: Int32, stop: StopToken, _ ask: (Int32) -> Result<T, KafkaError>) -> Result<T, KafkaError> {
        let retry = ConnectRetry(timeoutMs: timeoutMs, start: MonotonicClock.now)
        while true {
            let result = ask(retry.nextWaitMs(now: MonotonicClock.now))
            guard case .failure(let error) = result,
                retry.again(after: error.facts, now: MonotonicClock.now, stopRequested: stop.requested())
            else { return result }
        }
    }
}
