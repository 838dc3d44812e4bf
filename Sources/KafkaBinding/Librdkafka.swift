import Crdkafka

/// The librdkafka the process is running on, found at run time: the tools link it dynamically, so the
/// library a system upgrade brings changes its behaviour without a rebuild. Everything that depends on
/// the version asks here, not the headers the tools were compiled against (2.0.2's).
package enum Librdkafka {
    /// `rd_kafka_version()`: 0xMMmmrrxx (major, minor, revision, pre-release; 0xff for a release).
    static let version = UInt32(bitPattern: rd_kafka_version())

    /// "2.0.2", "2.16.0".
    package static var versionString: String { String(cString: rd_kafka_version_str()) }

    /// At least major.minor.revision (any pre-release of it counts: its features are there).
    static func atLeast(_ major: UInt32, _ minor: UInt32, _ revision: UInt32 = 0) -> Bool {
        version >= (major << 24 | minor << 16 | revision << 8)
    }

    /// 2.2.0 added `fetch.queue.backoff.ms`: a partition whose prefetch queue is over its bound is not
    /// fetched again for that long (default 1000 ms), whatever wakes its broker thread. Before 2.2.0 the
    /// property is unknown (setting it is a configuration error) and the wait is an idle broker thread's
    /// up-to-one-second sleep, which a wake-up cuts short.
    package static var hasFetchQueueBackoff: Bool { atLeast(2, 2) }

    /// From 2.10.0 (KIP-899, librdkafka #4557) the first Metadata answer decommissions the bootstrap
    /// connections (brokers not named in it), and the brokers it names start unconnected (sparse
    /// connections). The idempotent producer asks for its producer id only from a broker that is up, and
    /// tries again on a Metadata answer or on its 500 ms timer ("Starting PID FSM timer: Coordinator not
    /// up", rdkafka_idempotence.c): so on 2.10+ nothing can be sent for half a second after start, unless
    /// a second Metadata answer arrives over a learned broker's connection. Before 2.10 the bootstrap
    /// connection becomes that broker's and the id is asked for on the first answer.
    package static var dropsBootstrapConnections: Bool { atLeast(2, 10) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Leader epochs (KIP-320), from librdkafka 2.1.0. The tools are compiled against 2.0.2's header, which
/// lacks these calls, so they are looked up in the loaded library at run time; on 2.0.x they are absent
/// and epochs are simply not carried (that librdkafka knows none).
///
/// Why carry them: from 2.1 librdkafka compares a stored offset's epoch with the committed one, and
/// 2.1.0 to 2.2.x (fixed in 2.3.0, librdkafka #4442) left a stored offset without an epoch (-1) out of
/// the commit when the group's committed epoch was higher — kstream's auto-commit would stop advancing
/// without a word once anything had committed with an epoch. And an offset committed without its epoch
/// lets the next consumer skip the truncation check (OffsetForLeaderEpoch) after an unclean leader change.
enum LeaderEpochs {
    private typealias MessageEpoch = @convention(c) (UnsafePointer<rd_kafka_message_t>?) -> Int32
    private typealias SetEpoch = @convention(c) (UnsafeMutablePointer<rd_kafka_topic_partition_t>?, Int32) -> Void
    private typealias GetEpoch = @convention(c) (UnsafePointer<rd_kafka_topic_partition_t>?) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        // A nil handle is RTLD_DEFAULT: every library the process has loaded, librdkafka among them.
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    private static let messageEpoch = symbol("rd_kafka_message_leader_epoch", as: MessageEpoch.self)
    private static let setEpoch = symbol("rd_kafka_topic_partition_set_leader_epoch", as: SetEpoch.self)
    private static let getEpoch = symbol("rd_kafka_topic_partition_get_leader_epoch", as: GetEpoch.self)

    /// The epoch of the leader that wrote the message; -1 when unknown or before 2.1.
    static func of(_ message: UnsafePointer<rd_kafka_message_t>) -> Int32 {
        messageEpoch?(message) ?? -1
    }

    static func set(_ epoch: Int32, on tp: UnsafeMutablePointer<rd_kafka_topic_partition_t>) {
        if epoch >= 0, let setEpoch { setEpoch(tp, epoch) }
    }

    static func get(_ tp: UnsafePointer<rd_kafka_topic_partition_t>) -> Int32 {
        getEpoch?(tp) ?? -1
    }

    /// A commit refused for the leader epoch it carried. Kafka's group coordinator stores a committed
    /// epoch without checking it (Java commits the epoch of the last record it consumed, which may be
    /// older than the leader's), but librdkafka's mock checks it against the partition's current epoch
    /// and refuses an older one (FENCED_LEADER_EPOCH) once a leader has moved. The consumers then commit
    /// without epochs, as 2.0.x does: the same offsets, never fewer.
    static func isRefusal(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH || err == RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH
    }
}
