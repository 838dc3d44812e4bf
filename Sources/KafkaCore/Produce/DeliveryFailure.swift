/// Why a line's message did not arrive, as kput names it (`source:line: reason`) and counts it (exit 75).
package enum DeliveryFailure: Sendable, Equatable {
    /// librdkafka refused to queue it (the error's text).
    case notSent(String)
    /// Still waiting for room in the queue when a second signal came.
    case notSentSecondSignal
    /// Still waiting for room in the queue after a fatal producer error.
    case notSentFatal
    /// Its delivery report says it failed (the error's text).
    case notDelivered(String)
    /// Purged while a request carrying it was in flight: the broker may have written it.
    case purgedInFlight(String)

    /// A failed delivery report: purged in flight, or not delivered.
    package static func report(_ text: String, purgedInFlight: Bool) -> DeliveryFailure {
        purgedInFlight ? .purgedInFlight(text) : .notDelivered(text)
    }

    /// Waiting for room in the queue ended by a second signal or a fatal error.
    package static func gaveUpWaiting(fatal: Bool) -> DeliveryFailure { fatal ? .notSentFatal : .notSentSecondSignal }

    package var reason: String {
        switch self {
        case .notSent(let text): return "not sent: \(text)"
        case .notSentSecondSignal: return "not sent: stopped by a second signal"
        case .notSentFatal: return "not sent: fatal producer error"
        case .notDelivered(let text): return "not delivered: \(text)"
        case .purgedInFlight(let text): return "not acknowledged (\(text); it may or may not have been written)"
        }
    }
}
