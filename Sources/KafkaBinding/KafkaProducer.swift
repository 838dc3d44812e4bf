import Crdkafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaCore

// File-scope wrappers: inside KafkaProducer, `close` and `read` would name its own methods.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
private func readDescriptor(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
    read(fd, buffer.baseAddress, buffer.count)
}

/// What librdkafka said about one message we produced, lent to the event handler: the payload points
/// into librdkafka's copy, which is freed when the handler returns. It is `~Copyable` and handed out only
/// `borrowing`, so the compiler refuses to keep it past the handler; the payload is lent only inside
/// `withValue`.
package struct DeliveryReport: ~Copyable {
    private let message: UnsafePointer<rd_kafka_message_t>

    fileprivate init(_ message: UnsafePointer<rd_kafka_message_t>) { self.message = message }

    /// The id given to `produce`.
    package var id: UInt64 { UInt64(UInt(bitPattern: message.pointee._private)) }
    package var error: KafkaError? {
        let err = message.pointee.err
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: err)
    }
    package var partition: Int32 { message.pointee.partition }
    package var offset: Int64 { message.pointee.offset }
    /// Lends the payload's bytes (nil: none) for the duration of `body`; they must not be kept past it.
    package func withValue<R, E: Error>(_ body: (UnsafeRawBufferPointer?) throws(E) -> R) throws(E) -> R {
        guard let p = message.pointee.payload else { return try body(nil) }
        return try body(UnsafeRawBufferPointer(start: p, count: message.pointee.len))
    }
}

/// One event from the producer's queue, lent to the handler (`~Copyable`, as the report it may carry).
package enum ProducerEvent: ~Copyable {
    case delivery(DeliveryReport)
    case error(KafkaError)
}

