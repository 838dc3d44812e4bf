import Crdkafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaCore

/// One consumed message, lent to a handler; its memory belongs to librdkafka and is destroyed by the
/// binding as soon as the handler returns. It is `~Copyable` and handed out only `borrowing`, so the
/// compiler refuses to copy, store or return it or to capture it in an escaping closure (BorrowedMessageTests):
/// no message outlives `KafkaConsumer.poll`. Its bytes are lent only for the duration of a closure (`withKey`, `withValue`,
/// `forEachHeader`); whatever must outlive the call is copied there.
package struct ConsumedMessage: ~Copyable {
    private let message: UnsafeMutablePointer<rd_kafka_message_t>
    /// The topic's name, kept by the consumer per topic (not rebuilt per message).
    package let topic: String
    /// A small integer standing for `topic` in this consumer (0, 1, 2, … in order of first message), for
    /// per-partition bookkeeping without hashing the name per message.
    package let topicID: Int

    fileprivate init(message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String, topicID: Int) {
        self.message = message
        self.topic = topic
        self.topicID = topicID
    }

    package var partition: Int32 { message.pointee.partition }
    package var offset: Int64 { message.pointee.offset }
    /// The epoch of the leader that wrote it (KIP-320), -1 when unknown or before librdkafka 2.1.
    package var leaderEpoch: Int32 { LeaderEpochs.of(message) }
    /// Milliseconds since the epoch, nil when the broker gave none.
    package var timestamp: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0 ? nil : ts
    }

    /// Lends the key's bytes (nil: no key) for the duration of `body`; they must not be kept past it.
    package func withKey<R, E: Error>(_ body: (UnsafeRawBufferPointer?) throws(E) -> R) throws(E) -> R {
        guard let k = message.pointee.key else { return try body(nil) }
        return try body(UnsafeRawBufferPointer(start: k, count: message.pointee.key_len))
    }

    /// Lends the value's bytes (nil: a tombstone) for the duration of `body`; they must not be kept past it.
    package func withValue<R, E: Error>(_ body: (UnsafeRawBufferPointer?) throws(E) -> R) throws(E) -> R {
        guard let p = message.pointee.payload else { return try body(nil) }
        return try body(UnsafeRawBufferPointer(start: p, count: message.pointee.len))
    }

    /// Calls `body` with each header in order, duplicates kept (a nil value is a null header); the value's
    /// bytes are lent for that call only.
    package func forEachHeader<E: Error>(_ body: (_ name: String, _ value: UnsafeRawBufferPointer?) throws(E) -> Void) throws(E) {
        var hdrs: OpaquePointer?
        guard rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return }
        var i = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            try body(name.map { String(cString: $0) } ?? "", value.map { UnsafeRawBufferPointer(start: $0, count: size) })
            i += 1
        }
    }

    package var hasHeaders: Bool {
        var hdrs: OpaquePointer?
        return rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nil
            && rd_kafka_header_cnt(hdrs) > 0
    }
}

/// What one poll of the consumer produced, lent to the handler (`~Copyable`, as the message it may carry).
package enum ConsumerEvent: ~Copyable {
    case message(ConsumedMessage)
    /// The partition has been read to its current end (`enable.partition.eof`).
    case partitionEnd(TopicPartition)
    case error(KafkaError)
    /// librdkafka refused to apply an assignment or a revocation (`rd_kafka_assign` and friends).
    case assignmentFailed(KafkaError)
}

/// A rebalance, told to the tool before librdkafka applies it, so output can be flushed and committed
/// before partitions are given up.
package enum RebalanceEvent {
    case assigned([TopicPartition])
    /// `lost`: the group already gave these partitions to another member (session timed out), so a
    /// commit for them will be refused; the lines written stay written and come again elsewhere.
    case revoked([TopicPartition], lost: Bool)
}

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
    /// The cluster refused a commit for its leader epochs (see `LeaderEpochs.isRefusal`): from then on
    /// commits and stores carry none.
    var epochsRefused = false

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

