import Crdkafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaCore

/// Context reached from librdkafka's rebalance and error callbacks. Both run inside
/// `rd_kafka_consumer_poll` on the polling thread, never concurrently with the tool's own code, so the
/// plain mutable state is safe; `@unchecked Sendable` only lets the pointer pass through C.
final class ConsumerCallbackContext: @unchecked Sendable {
    var onRebalance: ((RebalanceEvent) -> Void)?
    var pendingErrors: [KafkaError] = []
    var assignmentErrors: [KafkaError] = []
    /// Start offsets the tool chose during the assignment callback (`startAssigned(at:)`), applied to the
    /// partitions before they are assigned.
    var assignOffsets: [TopicPartition: Int64] = [:]
    weak var consumer: KafkaConsumer?
    /// Offsets librdkafka's auto-commit had refused for their leader epochs, for the next poll to report.
    var epochRefusals: [TopicPartition] = []

    /// Keeps a failed (incremental) assign or unassign for the next poll to report.
    func assignment(_ err: rd_kafka_resp_err_t, _ what: String) {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        assignmentErrors.append(KafkaError(code: err, message: "cannot \(what) partitions: \(String(cString: rd_kafka_err2str(err)))"))
    }

    func assignment(_ error: OpaquePointer?, _ what: String) {
        guard let error else { return }
        let e = KafkaError(consuming: error)
        assignmentErrors.append(KafkaError(code: e.rdCode, message: "cannot \(what) partitions: \(e.message)", isFatal: e.isFatal))
    }
}

private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, opaque in
        guard let rk, let opaque else { return }
        let context = Unmanaged<ConsumerCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
        let list = partitions.map { RDKafkaTopicPartitionList(copying: $0).elements } ?? []
        // -X partition.assignment.strategy=cooperative-sticky needs the incremental calls.
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            context.onRebalance?(.assigned(list))
            if !context.assignOffsets.isEmpty, let partitions {
                for i in 0..<Int(partitions.pointee.cnt) {
                    let e = partitions.pointee.elems[i]
                    if let offset = context.assignOffsets[TopicPartition(topic: String(cString: e.topic), partition: e.partition)] {
                        partitions.pointee.elems[i].offset = offset
                    }
                }
                context.assignOffsets = [:]
            }
            if cooperative {
                context.assignment(rd_kafka_incremental_assign(rk, partitions), "assign")
            } else {
                context.assignment(rd_kafka_assign(rk, partitions), "assign")
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // The tool writes out and commits what it has before the partitions go to another member.
            context.onRebalance?(.revoked(list, lost: rd_kafka_assignment_lost(rk) != 0))
            if cooperative {
                context.assignment(rd_kafka_incremental_unassign(rk, partitions), "unassign")
            } else {
                context.assignment(rd_kafka_assign(rk, nil), "unassign")
            }
        default:
            // A rebalance error: librdkafka's documented answer is to drop the assignment.
            context.pendingErrors.append(KafkaError(code: err))
            context.assignment(rd_kafka_assign(rk, nil), "unassign")
        }
    }

/// librdkafka's auto-commit (kstream) reports here, inside a poll. Offsets it refused for the leader
/// epochs they carried are kept for the poll to report (`ConsumerEvent.commitRefusedForEpochs`); what
/// follows is the rule's (`LeaderEpochFallback`).
private let offsetCommitCallback:
    @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                    UnsafeMutableRawPointer?) -> Void = { rk, err, offsets, opaque in
        guard let opaque, let offsets else { return }
        let context = Unmanaged<ConsumerCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
        for i in 0..<Int(offsets.pointee.cnt) {
            let e = offsets.pointee.elems[i]
            if LeaderEpochs.isRefusal(e.err) || LeaderEpochs.isRefusal(err) {
                context.epochRefusals.append(TopicPartition(topic: String(cString: e.topic), partition: e.partition, offset: e.offset))
            }
        }
    }

private let errorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, err, reason, opaque in
        guard let opaque else { return }
        let context = Unmanaged<ConsumerCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
        let code = rd_kafka_resp_err_t(rawValue: err)
        let text = reason.map { String(cString: $0) }
        context.pendingErrors.append(KafkaError(code: code, message: text, isFatal: code == RD_KAFKA_RESP_ERR__FATAL))
    }

