import Crdkafka
import KafkaCore

/// Owns one `rd_kafka_t`. Producer and consumer wrap it; nothing else holds the raw handle.
///
/// `@unchecked Sendable` is not claimed: a client lives on the thread that made it. librdkafka's own
/// threads reach us only through the log callback, which touches nothing here.
final class RDKafkaClient {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let kind: Kind
    private var destroyed = false

    /// `rd_kafka_new` frees the conf only on success, so the conf object keeps it on failure.
    init(kind: Kind, config: RDKafkaConfig) throws(ClientSetupError) {
        rd_kafka_conf_set_log_cb(config.pointer, kafkaLogCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        if let conf = config.pointer { CyrusSASL.skipPluginsUnlessGSSAPI(conf) }
        guard let conf = config.pointer, let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            throw .client("cannot create client: \(errorBufferText(errstr))")
        }
        _ = config.release()
        self.handle = rk
        self.kind = kind
    }

    /// Destroys the handle once. Callers must have destroyed every message, queue and topic first.
    func destroy() {
        guard !destroyed else { return }
        destroyed = true
        rd_kafka_destroy(handle)
    }

    /// Destroys a consumer without `rd_kafka_consumer_close`'s final commit and LeaveGroup, which wait
    /// for a coordinator: for a cluster that does not answer.
    func destroyWithoutConsumerClose() {
        guard !destroyed else { return }
        destroyed = true
        rd_kafka_destroy_flags(handle, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)
    }

    deinit { destroy() }

    /// Asks for metadata of `topic` (or of the cluster) so a tool learns within `timeoutMs` whether any
    /// broker answers, and how many partitions the topic has.
    func topicMetadata(_ topic: String?, timeoutMs: Int32) -> Result<Int, KafkaError> {
        topicLayout(topic, timeoutMs: timeoutMs).map(\.partitions)
    }

    /// `topicMetadata`, with the partitions whose leader is the broker that answered.
    func topicLayout(_ topic: String?, timeoutMs: Int32) -> Result<TopicLayout, KafkaError> {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        var rkt: OpaquePointer?
        if let topic {
            // A NULL handle (a name librdkafka refuses) would make rd_kafka_metadata ask about every topic,
            // and the first one's partition count would pass for this one's.
            guard let made = rd_kafka_topic_new(handle, topic, nil) else {
                return .failure(KafkaError(code: rd_kafka_last_error(), message: "topic \"\(topic)\" refused by librdkafka: "
                    + String(cString: rd_kafka_err2str(rd_kafka_last_error()))))
            }
            rkt = made
        }
        defer { if let rkt { rd_kafka_topic_destroy(rkt) } }
        let err = rd_kafka_metadata(handle, 0, rkt, &metadata, Int32(timeoutMs))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md = metadata else {
            return .failure(KafkaError(code: err))
        }
        defer { rd_kafka_metadata_destroy(md) }
        guard let topic else { return .success(TopicLayout(partitions: 0, ledByAnswering: [], answeredByBootstrap: md.pointee.orig_broker_id < 0)) }
        // Only the entry for the topic asked about counts.
        for i in 0..<Int(md.pointee.topic_cnt) {
            let t = md.pointee.topics[i]
            guard let name = t.topic, String(cString: name) == topic else { continue }
            if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(KafkaError(code: t.err)) }
            // -1: a bootstrap connection answered (librdkafka 2.10+), which leads nothing.
            let answering = md.pointee.orig_broker_id
            var led: [Int32] = []
            if answering >= 0, let partitions = t.partitions {
                for p in 0..<Int(t.partition_cnt) where partitions[p].leader == answering {
                    led.append(partitions[p].id)
                }
            }
            return .success(TopicLayout(partitions: Int(t.partition_cnt), ledByAnswering: led, answeredByBootstrap: answering < 0))
        }
        return .failure(KafkaError(code: RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC))
    }

    /// Makes librdkafka connect to the leader of `partition` now, without waiting: a request queued for a
    /// broker that is not connected opens its connection at once, whereas librdkafka's own choice of a
    /// broker to connect to ("connect any") is held back for max(11, reconnect.backoff.ms / 2) ms after
    /// the previous one. The request is the watermark query (ListOffsets: Describe on the topic, which
    /// Write implies); it is given no time, so this returns at once and its answer is dropped. Needs the
    /// topic's leaders in librdkafka's cache (after a Metadata answer); otherwise it does nothing.
    func connectToLeader(topic: String, partition: Int32) {
        var low: Int64 = 0
        var high: Int64 = 0
        _ = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, 0)
    }

    /// The group's committed offsets for `partitions` (OffsetFetch to the coordinator of the handle's
    /// group.id), each with the error the coordinator gave for it, if any; `OffsetAnswer.invalidOffset`
    /// where the group has committed nothing. The failure: the call itself (no coordinator in time, ...).
    func committed(_ partitions: [TopicPartition], timeoutMs: Int32) -> Result<[OffsetAnswer], KafkaError> {
        guard !partitions.isEmpty else { return .success([]) }
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(topic: tp.topic, partition: tp.partition) }
        let err = rd_kafka_committed(handle, list.pointer, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(code: err)) }
        return .success(OffsetAnswer.answers(list))
    }

    /// ListOffsets (`rd_kafka_offsets_for_times`) on `handle`: for each of `partitions`, the first offset
    /// whose message's timestamp is at or after `timestamp` (epoch ms; -1 where there is none), or for the
    /// logical timestamps `RD_KAFKA_OFFSET_BEGINNING`/`END` the first offset held / the next to be written.
    /// Each answer carries its own error; the failure is the call's (no leader answered in time, ...).
    /// Batched per leader by librdkafka (`rd_kafka_query_watermark_offsets` costs two round trips per
    /// partition). The one wrapper of the call: the consumer's lookups and kmeta's use it. Static, so a
    /// lookup thread can make it with the handle alone (librdkafka's handle is thread-safe).
    static func offsetsForTimes(_ handle: OpaquePointer, _ partitions: [TopicPartition], timestamp: Int64, timeoutMs: Int32)
        -> Result<[OffsetAnswer], KafkaError>
    {
        guard !partitions.isEmpty else { return .success([]) }
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(topic: tp.topic, partition: tp.partition, offset: timestamp) }
        let err = rd_kafka_offsets_for_times(handle, list.pointer, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(code: err)) }
        return .success(OffsetAnswer.answers(list))
    }

    /// A fatal error (idempotent producer), if one has been raised.
    func fatalError() -> KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: err, message: errorBufferText(errstr), isFatal: true)
    }
}