/// An idempotent-by-default producer. Delivery reports and errors arrive as events on the main queue
/// (no callbacks into Swift from librdkafka's threads); `poll` maps them to `ProducerEvent`.
package final class KafkaProducer {
    private let client: RDKafkaClient
    private let mainQueue: RDKafkaQueue
    private var topics: [String: OpaquePointer] = [:]
    /// The last topic produced to, so the per-message path skips the dictionary (kput has one topic).
    private var lastTopic: (name: String, handle: OpaquePointer)?
    /// A pipe librdkafka writes a byte to when events arrive on the main queue (see `wakeupDescriptor`).
    private var wakeupPipe: (read: Int32, write: Int32)?
    /// An idempotent producer on a librdkafka that drops its bootstrap connections: its first answered
    /// `connect` asks once more (see `Librdkafka.dropsBootstrapConnections`).
    private var askAgainForProducerId: Bool

    package init(settings: ClientSettings) throws(ClientSetupError) {
        askAgainForProducerId = Librdkafka.dropsBootstrapConnections
            && (settings.value(of: "enable.idempotence")?.lowercased() == "true"
                || settings.value(of: "transactional.id") != nil)
        let config = try settings.makeConfig()
        rd_kafka_conf_set_events(config.pointer, Int32(RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR))
        client = try RDKafkaClient(kind: .producer, config: config)
        guard let queue = rd_kafka_queue_get_main(client.handle) else {
            throw .client("cannot create producer: librdkafka gave no main queue")
        }
        mainQueue = RDKafkaQueue(pointer: queue)
    }

    deinit { close() }

    private var closed = false
    /// Releases topic handles and the queue before the client, as librdkafka requires.
    package func close() {
        guard !closed else { return }
        closed = true
        if let pipe = wakeupPipe {
            rd_kafka_queue_io_event_enable(mainQueue.pointer, -1, nil, 0)
            closeDescriptor(pipe.read)
            closeDescriptor(pipe.write)
            wakeupPipe = nil
        }
        lastTopic = nil
        for (_, rkt) in topics { rd_kafka_topic_destroy(rkt) }
        topics.removeAll()
        withExtendedLifetime(mainQueue) {}
        client.destroy()
    }

    /// Waits up to `timeoutMs` for a broker to answer, and for the topic to exist; returns its partition count.
    ///
    /// On librdkafka 2.10+ an idempotent producer asks a second time (a third or fourth only while a
    /// closing bootstrap connection still answers): the first answer came over a bootstrap connection
    /// that librdkafka then closes, so its producer-id request found no broker up and waits for a 500 ms
    /// timer; the second answer comes over a learned broker's connection (opened at once to a partition
    /// leader, see `connectToLeader`), which the producer-id request then uses at once. It costs one
    /// Metadata round trip on the one connection the producer id needs anyway, where
    /// `enable.sparse.connections=false` (the other way round it) would open a connection to every broker
    /// of the cluster on each start. If it fails the timer still runs.
    ///
    /// The layout is the last answer's: on 2.10+ the second one names the partitions led by the broker
    /// the producer id came from, whose connection is up (the first came over a bootstrap connection).
    package func connect(topic: String, timeoutMs: Int32) -> Result<TopicLayout, KafkaError> {
        let result = client.topicLayout(topic, timeoutMs: timeoutMs)
        if case .success(let first) = result, askAgainForProducerId {
            askAgainForProducerId = false
            // The first answer closed the bootstrap connection, and librdkafka would connect to a learned
            // broker only once its connect-any pause (11 ms or more after the bootstrap connection) is
            // over: connect now to the leader of a partition chosen at random (the broker the second ask,
            // the producer id and a keyless first run then use), so the cluster's load is spread as
            // librdkafka's random choice spreads it. (librdkafka's own connect-any retry, armed by the
            // first answer, still connects a random broker if it fires before this one is up: rarely.)
            if first.partitions > 0 {
                client.connectToLeader(topic: topic, partition: Int32.random(in: 0..<Int32(first.partitions)))
            }
            // A bootstrap connection not yet closed may answer again (its close is queued for its own
            // thread): then ask once or twice more, until the answer comes over the learned broker's.
            var layout = first
            for _ in 0..<3 {
                guard case .success(let next) = client.topicLayout(topic, timeoutMs: min(timeoutMs, 500)),
                    next.partitions == first.partitions
                else { break }
                layout = next
                if !next.answeredByBootstrap { break }
            }
            return .success(layout)
        }
        return result
    }

    /// The topic's handle, made once. librdkafka refuses some names (longer than its limit, say) with a
    /// NULL handle: that is an error for the message, never a crash.
    private func topicHandle(_ name: String) throws(KafkaError) -> OpaquePointer {
        if let last = lastTopic, last.name == name { return last.handle }
        let rkt: OpaquePointer
        if let known = topics[name] {
            rkt = known
        } else {
            guard let made = rd_kafka_topic_new(client.handle, name, nil) else {
                throw KafkaError(code: rd_kafka_last_error())
            }
            rkt = made
            topics[name] = rkt
        }
        lastTopic = (name, rkt)
        return rkt
    }

    /// A descriptor that becomes readable when delivery reports or errors wait on the main queue, so a
    /// caller blocked in poll(2) on its input can wake for them too. Call `drainWakeups()` before serving
    /// the queue with `poll`; librdkafka writes again once the queue has been served. Nil if no pipe.
    package func wakeupDescriptor() -> Int32? {
        if let pipe = wakeupPipe { return pipe.read }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeupPipe = (fds[0], fds[1])
        var byte: UInt8 = 1
        rd_kafka_queue_io_event_enable(mainQueue.pointer, fds[1], &byte, 1)
        return fds[0]
    }

    /// Empties the wake-up pipe (call before serving the queue, so no wake-up is lost).
    package func drainWakeups() {
        guard let pipe = wakeupPipe else { return }
        var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &scratch, { readDescriptor(pipe.read, $0) }) > 0 {}
    }

    /// Queues one message (librdkafka copies key, value and headers). `id` comes back in its delivery report.
    /// Throws `_QUEUE_FULL` when the local queue is full: poll, then call again with the same message.
    package func produce(
        topic: String, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [OutgoingHeader] = [], timestamp: Int64? = nil, id: UInt64
    ) throws(KafkaError) {
        let rkt = try topicHandle(topic)
        if headers.isEmpty, timestamp == nil {
            // Common case: the plain, non-variadic call, with no argument vector to build. It reports
            // failure only as -1; then the same message goes through produceva below (nothing was
            // enqueued), so errors keep produceva's exact code, text and flags.
            // An empty (not null) value or key needs a non-NULL pointer; librdkafka reads none of it.
            let payload = value.map { UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!) }
            let keyPointer = key.map { $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)! }
            if rd_kafka_produce(rkt, partition ?? RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                payload, value?.count ?? 0, keyPointer, key?.count ?? 0,
                                UnsafeMutableRawPointer(bitPattern: UInt(id))) == 0
            {
                return
            }
        }
        let count = 5 + (key == nil ? 0 : 1) + (timestamp == nil ? 0 : 1) + headers.count
        let error: OpaquePointer? = withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: count) { vus in
            var n = 0
            func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                var vu = rd_kafka_vu_t()
                vu.vtype = type
                fill(&vu)
                vus.initializeElement(at: n, to: vu)
                n += 1
            }
            add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = rkt }
            add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition ?? RD_KAFKA_PARTITION_UA }
            add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
            add(RD_KAFKA_VTYPE_VALUE) {
                // An empty (not null) value needs a non-NULL pointer; librdkafka reads none of it.
                $0.u.mem.ptr = value.map { UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!) }
                $0.u.mem.size = value?.count ?? 0
            }
            if let key {
                add(RD_KAFKA_VTYPE_KEY) {
                    // A zero-length key must not be NULL, or librdkafka sends a null key.
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                    $0.u.mem.size = key.count
                }
            }
            add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(id)) }
            if let timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
            return headers.withHeaderPointers { pointers in
                for (name, value, size) in pointers {
                    add(RD_KAFKA_VTYPE_HEADER) {
                        $0.u.header.name = name
                        $0.u.header.val = value
                        $0.u.header.size = size
                    }
                }
                return rd_kafka_produceva(client.handle, vus.baseAddress, n)
            }
        }
        if let error { throw KafkaError(consuming: error) }
    }

    /// Serves the main queue for up to `timeoutMs`, handing each delivery report and error to `handler`.
    /// Returns the number of events served.
    @discardableResult
    package func poll(timeoutMs: Int32, _ handler: (borrowing ProducerEvent) -> Void) -> Int {
        var served = 0
        var wait = timeoutMs
        while let ev = rd_kafka_queue_poll(mainQueue.pointer, wait) {
            let event = RDKafkaEvent(pointer: ev)
            served += 1
            wait = 0
            switch event.type {
            case Int32(RD_KAFKA_EVENT_DR):
                while let message = rd_kafka_event_message_next(event.pointer) {
                    handler(.delivery(DeliveryReport(message)))
                }
            case Int32(RD_KAFKA_EVENT_ERROR):
                if let error = event.error { handler(.error(error)) }
            default:
                break
            }
        }
        return served
    }

    /// Has librdkafka send every queued message at once, ignoring linger.ms, for up to `waitMs`:
    /// rd_kafka_flush does that while it runs. With delivery reports as events it only waits for the
    /// message count to reach zero, which takes the reports being served (`poll`), so it returns after
    /// `waitMs` while any message is unreported: call it with a short wait and serve the queue between.
    package func sendQueuedNow(waitMs: Int32) {
        _ = rd_kafka_flush(client.handle, waitMs)
    }

    /// Messages queued or in flight, not yet reported.
    package var outstanding: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Drops every queued and in-flight message; each is then reported as failed (`_PURGE_QUEUE`/`_PURGE_INFLIGHT`).
    package func purgeAll() {
        // Fails only for invalid flags or a handle that is not a producer: neither can happen here.
        _ = rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    package var fatalError: KafkaError? { client.fatalError() }
}