/// A group consumer. Offsets are stored by the tool only after a message's line has reached the output
/// (`enable.auto.offset.store=false`); commits are either explicit (`commit`) or librdkafka's auto-commit
/// of those stored offsets.
package final class KafkaConsumer {
    private let client: RDKafkaClient
    private let context: ConsumerCallbackContext
    private let commitQueue: RDKafkaQueue
    private var closed = false
    private var topics = TopicNames()
    private var refill: PrefetchWaker

    package init(settings: ClientSettings, onRebalance: @escaping (RebalanceEvent) -> Void) throws(ClientSetupError) {
        let config = try settings.makeConfig()
        context = ConsumerCallbackContext()
        refill = PrefetchWaker(settings: settings)
        context.onRebalance = onRebalance
        rd_kafka_conf_set_rebalance_cb(config.pointer, rebalanceCallback)
        rd_kafka_conf_set_error_cb(config.pointer, errorCallback)
        rd_kafka_conf_set_offset_commit_cb(config.pointer, offsetCommitCallback)
        rd_kafka_conf_set_opaque(config.pointer, Unmanaged.passUnretained(context).toOpaque())
        client = try RDKafkaClient(kind: .consumer, config: config)
        // Fails only without a group handler (no group.id), which the tools always configure.
        let forwarded = rd_kafka_poll_set_consumer(client.handle)
        guard forwarded == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .client("cannot poll the consumer queue: \(String(cString: rd_kafka_err2str(forwarded)))")
        }
        commitQueue = RDKafkaQueue(pointer: rd_kafka_queue_new(client.handle))
        context.consumer = self
    }

    deinit { close() }

    package func connect(topic: String, timeoutMs: Int32) -> Result<Int, KafkaError> {
        client.topicMetadata(topic, timeoutMs: timeoutMs)
    }

    package func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for t in topics { list.add(topic: t, partition: RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(client.handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
    }

    /// Reads `partitions` without a group: assigns them (each from its `offset`, which may be one of
    /// librdkafka's logical offsets) instead of subscribing. No rebalance callback follows.
    package func assign(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = self.list(partitions)
        let err = rd_kafka_assign(client.handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err, message: "cannot assign partitions: \(String(cString: rd_kafka_err2str(err)))") }
    }

    /// Inside the assignment callback only: where the partitions being assigned start (an offset, or one of
    /// librdkafka's logical offsets), instead of their committed offsets or auto.offset.reset.
    package func startAssigned(at offsets: [TopicPartition: Int64]) {
        context.assignOffsets = offsets
    }

    /// Polls once for up to `timeoutMs` and lends the result to `handler`. Errors raised by callbacks
    /// during the poll come out as `.error` events too. Returns false when nothing arrived.
    @discardableResult
    package func poll(timeoutMs: Int32, _ handler: (borrowing ConsumerEvent) throws -> Void) rethrows -> Bool {
        let raw = rd_kafka_consumer_poll(client.handle, timeoutMs)
        defer { if let raw { rd_kafka_message_destroy(raw) } }
        while !context.pendingErrors.isEmpty {
            try handler(.error(context.pendingErrors.removeFirst()))
        }
        while !context.assignmentErrors.isEmpty {
            try handler(.assignmentFailed(context.assignmentErrors.removeFirst()))
        }
        if !context.epochRefusals.isEmpty {
            let refused = context.epochRefusals
            context.epochRefusals = []
            try handler(.commitRefusedForEpochs(refused))
        }
        guard let raw else { return false }
        let err = raw.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            if refill.taken(bytes: raw.pointee.len + raw.pointee.key_len) { refill.wake(client.handle) }
            let (id, name) = topics.lookup(raw.pointee.rkt)
            try handler(.message(ConsumedMessage(message: raw, topic: name, topicID: id)))
        } else if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            let topic = raw.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            try handler(.partitionEnd(TopicPartition(topic: topic, partition: raw.pointee.partition, offset: raw.pointee.offset)))
        } else {
            var text: String? = nil
            if let p = raw.pointee.payload, raw.pointee.len > 0 {
                text = String(decoding: UnsafeRawBufferPointer(start: p, count: raw.pointee.len), as: UTF8.self)
            }
            try handler(.error(KafkaError(code: err, message: text.map { "\(String(cString: rd_kafka_err2str(err))): \($0)" })))
        }
        return true
    }

    /// Records `offset` (the next one to read) for each partition, to be committed.
    package func storeOffsets(_ offsets: [TopicPartition]) -> KafkaError? {
        guard !offsets.isEmpty else { return nil }
        let list = self.list(offsets)
        let err = rd_kafka_offsets_store(client.handle, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Per-partition errors (a partition no longer assigned) are expected during a rebalance.
            return KafkaError(code: err)
        }
        return nil
    }

    /// What a ListOffsets lookup asks for.
    package enum OffsetQuery: Sendable, Equatable {
        /// The high watermark (the offset the next message will get).
        case end
        /// The first offset still held.
        case beginning
        /// The first offset whose message's timestamp is at or after these epoch milliseconds.
        case time(Int64)
    }

    /// One ListOffsets lookup (`RDKafkaClient.offsetsForTimes`). Partitions the cluster gave an error
    /// for are left out; for a time, -1 means "no message at or after it". The whole lookup failing (no
    /// leader answered in time, ...) is the failure.
    package func offsets(_ partitions: [TopicPartition], at query: OffsetQuery, timeoutMs: Int32) -> Result<[TopicPartition: Int64], KafkaError> {
        let timestamp: Int64
        switch query {
        case .end: timestamp = Int64(RD_KAFKA_OFFSET_END)
        case .beginning: timestamp = Int64(RD_KAFKA_OFFSET_BEGINNING)
        case .time(let ms): timestamp = ms
        }
        return RDKafkaClient.offsetsForTimes(client.handle, partitions, timestamp: timestamp, timeoutMs: timeoutMs).map { answers in
            var result: [TopicPartition: Int64] = [:]
            for a in answers where a.error == nil {
                // The logical lookups never answer -1 for a partition that has an end; keep today's rule of
                // leaving such a partition out. A time lookup's -1 means "nothing at or after it".
                if a.offset < 0, query == .end || query == .beginning { continue }
                result[TopicPartition(topic: a.topic, partition: a.partition)] = a.offset
            }
            return result
        }
    }

    /// How far the partitions' positions are behind their ends, from what the fetches last reported
    /// (no request), summed over the partitions where both are known; nil when none is.
    package func lag(_ partitions: [TopicPartition]) -> Int64? {
        var total: Int64? = nil
        for tp in positions(partitions) where tp.offset >= 0 {
            var low: Int64 = 0
            var high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(client.handle, tp.topic, tp.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0
            else { continue }
            total = (total ?? 0) + max(0, high - tp.offset)
        }
        return total
    }

    /// Commits `offsets` (each the next offset to read), or every stored offset when nil, and waits for
    /// the broker's answer. Explicit offsets are committed whatever the current assignment, so lines
    /// written before a rebalance can still be committed after it.
    package func commitSync(_ offsets: [TopicPartition]? = nil) -> KafkaError? {
        if let offsets, offsets.isEmpty { return nil }
        let list = offsets.map(self.list)
        let err = withExtendedLifetime(list) { rd_kafka_commit(client.handle, list?.pointer, 0) }
        if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET { return nil }
        return KafkaError(code: err)
    }

    /// Starts committing `offsets` (or the stored ones); the result comes back from `pollCommitResult`.
    /// An error here means no commit was started (and no result will come).
    package func commitAsync(_ offsets: [TopicPartition]? = nil) -> KafkaError? {
        let list = offsets.map(self.list)
        let err = rd_kafka_commit_queue(client.handle, list?.pointer, commitQueue.pointer, nil, nil)
        withExtendedLifetime(list) {}
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: err)
    }

    /// Stops (`pause`) or restarts fetching `partitions` (--acks holding back). librdkafka drops what it
    /// had fetched for them and, on resume, fetches again from the last message handed out: nothing is
    /// skipped. A failure leaves fetching as it was (said at -v by the caller).
    package func pause(_ partitions: [TopicPartition], _ pause: Bool) -> KafkaError? {
        guard !partitions.isEmpty else { return nil }
        let list = self.list(partitions)
        let err = withExtendedLifetime(list) {
            pause ? rd_kafka_pause_partitions(client.handle, list.pointer) : rd_kafka_resume_partitions(client.handle, list.pointer)
        }
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: err)
    }

    /// `offsets` as a partition list, each with the leader epoch it carries (-1: none).
    private func list(_ offsets: [TopicPartition]) -> RDKafkaTopicPartitionList {
        let list = RDKafkaTopicPartitionList(capacity: offsets.count)
        for tp in offsets { list.add(tp) }
        return list
    }

    /// The result of an earlier `commitAsync`: nil while it is in flight, `.success` or `.failure` once done.
    package func pollCommitResult(timeoutMs: Int32 = 0) -> Result<Void, KafkaError>? {
        guard let ev = rd_kafka_queue_poll(commitQueue.pointer, timeoutMs) else { return nil }
        let event = RDKafkaEvent(pointer: ev)
        if let error = event.error, !error.isNoOffset { return .failure(error) }
        return .success(())
    }

    /// The committed offsets of the given partitions, from the group coordinator, or the reason it did
    /// not answer. A partition with no committed offset has a negative one; one answered with an error is
    /// left out.
    package func committedOffsets(_ partitions: [TopicPartition], timeoutMs: Int32) -> Result<[TopicPartition], KafkaError> {
        // A partition the coordinator answered with an error (offset INVALID as well) is left out: its
        // committed offset is unknown, which is not the same as none (the tools would place it by
        // auto.offset.reset).
        client.committed(partitions, timeoutMs: timeoutMs).map { answers in
            answers.filter { $0.error == nil }.map { TopicPartition(topic: $0.topic, partition: $0.partition, offset: $0.offset) }
        }
    }

    /// The position (next offset to fetch) of each partition; a partition without one has a negative
    /// offset. Empty when librdkafka refuses the call.
    func positions(_ partitions: [TopicPartition]) -> [TopicPartition] {
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        for tp in partitions { list.add(topic: tp.topic, partition: tp.partition) }
        // Per-partition problems come back in each element (offset INVALID); the call itself fails only
        // for arguments it cannot read, and then no element can be trusted.
        guard rd_kafka_position(client.handle, list.pointer) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        return list.elements
    }

    /// Leaves the group (committing stored offsets when auto-commit is on), then destroys the handle.
    package func close() { close(leavingTheGroup: true) }

    /// `leavingTheGroup: false` skips librdkafka's close (its final auto-commit and LeaveGroup, each of
    /// which waits for a coordinator): for a cluster that does not answer. The group then drops this
    /// member after session.timeout.ms; nothing more is committed.
    package func close(leavingTheGroup: Bool) {
        guard !closed else { return }
        closed = true
        if leavingTheGroup {
            // A failed close (the coordinator gone) leaves nothing to do: the tools have made their final
            // commit before this, and the group drops this member after session.timeout.ms.
            _ = rd_kafka_consumer_close(client.handle)
        }
        // Drain any commit results so the queue holds no event when it is destroyed.
        while let ev = rd_kafka_queue_poll(commitQueue.pointer, 0) { rd_kafka_event_destroy(ev) }
        withExtendedLifetime(commitQueue) {}
        if leavingTheGroup { client.destroy() } else { client.destroyWithoutConsumerClose() }
        withExtendedLifetime(context) {}
    }
}

