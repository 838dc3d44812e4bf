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

    init(message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String, topicID: Int) {
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