extension KafkaError {
    /// A purged message that was already sent: the broker may or may not have written it.
    package var isPurgedInFlight: Bool { rdCode == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT }
    /// The partition asked for is not one of the topic's (as librdkafka knows them now).
    package var isUnknownPartition: Bool { rdCode == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION }
}

extension Array where Element == OutgoingHeader {
    /// Lends C pointers for each header's name and value for the duration of `body`, from one buffer.
    fileprivate func withHeaderPointers<R>(
        _ body: ([(UnsafePointer<CChar>, UnsafeRawPointer?, Int)]) -> R
    ) -> R {
        if isEmpty { return body([]) }
        let total = reduce(0) { $0 + $1.name.utf8.count + 1 + ($1.value?.count ?? 0) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(total, 1), alignment: 1)
        defer { buffer.deallocate() }
        var out: [(UnsafePointer<CChar>, UnsafeRawPointer?, Int)] = []
        out.reserveCapacity(count)
        var at = 0
        for h in self {
            let name = buffer.baseAddress! + at
            for b in h.name.utf8 {
                buffer[at] = b
                at += 1
            }
            buffer[at] = 0
            at += 1
            let namePtr = UnsafePointer(name.assumingMemoryBound(to: CChar.self))
            if let v = h.value {
                let valuePtr = buffer.baseAddress! + at
                for b in v {
                    buffer[at] = b
                    at += 1
                }
                // A zero-length value still needs a non-NULL pointer, or librdkafka stores a null value.
                out.append((namePtr, UnsafeRawPointer(valuePtr), v.count))
            } else {
                out.append((namePtr, nil, -1))
            }
        }
        return body(out)
    }
}
