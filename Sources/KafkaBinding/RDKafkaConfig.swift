import Crdkafka
import KafkaCore
import KafkaCore

/// The outcome of setting one property: librdkafka knows it or not, accepts its value or not.
enum PropertyError: Error, CustomStringConvertible, Sendable {
    case unknown(key: String)
    case invalid(key: String, reason: String)

    var description: String {
        switch self {
        case .unknown(let key): return "unknown property \"\(key)\""
        case .invalid(let key, let reason): return "invalid value for \"\(key)\": \(reason)"
        }
    }
}

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`, which frees it only on success.
final class RDKafkaConfig {
    private(set) var pointer: OpaquePointer?

    init() {
        pointer = rd_kafka_conf_new()
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    func set(_ key: String, _ value: String) throws(PropertyError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &errstr, errstr.count)
        switch result {
        case RD_KAFKA_CONF_OK: return
        case RD_KAFKA_CONF_UNKNOWN: throw .unknown(key: key)
        default:
            // librdkafka's text quotes the value; secrets are scrubbed by Diagnostics before printing.
            throw .invalid(key: key, reason: String(cString: errstr))
        }
    }

    /// Gives the conf to `rd_kafka_new`; after success this object no longer owns it.
    func release() -> OpaquePointer? {
        defer { pointer = nil }
        return pointer
    }

    /// Checks one property against librdkafka's own table without building a client.
    static func check(_ key: String, _ value: String) throws(PropertyError) {
        let probe = RDKafkaConfig()
        try probe.set(key, value)
    }
}

/// librdkafka's log lines (its `%4|...` output) come here and are shown only at -v, through our diagnostics.
/// Called from librdkafka's internal threads; Diagnostics is thread-safe.
let kafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    _, level, facility, buffer in
    guard Diagnostics.level >= .verbose else { return }
    let fac = facility.map { String(cString: $0) } ?? "?"
    let text = buffer.map { String(cString: $0) } ?? ""
    Diagnostics.verbose("librdkafka[\(level)] \(fac): \(text)")
}

extension ClientSettings {
    /// Builds librdkafka's conf; an unknown or invalid property is a configuration error (exit 78).
    func makeConfig() throws(ToolFailure) -> RDKafkaConfig {
        let config = RDKafkaConfig()
        do {
            try config.set("bootstrap.servers", brokers)
            for (key, value) in properties {
                try config.set(key, value)
            }
        } catch {
            throw ToolFailure(.configError, Diagnostics.redact(error.description))
        }
        return config
    }

    /// Checks every property against librdkafka without connecting.
    package func check() throws(ToolFailure) {
        _ = try makeConfig()
    }
}
