import Crdkafka
import KafkaCore

/// One error type for everything librdkafka reports: its code, its text, and whether it is worth retrying.
package struct KafkaError: Error, CustomStringConvertible, Sendable {
    package var code: Int32
    package var message: String
    package var isFatal: Bool
    var isRetriable: Bool

    init(code: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false, isRetriable: Bool = false) {
        self.code = code.rawValue
        self.message = message ?? String(cString: rd_kafka_err2str(code))
        self.isFatal = isFatal
        self.isRetriable = isRetriable
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        self.code = rd_kafka_error_code(error).rawValue
        self.message = String(cString: rd_kafka_error_string(error))
        self.isFatal = rd_kafka_error_is_fatal(error) != 0
        self.isRetriable = rd_kafka_error_is_retriable(error) != 0
        rd_kafka_error_destroy(error)
    }

    package var description: String { message }

    var rdCode: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: code) }

    /// Name of the code, e.g. "_TIMED_OUT" or "UNKNOWN_TOPIC_OR_PART".
    package var name: String { String(cString: rd_kafka_err2name(rdCode)) }

    package var isQueueFull: Bool { rdCode == RD_KAFKA_RESP_ERR__QUEUE_FULL }
    package var isTimeout: Bool { rdCode == RD_KAFKA_RESP_ERR__TIMED_OUT || rdCode == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT }
    package var isUnknownTopic: Bool {
        rdCode == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || rdCode == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
    }
    package var isTransport: Bool {
        rdCode == RD_KAFKA_RESP_ERR__TRANSPORT || rdCode == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
            || rdCode == RD_KAFKA_RESP_ERR__RESOLVE
    }
    /// librdkafka has lost every broker of the bootstrap list and the metadata.
    package var isAllBrokersDown: Bool { rdCode == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN }
    package var isAuthorization: Bool {
        rdCode == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
            || rdCode == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED
            || rdCode == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED
            || rdCode == RD_KAFKA_RESP_ERR__AUTHENTICATION
            || rdCode == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED
    }
    var isNoOffset: Bool { rdCode == RD_KAFKA_RESP_ERR__NO_OFFSET }

    /// A bad argument, TLS setup or a feature this librdkafka lacks: the configuration is at fault.
    package var isConfigurationProblem: Bool {
        rdCode == RD_KAFKA_RESP_ERR__INVALID_ARG || rdCode == RD_KAFKA_RESP_ERR__SSL
            || rdCode == RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED
    }

    /// The broker does not support the request (librdkafka knows it from ApiVersions, or the broker
    /// closed the connection on it).
    package var isUnsupported: Bool {
        rdCode == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || rdCode == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION
            || rdCode == RD_KAFKA_RESP_ERR_INVALID_REQUEST
    }

    /// The facts the tools' rules decide on (`ErrorMap`): the class of the code, fatal, retriable, text.
    package var facts: ErrorFacts {
        ErrorFacts(kind, isFatal: isFatal, isRetriable: isRetriable, text: message, name: name)
    }

    private var kind: ErrorFacts.Kind {
        if isAllBrokersDown { return .allBrokersDown }
        if isTransport { return .transport }
        if isTimeout { return .timeout }
        if isUnknownTopic { return .unknownTopic }
        if isAuthorization { return .authorization }
        if isConfigurationProblem { return .configuration }
        if isUnsupported { return .unsupported }
        return .other
    }
}
