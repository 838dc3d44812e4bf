import XCTest

@testable import KafkaBinding
@testable import KafkaCore

/// What the tools decide from the librdkafka they run on (README, "librdkafka versions").
final class LibrdkafkaVersionTests: XCTestCase {
    func testVersionIsTheLoadedLibrarys() {
        // The string and the number come from the same library: make test-compat runs this on 2.16.
        let parts = Librdkafka.versionString.split(separator: ".").compactMap { UInt32($0.prefix { $0.isNumber }) }
        XCTAssertGreaterThanOrEqual(parts.count, 3, Librdkafka.versionString)
        XCTAssertEqual(Librdkafka.version >> 24, parts[0])
        XCTAssertEqual((Librdkafka.version >> 16) & 0xff, parts[1])
        XCTAssertEqual((Librdkafka.version >> 8) & 0xff, parts[2])
        XCTAssertTrue(Librdkafka.atLeast(parts[0], parts[1], parts[2]))
        XCTAssertFalse(Librdkafka.atLeast(parts[0], parts[1], parts[2] + 1))
        XCTAssertEqual(Librdkafka.hasFetchQueueBackoff, parts[0] > 2 || (parts[0] == 2 && parts[1] >= 2))
    }

    /// Before 2.2 the prefetch wake-up goes through rd_kafka_sasl_set_credentials, only where that
    /// leaves the credentials as they were: without SASL, or with the configured PLAIN/SCRAM ones.
    func testPrefetchWakeUpOnlyWhereItChangesNothing() {
        func wake(_ proto: String?, _ mech: String? = nil, _ user: String? = nil, _ pass: String? = nil, v22: Bool = false) -> [String]? {
            PrefetchRefill.wakeCredentials(version22: v22, securityProtocol: proto, mechanism: mech, username: user, password: pass)
                .map { [$0.username, $0.password] }
        }
        XCTAssertEqual(wake(nil), ["", ""], "plaintext by default: SASL credentials are never read")
        XCTAssertEqual(wake("SSL"), ["", ""])
        XCTAssertEqual(wake("plaintext", nil, "u", "p"), ["u", "p"])
        XCTAssertNil(wake(nil, v22: true), "2.2+: fetch.queue.backoff.ms instead, no wake-up")
        XCTAssertNil(wake("SASL_SSL", "PLAIN", "u", "p", v22: true))
        XCTAssertEqual(wake("SASL_SSL", "PLAIN", "alice", "pw"), ["alice", "pw"], "the configured values, unchanged")
        XCTAssertEqual(wake("sasl_plaintext", "SCRAM-SHA-512", "alice", "pw"), ["alice", "pw"])
        XCTAssertNil(wake("SASL_SSL", "GSSAPI", "alice", "pw"), "Cyrus holds the SASL lock across KDC round trips")
        XCTAssertNil(wake("SASL_SSL", nil, "alice", "pw"), "GSSAPI is librdkafka's default mechanism")
        XCTAssertNil(wake("SASL_SSL", "OAUTHBEARER"), "unset credentials would become empty ones")
        XCTAssertNil(wake("SASL_SSL", "PLAIN", "alice", nil), "only one configured: the other stays unset")
    }

    func testRefillCountsOnlyWhenItWakes() {
        var off = PrefetchWaker(settings: ClientSettings(brokers: "b", properties: [("security.protocol", "SASL_SSL")]))
        XCTAssertFalse(off.wakes)
        XCTAssertFalse((0..<20_000).contains { _ in off.taken(bytes: 1 << 20) })
        var on = PrefetchWaker(settings: ClientSettings(brokers: "b"))
        XCTAssertEqual(on.wakes, !Librdkafka.hasFetchQueueBackoff)
        if on.wakes {
            let due = (1...PrefetchWaker.messagesPerWake).filter { _ in on.taken(bytes: 10) }
            XCTAssertEqual(due, [PrefetchWaker.messagesPerWake], "one wake-up per 5,000 small messages")
            XCTAssertTrue(on.taken(bytes: PrefetchWaker.bytesPerWake), "or per MiB")
        }
    }

    /// KIP-320 (2.1+): an offset put on a partition list keeps its leader epoch there, so commits and
    /// stores carry it; on 2.0.x the calls do not exist and every epoch reads -1. (The mock answers
    /// OffsetFetch with the partition's current epoch, not the committed one, so this cannot be
    /// witnessed end to end here.)
    func testPartitionListsCarryLeaderEpochsFrom21() {
        let list = RDKafkaTopicPartitionList(capacity: 2)
        list.add(TopicPartition(topic: "t", partition: 0, offset: 42, leaderEpoch: 7))
        list.add(TopicPartition(topic: "t", partition: 1, offset: 5))
        let back = list.elements
        XCTAssertEqual(back.map(\.offset), [42, 5])
        XCTAssertEqual(back.map(\.leaderEpoch), Librdkafka.atLeast(2, 1) ? [7, -1] : [-1, -1], Librdkafka.versionString)
    }

    /// Pending commits keep the epoch of the message their offset follows: the highest offset's.
    func testPendingCommitsKeepTheEpochOfTheHighestOffset() {
        var pending = PendingCommits()
        pending.wrote([TopicPartition(topic: "t", partition: 0, offset: 10, leaderEpoch: 3)])
        pending.wrote([TopicPartition(topic: "t", partition: 0, offset: 8, leaderEpoch: 2)])
        pending.wrote([TopicPartition(topic: "t", partition: 1, offset: 4, leaderEpoch: 1)])
        pending.wrote([TopicPartition(topic: "t", partition: 1, offset: 6, leaderEpoch: 5)])
        let byPartition = Dictionary(uniqueKeysWithValues: pending.offsets.map { ($0.partition, [$0.offset, Int64($0.leaderEpoch)]) })
        XCTAssertEqual(byPartition, [0: [10, 3], 1: [6, 5]])
    }
}