/// The prefetch wake-up (`PrefetchRefill` in the core says whether and with what): counts the messages
/// taken and wakes the broker threads every `bytesPerWake` or `messagesPerWake`. Counted here, in the
/// poll's own module, because it runs per message.
struct PrefetchWaker {
    static let bytesPerWake = 1 << 20
    static let messagesPerWake = 5_000
    private var bytes = 0
    private var messages = 0
    /// nil: no wake-ups (librdkafka 2.2+, or no call that would leave the credentials as configured).
    private let credentials: (username: String, password: String)?

    init(settings: ClientSettings) {
        credentials = PrefetchRefill.wakeCredentials(settings, version22: Librdkafka.hasFetchQueueBackoff)
    }

    var wakes: Bool { credentials != nil }

    /// Counts one message taken; true when the broker threads are due a wake-up.
    mutating func taken(bytes n: Int) -> Bool {
        guard credentials != nil else { return false }
        bytes &+= n
        messages &+= 1
        guard bytes >= Self.bytesPerWake || messages >= Self.messagesPerWake else { return false }
        bytes = 0
        messages = 0
        return true
    }

    func wake(_ handle: OpaquePointer) {
        guard let credentials else { return }
        // The call can only fail for NULL arguments, which it is never given; the error object is freed.
        if let error = rd_kafka_sasl_set_credentials(handle, credentials.username, credentials.password) {
            rd_kafka_error_destroy(error)
        }
    }
}

extension KafkaError {
    /// The commit was refused for the leader epochs it carried (`LeaderEpochs.isRefusal`).
    package var isLeaderEpochRefusal: Bool { LeaderEpochs.isRefusal(rdCode) }

    /// The group is between generations (or has moved on without us): a commit is refused now but can
    /// be made once this member has rejoined.
    package var isGroupRebalance: Bool {
        rdCode == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || rdCode == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION
            || rdCode == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || rdCode == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST
            || rdCode == RD_KAFKA_RESP_ERR__STATE
    }
}