/// librdkafka's auto-commit (kstream) reports here, inside a poll. A commit refused for the leader epochs
/// it carried makes every later commit and store go without them, and stores the refused offsets again
/// without, so the next auto-commit (or the one on close) carries what was written.
private let offsetCommitCallback:
    @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                    UnsafeMutableRawPointer?) -> Void = { rk, err, offsets, opaque in
        guard let rk, let opaque, let offsets else { return }
        let context = Unmanaged<ConsumerCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
        var refused: [TopicPartition] = []
        for i in 0..<Int(offsets.pointee.cnt) {
            let e = offsets.pointee.elems[i]
            if LeaderEpochs.isRefusal(e.err) || LeaderEpochs.isRefusal(err), e.offset >= 0 {
                refused.append(TopicPartition(topic: String(cString: e.topic), partition: e.partition, offset: e.offset))
            }
        }
        guard !refused.isEmpty else { return }
        context.epochsRefused = true
        let list = RDKafkaTopicPartitionList(capacity: refused.count)
        for tp in refused { list.add(tp) }
        // A partition no longer assigned cannot be stored (its error stays in the list); nothing else can fail.
        _ = rd_kafka_offsets_store(rk, list.pointer)
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
    private var refill: PrefetchRefill

    package init(settings: ClientSettings, onRebalance: @escaping (RebalanceEvent) -> Void) throws(ClientSetupError) {
        let config = try settings.makeConfig()
        context = ConsumerCallbackContext()
        refill = PrefetchRefill(settings: settings)
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

    /// One ListOffsets lookup (`rd_kafka_offsets_for_times`, batched per leader, where
    /// `rd_kafka_query_watermark_offsets` costs two round trips per partition). Partitions the cluster
    /// gave an error for are left out; an offset of -1 means "none" (for a time: no message at or after it).
    /// The whole lookup failing (no leader answered in time, ...) is the failure.
    package func offsets(_ partitions: [TopicPartition], at query: OffsetQuery, timeoutMs: Int32) -> Result<[TopicPartition: Int64], KafkaError> {
        guard !partitions.isEmpty else { return .success([:]) }
        let list = RDKafkaTopicPartitionList(capacity: partitions.count)
        let value: Int64
        switch query {
        case .end: value = Int64(RD_KAFKA_OFFSET_END)
        case .beginning: value = Int64(RD_KAFKA_OFFSET_BEGINNING)
        case .time(let ms): value = ms
        }
        for tp in partitions { list.add(topic: tp.topic, partition: tp.partition, offset: value) }
        let err = rd_kafka_offsets_for_times(client.handle, list.pointer, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(code: err)) }
        var result: [TopicPartition: Int64] = [:]
        for i in 0..<Int(list.pointer.pointee.cnt) {
            let e = list.pointer.pointee.elems[i]
            guard e.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            // The logical lookups never answer -1 for a partition that has an end; keep today's rule of
            // leaving such a partition out. A time lookup's -1 means "nothing at or after it".
            if e.offset < 0, query == .end || query == .beginning { continue }
            result[TopicPartition(topic: String(cString: e.topic), partition: e.partition)] = e.offset
        }
        return .success(result)
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
        func commit() -> rd_kafka_resp_err_t {
            let list = offsets.map(self.list)
            return withExtendedLifetime(list) { rd_kafka_commit(client.handle, list?.pointer, 0) }
        }
        var err = commit()
        if LeaderEpochs.isRefusal(err), !context.epochsRefused {
            context.epochsRefused = true
            err = commit()
        }
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

    /// `offsets` as a partition list, with their leader epochs unless the cluster refused them.
    private func list(_ offsets: [TopicPartition]) -> RDKafkaTopicPartitionList {
        let list = RDKafkaTopicPartitionList(capacity: offsets.count)
        for tp in offsets {
            list.add(topic: tp.topic, partition: tp.partition, offset: tp.offset, leaderEpoch: context.epochsRefused ? -1 : tp.leaderEpoch)
        }
        return list
    }

    /// The result of an earlier `commitAsync`: nil while it is in flight, `.success` or `.failure` once done.
    package func pollCommitResult(timeoutMs: Int32 = 0) -> Result<Void, KafkaError>? {
        guard let ev = rd_kafka_queue_poll(commitQueue.pointer, timeoutMs) else { return nil }
        let event = RDKafkaEvent(pointer: ev)
        if let error = event.error, !error.isNoOffset {
            // The tracker retries the offsets it still holds; the retry goes without epochs.
            if LeaderEpochs.isRefusal(error.rdCode) { context.epochsRefused = true }
            return .failure(error)
        }
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
/// From 2.2.0 (`Librdkafka.hasFetchQueueBackoff`) a full queue backs the partition off for
/// `fetch.queue.backoff.ms`, which no wake-up shortens: there the tools set that property instead
/// (ConsumeSession) and this wakes nothing.
struct PrefetchRefill {
    static let bytesPerWake = 1 << 20
    static let messagesPerWake = 5_000
    private var bytes = 0
    private var messages = 0
    /// nil: no wake-ups (librdkafka 2.2+, or no call that would leave the credentials as configured).
    private let credentials: (username: String, password: String)?

    init(settings: ClientSettings) {
        credentials = Self.wakeCredentials(
            version22: Librdkafka.hasFetchQueueBackoff,
            securityProtocol: settings.value(of: "security.protocol"),
            mechanism: settings.value(of: "sasl.mechanisms") ?? settings.value(of: "sasl.mechanism"),
            username: settings.value(of: "sasl.username"), password: settings.value(of: "sasl.password"))
    }

    /// What `rd_kafka_sasl_set_credentials` may be given to wake the broker threads, or nil when no
    /// wake-up is to be made (the rules above).
    static func wakeCredentials(version22: Bool, securityProtocol: String?, mechanism: String?,
                                username: String?, password: String?) -> (username: String, password: String)? {
        if version22 { return nil }
        let usesSASL = securityProtocol.map { $0.lowercased().hasPrefix("sasl") } ?? false
        if !usesSASL { return (username ?? "", password ?? "") }
        // librdkafka's default mechanism is GSSAPI.
        let mech = (mechanism ?? "GSSAPI").uppercased()
        guard mech == "PLAIN" || mech.hasPrefix("SCRAM-"), let username, let password else { return nil }
        return (username, password)
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

/// The names of the topics seen, each with a small id, found per message by the `rd_kafka_topic_t`
/// pointer's bit pattern (the pointer itself never leaves the binding). An entry is trusted only while
/// `rd_kafka_topic_name` still reads the same bytes, so a topic handle freed and its address reused for
/// another topic cannot mislabel a message; a byte compare of the name costs far less than building a
/// String.
private struct TopicNames {
    private struct Entry {
        var handle: UInt
        let name: String
        let bytes: [UInt8]
    }
    private var entries: [Entry] = []
    private var last = 0

    mutating func lookup(_ rkt: OpaquePointer?) -> (id: Int, name: String) {
        guard let rkt else { return lookupSlow(nil) }
        let bits = UInt(bitPattern: rkt)
        if last < entries.count, entries[last].handle == bits, matches(last, rd_kafka_topic_name(rkt)) {
            return (last, entries[last].name)
        }
        for i in entries.indices where entries[i].handle == bits && matches(i, rd_kafka_topic_name(rkt)) {
            last = i
            return (i, entries[i].name)
        }
        return lookupSlow(rkt)
    }

    private func matches(_ i: Int, _ cName: UnsafePointer<CChar>) -> Bool {
        entries[i].bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { strcmp(cName, $0) == 0 }
        }
    }

    private mutating func lookupSlow(_ rkt: OpaquePointer?) -> (id: Int, name: String) {
        let name = rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let bits = rkt.map { UInt(bitPattern: $0) } ?? 0
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i].handle = bits
            last = i
            return (i, name)
        }
        entries.append(Entry(handle: bits, name: name, bytes: Array(name.utf8) + [0]))
        last = entries.count - 1
        return (last, name)
    }
}

extension KafkaError {
    /// The group is between generations (or has moved on without us): a commit is refused now but can
    /// be made once this member has rejoined.
    package var isGroupRebalance: Bool {
        rdCode == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || rdCode == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION
            || rdCode == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || rdCode == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST
            || rdCode == RD_KAFKA_RESP_ERR__STATE
    }
}

// MARK: - The push model

/// The receiving end of a push consumer (kstream). It never asks for a message: the consumer calls it
/// as each one arrives, tells it when the stream has gone quiet, and wakes it at least every tick.
package protocol MessageReceiver: AnyObject {
    /// Each message, in the order fetched, as soon as it has arrived. The message is lent for the call.
    func receive(_ message: borrowing ConsumedMessage)
    /// Something librdkafka or the cluster reported (also a partition's end with `enable.partition.eof`).
    func receive(notice: borrowing ConsumerEvent)
    /// Everything that has arrived has been handed over; nothing is waiting.
    func caughtUp()
    /// Called at least every tick, busy or quiet: deadlines, signals, statistics.
    func tick()
    /// Asked between deliveries; true ends the push.
    var isDone: Bool { get }
}

extension KafkaConsumer {
    /// Pushes messages to `receiver` until it is done. librdkafka fetches on its own threads; this one
    /// only dispatches, waiting at most `tickMs` for the next message when the stream is quiet.
    package func push(to receiver: some MessageReceiver, tickMs: Int32 = 100) {
        let tickNs = UInt64(tickMs) * 1_000_000
        var lastTick = MonotonicClock.now
        var quiet = false
        while !receiver.isDone {
            let got = poll(timeoutMs: quiet ? tickMs : 0) { event in
                switch event {
                case .message(let message): receiver.receive(message)
                default: receiver.receive(notice: event)
                }
            }
            if !got { receiver.caughtUp() }
            quiet = !got
            let now = MonotonicClock.now
            if now &- lastTick >= tickNs {
                lastTick = now
                receiver.tick()
            }
        }
    }
}
