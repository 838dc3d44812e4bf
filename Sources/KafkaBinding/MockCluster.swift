import Crdkafka
import KafkaCore

/// librdkafka's in-process mock cluster, reachable over TCP by any client. It needs a client handle of
/// its own to live on; that handle is destroyed after the cluster, or librdkafka asserts.
package final class MockCluster {
    private let client: RDKafkaClient
    private let cluster: OpaquePointer
    let brokerCount: Int
    private var destroyed = false

    package init(brokers: Int) throws(ClientSetupError) {
        let config = RDKafkaConfig()
        // The host handle is never used to produce; keep its logs quiet unless -v.
        try? config.set("log.connection.close", "false")
        client = try RDKafkaClient(kind: .producer, config: config)
        guard let mc = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            client.destroy()
            throw .mockCluster
        }
        cluster = mc
        brokerCount = brokers
    }

    deinit { destroy() }

    package func destroy() {
        guard !destroyed else { return }
        destroyed = true
        rd_kafka_mock_cluster_destroy(cluster)
        client.destroy()
    }

    /// "127.0.0.1:PORT,127.0.0.1:PORT,..."
    package var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    package func createTopic(_ name: String, partitions: Int32, replication: Int32 = 1) -> KafkaError? {
        check(rd_kafka_mock_topic_create(cluster, name, partitions, replication))
    }

    /// Makes Metadata answers for `topic` carry `code` (e.g. UNKNOWN_TOPIC_OR_PART, TOPIC_AUTHORIZATION_FAILED);
    /// code 0 clears it.
    package func setTopicError(_ topic: String, code: Int32) {
        rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(rawValue: code))
    }

    package func setBroker(_ id: Int32, up: Bool) -> KafkaError? {
        check(up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id))
    }

    package func setRoundTripTime(broker id: Int32, milliseconds: Int32) -> KafkaError? {
        check(rd_kafka_mock_broker_set_rtt(cluster, id, milliseconds))
    }

    /// Makes the next `count` requests of `apiKey` fail with `code`, whichever broker gets them.
    package func pushRequestErrors(apiKey: Int16, count: Int, code: Int32) {
        let errors = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: code), count: count)
        errors.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, count, $0.baseAddress)
        }
    }

    package func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    package func setCoordinator(group: String, broker id: Int32) -> KafkaError? {
        check(rd_kafka_mock_coordinator_set(cluster, "group", group, id))
    }

    package func setPartitionLeader(topic: String, partition: Int32, broker id: Int32) -> KafkaError? {
        check(rd_kafka_mock_partition_set_leader(cluster, topic, partition, id))
    }

    /// Error codes by name ("NOT_LEADER_FOR_PARTITION", "_TRANSPORT") or number.
    package static func errorCode(named name: String) -> Int32? {
        if let n = Int32(name) { return n }
        var descs: UnsafePointer<rd_kafka_err_desc>?
        var count = 0
        rd_kafka_get_err_descs(&descs, &count)
        guard let descs else { return nil }
        let wanted = name.uppercased()
        for i in 0..<count {
            guard let n = descs[i].name else { continue }
            let candidate = String(cString: n)
            if candidate == wanted || candidate == "ERR_" + wanted || candidate.dropFirst(4) == wanted[...] {
                return descs[i].code.rawValue
            }
        }
        return nil
    }

    /// Kafka API keys by name ("Produce", "Fetch", "OffsetCommit") or number.
    package static func apiKey(named name: String) -> Int16? {
        if let n = Int16(name) { return n }
        let keys: [String: Int16] = [
            "produce": 0, "fetch": 1, "listoffsets": 2, "metadata": 3, "offsetcommit": 8, "offsetfetch": 9,
            "findcoordinator": 10, "joingroup": 11, "heartbeat": 12, "leavegroup": 13, "syncgroup": 14,
            "apiversions": 18, "initproducerid": 22,
        ]
        return keys[name.lowercased()]
    }

    private func check(_ err: rd_kafka_resp_err_t) -> KafkaError? {
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: err)
    }
}
