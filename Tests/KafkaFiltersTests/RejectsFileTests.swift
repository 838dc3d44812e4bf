import Foundation
import XCTest
@testable import KafkaCore
@testable import KafkaFilters

/// kput's --rejects file: the ledger's kept lines reach the file; a full disk is said once, exit 74.
final class RejectsFileTests: XCTestCase {
    func testKeptLinesReachTheFileInOrder() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rejects-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        var said: [String] = []
        let ledger = DeliveryLedger(sources: ["in"], rejects: try RejectsFile(path: url.path), say: { said.append($0) })
        Array("bad".utf8).withUnsafeBytes { ledger.rejected($0, id: DeliveryLedger.id(source: 0, line: 1), reason: "why") }
        Array("ab".utf8).withUnsafeBytes { ledger.overlong($0, id: DeliveryLedger.id(source: 0, line: 2), first: true, last: false, maxLineBytes: 16) }
        Array("c".utf8).withUnsafeBytes { ledger.overlong($0, id: DeliveryLedger.id(source: 0, line: 2), first: false, last: true, maxLineBytes: 16) }
        XCTAssertTrue(ledger.flushRejects())
        XCTAssertEqual(String(decoding: try Data(contentsOf: url), as: UTF8.self), "bad\nabc\n")
        XCTAssertEqual(said, ["in:1: why", "in:2: line longer than 16 bytes"])
    }

    func testAFullDiskIsSaidOnce() throws {
        var said: [String] = []
        let ledger = DeliveryLedger(sources: ["-"], rejects: try RejectsFile(path: "/dev/full"), say: { said.append($0) })
        Array("x".utf8).withUnsafeBytes { ledger.rejected($0, id: DeliveryLedger.id(source: 0, line: 1), reason: "bad") }
        XCTAssertFalse(ledger.flushRejects())
        XCTAssertTrue(ledger.rejectsFailed)
        XCTAssertEqual(said.filter { $0.hasPrefix("rejects file: write: No space left on device") }.count, 1, "\(said)")
    }
}
