import XCTest

@testable import KafkaFilters

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
        var off = PrefetchRefill(settings: ClientSettings(brokers: "b", properties: [("security.protocol", "SASL_SSL")]))
        XCTAssertFalse(off.wakes)
        XCTAssertFalse((0..<20_000).contains { _ in off.taken(bytes: 1 << 20) })
        var on = PrefetchRefill(settings: ClientSettings(brokers: "b"))
        XCTAssertEqual(on.wakes, !Librdkafka.hasFetchQueueBackoff)
        if on.wakes {
            let due = (1...PrefetchRefill.messagesPerWake).filter { _ in on.taken(bytes: 10) }
            XCTAssertEqual(due, [PrefetchRefill.messagesPerWake], "one wake-up per 5,000 small messages")
            XCTAssertTrue(on.taken(bytes: PrefetchRefill.bytesPerWake), "or per MiB")
        }
    }
}
