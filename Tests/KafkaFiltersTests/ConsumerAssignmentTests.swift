import XCTest
@testable import KafkaBinding
@testable import KafkaCore

/// The consumer protocol's member assignment, as DescribeGroups returns it for `kmeta group`. The mock
/// clusters do not answer DescribeGroups, so the decoding is checked here on bytes built by hand in
/// Kafka's layout (ConsumerProtocolAssignment v0..v3 share it: int16 version, [string topic, [int32]],
/// bytes user data).
final class ConsumerAssignmentTests: XCTestCase {
    private func int16(_ v: Int16) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    private func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    private func string(_ s: String) -> [UInt8] { int16(Int16(s.utf8.count)) + Array(s.utf8) }

    private func decode(_ bytes: [UInt8]) -> [TopicPartition]? {
        bytes.withUnsafeBytes { ConsumerAssignment.decode($0) }
    }

    func testTopicsAndPartitionsInOrder() {
        let bytes = int16(1) + int32(2)
            + string("events") + int32(3) + int32(0) + int32(2) + int32(4)
            + string("logs.a-b_c") + int32(1) + int32(7)
            + int32(-1)  // no user data
        XCTAssertEqual(decode(bytes), [
            TopicPartition(topic: "events", partition: 0), TopicPartition(topic: "events", partition: 2),
            TopicPartition(topic: "events", partition: 4), TopicPartition(topic: "logs.a-b_c", partition: 7),
        ])
    }

    func testEmptyAssignmentAndMissingUserData() {
        XCTAssertEqual(decode(int16(0) + int32(0)), [])
        XCTAssertEqual(decode(int16(0) + int32(1) + string("t") + int32(0)), [])
    }

    func testTruncatedOrNegativeCountsAreNil() {
        let whole = int16(0) + int32(1) + string("events") + int32(2) + int32(0) + int32(1)
        for cut in 0..<whole.count {
            // Every strict prefix ends inside a field the layout requires (except right after the
            // version and an empty array, which this one does not have).
            XCTAssertNil(decode(Array(whole.prefix(cut))), "prefix of \(cut) bytes")
        }
        XCTAssertNotNil(decode(whole))
        XCTAssertNil(decode(int16(0) + int32(-2)))
        XCTAssertNil(decode(int16(0) + int32(1) + int16(-5)))
        XCTAssertNil(decode(int16(0) + int32(1) + string("t") + int32(-1)))
    }
}
