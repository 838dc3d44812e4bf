import Crdkafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaCore

// What kmeta asks a cluster: brokers, topics and partitions, watermarks, offsets by time, a group's
// committed offsets, and the groups themselves. Every answer is copied into plain Swift values before
// librdkafka's memory is freed; no pointer leaves this file.

/// A broker as the cluster's metadata names it.
package struct BrokerInfo: Sendable, Equatable {
    package var id: Int32
    package var host: String
    package var port: Int32
}

/// One partition of a topic: its leader (-1 when it has none), replicas and in-sync replicas.
package struct PartitionInfo: Sendable {
    package var partition: Int32
    package var leader: Int32
    package var replicas: [Int32]
    package var isr: [Int32]
    /// What the cluster said about this partition (e.g. LEADER_NOT_AVAILABLE), nil when all is well.
    package var error: KafkaError?
}

/// One topic of the cluster's metadata.
package struct TopicInfo: Sendable {
    package var name: String
    /// By partition number.
    package var partitions: [PartitionInfo]
    /// What the cluster said about this topic (e.g. TOPIC_AUTHORIZATION_FAILED), nil when all is well.
    package var error: KafkaError?
}

/// The cluster as one Metadata answer describes it.
package struct ClusterInfo: Sendable {
    package var brokers: [BrokerInfo]
    /// By name.
    package var topics: [TopicInfo]
    /// The controller's broker id, nil when the cluster did not say.
    package var controller: Int32?

    package func topic(_ name: String) -> TopicInfo? { topics.first { $0.name == name } }
}

/// One partition's answer to an offset question (watermark, lookup by time, committed offset).
package struct OffsetAnswer: Sendable {
    package var topic: String
    package var partition: Int32
    /// The offset the cluster answered: -1 for "none" in a lookup by time, -1001 (`invalidOffset`) for
    /// "nothing committed".
    package var offset: Int64
    package var error: KafkaError?

    static let invalidOffset = Int64(RD_KAFKA_OFFSET_INVALID)

    /// Each element of a list librdkafka answered in place, with its own error.
    static func answers(_ list: RDKafkaTopicPartitionList) -> [OffsetAnswer] {
        let l = list.pointer.pointee
        return (0..<Int(l.cnt)).map { i in
            let e = l.elems[i]
            return OffsetAnswer(
                topic: String(cString: e.topic), partition: e.partition, offset: e.offset,
                error: e.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: e.err))
        }
    }
}

/// A consumer group as ListGroups and DescribeGroups describe it.
package struct GroupInfo: Sendable {
    package var group: String
    package var state: String
    package var protocolType: String
    package var protocolName: String
    /// The broker that answered for the group (its coordinator).
    package var broker: BrokerInfo
    package var members: [GroupMember]
    package var error: KafkaError?
}

package struct GroupMember: Sendable {
    package var memberID: String
    package var clientID: String
    package var clientHost: String
    /// The partitions assigned to this member, when the group uses the consumer protocol and the
    /// assignment could be read; nil otherwise.
    package var assignment: [TopicPartition]?
}

