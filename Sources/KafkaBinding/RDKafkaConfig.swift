import Crdkafka
import KafkaCore

/// Why a librdkafka client (or the mock cluster) could not be made. The binding says what went wrong;
/// the tools decide what it means (exit 78 or 69, RunTool.swift).
package enum ClientSetupError: Error, CustomStringConvertible, Sendable {
    /// A property librdkafka does not know or refused; its text may quote the value, a secret's too.
    case property(PropertyError)
    /// `rd_kafka_new` or a part of the client failed; the text says which, with librdkafka's reason.
    case client(String)
    /// `rd_kafka_mock_cluster_new` gave no cluster.
    case mockCluster

    package var description: String {
        switch self {
        case .property(let error): return error.description
        case .client(let text): return text
        case .mockCluster: return "cannot start the mock cluster"
        }
    }
}

/// The outcome of setting one property: librdkafka knows it or not, accepts its value or not.
package enum PropertyError: Error, CustomStringConvertible, Sendable {
    case unknown(key: String)
    case invalid(key: String, reason: String)

    package var description: String {
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
            // librdkafka's text quotes the value; the tools scrub secrets (Diagnostics.redact) before printing.
            throw .invalid(key: key, reason: errorBufferText(errstr))
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
    /// Builds librdkafka's conf; throws for the first property librdkafka does not know or refuses.
    func makeConfig() throws(ClientSetupError) -> RDKafkaConfig {
        let config = RDKafkaConfig()
        do {
            try config.set("bootstrap.servers", brokers)
            for (key, value) in properties {
                try config.set(key, value)
            }
        } catch {
            throw .property(error)
        }
        return config
    }

    /// Checks every property against librdkafka without connecting.
    package func check() throws(ClientSetupError) {
        _ = try makeConfig()
    }
}

