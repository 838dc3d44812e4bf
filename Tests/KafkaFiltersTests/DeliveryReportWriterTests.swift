import Foundation
import XCTest
@testable import KafkaCore

final class DeliveryReportWriterTests: XCTestCase {
    func testOneJSONLinePerAcknowledgedMessage() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = DeliveryReportWriter(sources: ["-", #"dir/"q".jsonl"#], topic: "t.1", output: try OutputWriter(appendingTo: url.path), say: { XCTFail($0) })
        XCTAssertFalse(writer.hasPending)
        writer.acknowledged(id: DeliveryLedger.id(source: 0, line: 1), partition: 0, offset: 0)
        writer.acknowledged(id: DeliveryLedger.id(source: 1, line: 1_099_511_627_775), partition: 2_147_483_647, offset: 9_223_372_036_854_775_807)
        // Acknowledged without an offset (librdkafka's -1001): the offset is unknown, not negative.
        writer.acknowledged(id: DeliveryLedger.id(source: 0, line: 2), partition: 3, offset: -1001)
        XCTAssertTrue(writer.hasPending)
        writer.flush()
        XCTAssertFalse(writer.hasPending)
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertEqual(text, """
            {"line":1,"source":"-","topic":"t.1","partition":0,"offset":0}
            {"line":1099511627775,"source":"dir/\\"q\\".jsonl","topic":"t.1","partition":2147483647,"offset":9223372036854775807}
            {"line":2,"source":"-","topic":"t.1","partition":3,"offset":null}

            """)
        for line in text.split(separator: "\n") {
            XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
    }

    func testAWriteErrorIsNamedOnceAndReportingStops() throws {
        var said: [String] = []
        let writer = DeliveryReportWriter(sources: ["-"], topic: "t", output: try OutputWriter(appendingTo: "/dev/full"), say: { said.append($0) })
        writer.acknowledged(id: DeliveryLedger.id(source: 0, line: 1), partition: 0, offset: 1)
        writer.flush()
        XCTAssertTrue(writer.failed)
        XCTAssertFalse(writer.closed, "ENOSPC is not a reader gone away")
        writer.acknowledged(id: DeliveryLedger.id(source: 0, line: 2), partition: 0, offset: 2)
        writer.flush()
        XCTAssertFalse(writer.hasPending, "dropped, not piled up")
        XCTAssertEqual(said.count, 1, "\(said)")
    }

    func testAReaderGoneAwayStopsReportingQuietly() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        signal(SIGPIPE, SIG_IGN)
        let path = "/dev/fd/\(fds[1])"
        var said: [String] = []
        let writer = DeliveryReportWriter(sources: ["-"], topic: "t", output: try OutputWriter(appendingTo: path), say: { said.append($0) })
        close(fds[1])
        writer.acknowledged(id: DeliveryLedger.id(source: 0, line: 1), partition: 0, offset: 1)
        writer.flush()
        XCTAssertTrue(writer.closed)
        XCTAssertFalse(writer.failed)
        XCTAssertEqual(said, [])
    }
}
