/// librdkafka before 2.2.0 stops fetching while the prefetch queue is above `queued.min.messages` or
/// `queued.max.messages.kbytes`, and a broker thread with no fetch in flight looks again only when
/// something wakes it or after up to a second. The tools drain a full 4 MiB queue in ~20 ms, so nearly
/// all of that second was spent idle: draining 1M messages took 4.2 s after the first one, 0.6 s with
/// these wake-ups. After every `bytesPerWake` (or `messagesPerWake`) taken, a quarter of the tools' byte
/// bound, the consumer wakes the broker threads so each looks at the queue again and fetches as soon as
/// it has room; a wake-up costs one queued no-op per broker.
///
/// The one public call that wakes every broker thread is `rd_kafka_sasl_set_credentials`. It stores the
/// username and password it is given (NULL is refused), so it is used only where that changes nothing:
/// - without SASL (`security.protocol` plaintext or ssl) librdkafka never reads them: both unset ones
///   become "" and stay unread;
/// - with SASL PLAIN or SCRAM only when both were configured, and then with exactly those values;
/// - never with GSSAPI: its Cyrus implementation holds the SASL lock across KDC round trips, so this
///   call could block the polling thread for as long; nor with OAUTHBEARER or SASL without credentials
///   (they would go from unset to "").
/// From 2.2.0 (`version22`) a full queue backs the partition off for `fetch.queue.backoff.ms`, which no
/// wake-up shortens: there the tools set that property instead (ConsumeSession) and this wakes nothing.
/// The rule lives here; the binding's `PrefetchWaker` counts the messages taken and makes the call.
/// (How often: `PrefetchWaker.bytesPerWake` and `messagesPerWake`, constants of the per-message count.)
package enum PrefetchRefill {

    /// What the wake-up call may be given for `settings`; nil: no wake-ups.
    package static func wakeCredentials(_ settings: ClientSettings, version22: Bool) -> (username: String, password: String)? {
        wakeCredentials(
            version22: version22,
            securityProtocol: settings.value(of: "security.protocol"),
            mechanism: settings.value(of: "sasl.mechanisms") ?? settings.value(of: "sasl.mechanism"),
            username: settings.value(of: "sasl.username"), password: settings.value(of: "sasl.password"))
    }

    /// What `rd_kafka_sasl_set_credentials` may be given to wake the broker threads, or nil when no
    /// wake-up is to be made (the rules above).
    package static func wakeCredentials(version22: Bool, securityProtocol: String?, mechanism: String?,
                                        username: String?, password: String?) -> (username: String, password: String)? {
        if version22 { return nil }
        let usesSASL = securityProtocol.map { $0.lowercased().hasPrefix("sasl") } ?? false
        if !usesSASL { return (username ?? "", password ?? "") }
        // librdkafka's default mechanism is GSSAPI.
        let mech = (mechanism ?? "GSSAPI").uppercased()
        guard mech == "PLAIN" || mech.hasPrefix("SCRAM-"), let username, let password else { return nil }
        return (username, password)
    }
}