/// Owns an `rd_kafka_queue_t`.
final class RDKafkaQueue {
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { rd_kafka_queue_destroy(pointer) }
}

/// Owns one event polled from a queue; destroyed when this goes away.
struct RDKafkaEvent: ~Copyable {
    let pointer: OpaquePointer
    deinit { rd_kafka_event_destroy(pointer) }

    var type: Int32 { rd_kafka_event_type(pointer) }

    var error: KafkaError? {
        let err = rd_kafka_event_error(pointer)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let text = rd_kafka_event_error_string(pointer).map { String(cString: $0) }
        return KafkaError(code: err, message: text, isFatal: rd_kafka_event_error_is_fatal(pointer) != 0)
    }
}

/// Owns an `rd_kafka_topic_partition_list_t`.
final class RDKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int = 1) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(capacity, 1)))
    }

    /// Copies a list librdkafka owns (e.g. the one passed to the rebalance callback).
    init(copying other: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        pointer = rd_kafka_topic_partition_list_copy(other)
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    func add(topic: String, partition: Int32, offset: Int64 = Int64(RD_KAFKA_OFFSET_INVALID), leaderEpoch: Int32 = -1) {
        guard let tp = rd_kafka_topic_partition_list_add(pointer, topic, partition) else { return }
        tp.pointee.offset = offset
        LeaderEpochs.set(leaderEpoch, on: tp)
    }

    func add(_ tp: TopicPartition) { add(topic: tp.topic, partition: tp.partition, offset: tp.offset, leaderEpoch: tp.leaderEpoch) }

    var elements: [TopicPartition] {
        let list = pointer.pointee
        return (0..<Int(list.cnt)).map { i in
            let e = list.elems.advanced(by: i)
            return TopicPartition(topic: String(cString: e.pointee.topic), partition: e.pointee.partition, offset: e.pointee.offset,
                                  leaderEpoch: LeaderEpochs.get(e))
        }
    }
}

/// A topic as one Metadata answer saw it.
package struct TopicLayout: Sendable {
    /// The partition count.
    package var partitions: Int
    /// The partitions led by the broker that answered: the client is connected to it, so a message for
    /// one of them goes without opening another connection first.
    package var ledByAnswering: [Int32]
    /// A bootstrap connection answered (librdkafka 2.10+ then closes it): it leads nothing.
    package var answeredByBootstrap = false
}