/// A read-only client for the cluster's state: a consumer handle that never subscribes, so it never
/// joins a group, commits nothing and creates no topic (metadata is always asked for all topics, since
/// a Metadata request naming a topic can make a broker, or librdkafka's mock, create it).
package final class ClusterMetadata {
    private let client: RDKafkaClient

    /// `group`: the group.id whose committed offsets `committed` reads (OffsetFetch needs it).
    package init(settings: ClientSettings, group: String? = nil) throws(ClientSetupError) {
        var settings = settings
        if let group { settings.set("group.id", group) }
        // Nothing is ever consumed; these only make sure nothing could be committed by accident.
        settings.set("enable.auto.commit", "false")
        settings.set("enable.auto.offset.store", "false")
        client = try RDKafkaClient(kind: .consumer, config: try settings.makeConfig())
    }

    deinit { close() }

    private var closed = false

    package func close() {
        guard !closed else { return }
        closed = true
        // Never subscribed, so this leaves no group; it only stops the group handler cleanly.
        _ = rd_kafka_consumer_close(client.handle)
        client.destroy()
    }

    /// All brokers and all topics, in one Metadata request, within `timeoutMs`.
    package func cluster(timeoutMs: Int32) -> Result<ClusterInfo, KafkaError> {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(client.handle, 1, nil, &metadata, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md = metadata else { return .failure(KafkaError(code: err)) }
        defer { rd_kafka_metadata_destroy(md) }
        let m = md.pointee
        var brokers: [BrokerInfo] = []
        for i in 0..<Int(m.broker_cnt) {
            let b = m.brokers[i]
            brokers.append(BrokerInfo(id: b.id, host: b.host.map { String(cString: $0) } ?? "", port: b.port))
        }
        var topics: [TopicInfo] = []
        for i in 0..<Int(m.topic_cnt) {
            let t = m.topics[i]
            var partitions: [PartitionInfo] = []
            for j in 0..<Int(t.partition_cnt) {
                let p = t.partitions[j]
                partitions.append(PartitionInfo(
                    partition: p.id, leader: p.leader,
                    replicas: (0..<Int(p.replica_cnt)).map { p.replicas[$0] },
                    isr: (0..<Int(p.isr_cnt)).map { p.isrs[$0] },
                    error: p.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: p.err)))
            }
            partitions.sort { $0.partition < $1.partition }
            topics.append(TopicInfo(
                name: t.topic.map { String(cString: $0) } ?? "", partitions: partitions,
                error: t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: t.err)))
        }
        topics.sort { $0.name < $1.name }
        brokers.sort { $0.id < $1.id }
        // The Metadata answer just received carried the controller id; this reads librdkafka's copy of
        // it without waiting (-1 when the cluster named none).
        let controller = rd_kafka_controllerid(client.handle, 0)
        return .success(ClusterInfo(brokers: brokers, topics: topics, controller: controller >= 0 ? controller : nil))
    }

    /// The first offset each partition still holds (`low`) and the offset its next message will get
    /// (`high`). `groups` are the partitions by leader: each group is asked of its leader (ListOffsets)
    /// at the same time as the others, so a leader that does not answer costs at most `timeoutMs` and
    /// only its own partitions (they come back with an error and no offset).
    package func watermarks(byLeader groups: [[TopicPartition]], timeoutMs: Int32) -> (low: [OffsetAnswer], high: [OffsetAnswer]) {
        let answers = lookup(groups.map { ($0, Int64(RD_KAFKA_OFFSET_BEGINNING)) } + groups.map { ($0, Int64(RD_KAFKA_OFFSET_END)) },
                             timeoutMs: timeoutMs)
        return (Array(answers[..<groups.count].joined()), Array(answers[groups.count...].joined()))
    }

    /// The earliest offset whose timestamp is at or after `timestampMs`, per partition (ListOffsets by
    /// time), asked of the leaders (`groups`, as for `watermarks`) at once; -1 where the cluster found none.
    package func offsets(byLeader groups: [[TopicPartition]], atTime timestampMs: Int64, timeoutMs: Int32) -> [OffsetAnswer] {
        Array(lookup(groups.map { ($0, timestampMs) }, timeoutMs: timeoutMs).joined())
    }

    /// One `RDKafkaClient.offsetsForTimes` per job, each on a thread of its own, all within `timeoutMs`
    /// (the logical timestamps -2/-1 ask for the earliest/latest offsets). A job that fails gives each
    /// of its partitions the error.
    private func lookup(_ jobs: [(partitions: [TopicPartition], timestamp: Int64)], timeoutMs: Int32) -> [[OffsetAnswer]] {
        let work = jobs.map { LookupJob(handle: client.handle, partitions: $0.partitions, timestamp: $0.timestamp, timeoutMs: timeoutMs) }
        // Plain pthreads (no Foundation in the binding): one per job, joined before the answers are read.
        var threads: [pthread_t] = []
        for job in work where !job.partitions.isEmpty {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            let started = pthread_create(&thread, nil, { context in
                Unmanaged<LookupJob>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
            if started == 0 {
                threads.append(thread)
            } else {
                Unmanaged<LookupJob>.fromOpaque(context).release()
                job.run()  // no thread to be had: ask in turn
            }
        }
        for thread in threads { pthread_join(thread, nil) }
        return work.map { job in
            switch job.result {
            case .success(let answers): return answers
            case .failure(let error):
                return job.partitions.map { OffsetAnswer(topic: $0.topic, partition: $0.partition, offset: OffsetAnswer.invalidOffset, error: error) }
            }
        }
    }

    /// The group's committed offsets for `partitions` (OffsetFetch to its coordinator). The handle's
    /// group.id is the group; it is not joined. `invalidOffset` where the group has committed nothing.
    package func committed(_ partitions: [TopicPartition], timeoutMs: Int32) -> Result<[OffsetAnswer], KafkaError> {
        client.committed(partitions, timeoutMs: timeoutMs)
    }

    /// The groups the brokers know (ListGroups to every broker, then DescribeGroups for each group), or
    /// just `group`. A broker that does not support these requests makes this fail (see
    /// `KafkaError.isUnsupported`); librdkafka's mock cluster is one.
    package func groups(_ group: String? = nil, timeoutMs: Int32) -> Result<[GroupInfo], KafkaError> {
        var list: UnsafePointer<rd_kafka_group_list>?
        let err = rd_kafka_list_groups(client.handle, group, &list, timeoutMs)
        // On some errors librdkafka still hands over a (partial) list: it is ours to free either way.
        defer { if let list { rd_kafka_group_list_destroy(list) } }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let l = list else { return .failure(KafkaError(code: err)) }
        var result: [GroupInfo] = []
        for i in 0..<Int(l.pointee.group_cnt) {
            let g = l.pointee.groups[i]
            func text(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
            let protocolType = text(g.protocol_type)
            var members: [GroupMember] = []
            for j in 0..<Int(g.member_cnt) {
                let m = g.members[j]
                var assignment: [TopicPartition]? = nil
                if protocolType == "consumer", let bytes = m.member_assignment, m.member_assignment_size > 0 {
                    assignment = ConsumerAssignment.decode(
                        UnsafeRawBufferPointer(start: bytes, count: Int(m.member_assignment_size)))
                }
                members.append(GroupMember(
                    memberID: text(m.member_id), clientID: text(m.client_id), clientHost: text(m.client_host),
                    assignment: assignment))
            }
            result.append(GroupInfo(
                group: text(g.group), state: text(g.state), protocolType: protocolType, protocolName: text(g.protocol),
                broker: BrokerInfo(id: g.broker.id, host: text(g.broker.host), port: g.broker.port),
                members: members,
                error: g.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: g.err)))
        }
        result.sort { $0.group < $1.group }
        return .success(result)
    }
}

/// The consumer protocol's member assignment (Kafka's ConsumerProtocolAssignment): int16 version,
/// then an array of (string topic, array of int32 partitions), then user data, all big-endian.
enum ConsumerAssignment {
    /// The partitions, or nil when the bytes are not a well-formed assignment.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> [TopicPartition]? {
        var r = Reader(bytes: bytes)
        guard r.int16() != nil, let topicCount = r.int32(), topicCount >= 0 else { return nil }
        var result: [TopicPartition] = []
        for _ in 0..<topicCount {
            guard let nameLength = r.int16(), nameLength >= 0, let name = r.bytes(Int(nameLength)),
                let partitionCount = r.int32(), partitionCount >= 0
            else { return nil }
            let topic = String(decoding: name, as: UTF8.self)
            for _ in 0..<partitionCount {
                guard let p = r.int32() else { return nil }
                result.append(TopicPartition(topic: topic, partition: p))
            }
        }
        return result
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0
        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard n >= 0, at + n <= bytes.count else { return nil }
            defer { at += n }
            return Array(bytes[at..<at + n])
        }
        mutating func int16() -> Int16? {
            bytes(2).map { Int16(bitPattern: UInt16($0[0]) << 8 | UInt16($0[1])) }
        }
        mutating func int32() -> Int32? {
            bytes(4).map { b in Int32(bitPattern: b.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        }
    }
}

extension KafkaError {
    /// What a partition without a leader is answered with.
    package static var leaderNotAvailable: KafkaError { KafkaError(code: RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) }
}

/// One offsets_for_times call, run on its own thread. librdkafka's handle is thread-safe; the job is
/// touched by that thread only until `run` returns, and the caller joins the thread before reading it.
private final class LookupJob {
    let handle: OpaquePointer
    let partitions: [TopicPartition]
    let timestamp: Int64
    let timeoutMs: Int32
    var result: Result<[OffsetAnswer], KafkaError> = .success([])

    init(handle: OpaquePointer, partitions: [TopicPartition], timestamp: Int64, timeoutMs: Int32) {
        self.handle = handle
        self.partitions = partitions
        self.timestamp = timestamp
        self.timeoutMs = timeoutMs
    }

    func run() {
        result = RDKafkaClient.offsetsForTimes(handle, partitions, timestamp: timestamp, timeoutMs: timeoutMs)
    }
}
