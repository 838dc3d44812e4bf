import XCTest
@testable import KafkaFilters

/// kmeta's reference text keeps the layout Scripts/manpage.py reads (as DocsManualTextTests checks for
/// the other tools), names every member scripts rely on, and lists every exit code it can return.
final class KMetaManualTextTests: XCTestCase {
    let text = ManualText.kmeta

    func testTextIsASCIIAndFitsSeventyEightColumns() {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            XCTAssertTrue(line.allSatisfy(\.isASCII), "not ASCII: \(line)")
            XCTAssertLessThanOrEqual(line.count, ManualText.width, "too wide: \(line)")
            XCTAssertFalse(line.hasSuffix(" "), "trailing blank: \(line)")
        }
        XCTAssertTrue(text.hasPrefix("\n\n"))
    }

    func testSections() {
        let headings = text.split(separator: "\n").filter { $0.first?.isUppercase == true && $0.hasSuffix(":") }
        XCTAssertEqual(headings.map(String.init),
                       ["OUTPUT:", "THE MOCK CLUSTER:", "ENVIRONMENT:", "EXIT STATUS:", "EXAMPLES:", "SEE ALSO:"])
        XCTAssertTrue(text.contains("KAFKA_BROKERS"))
        XCTAssertTrue(text.contains("KAFKA_FILTERS_CONFIG"))
    }

    func testEveryExitCodeIsDocumented() {
        let section = text.components(separatedBy: "EXIT STATUS:\n")[1].components(separatedBy: "\n\n")[0]
        let listed = section.split(separator: "\n").compactMap { line -> Int32? in
            guard line.hasPrefix("  "), let word = line.split(separator: " ").first else { return nil }
            return Int32(word)
        }
        // 1: lag --max-lag over the limit, apart from the sysexits codes.
        XCTAssertEqual(listed, [0, 1, 64, 69, 74, 78])
    }

    func testEveryMemberScriptsRelyOnIsNamed() {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for member in ["topic", "partitions", "replication_factor", "internal", "partition", "leader", "replicas",
                       "isr", "low", "high", "group", "committed", "lag", "offset", "id", "host", "port",
                       "controller", "state", "members"] {
            XCTAssertTrue(flat.range(of: "\\b\(member)\\b", options: .regularExpression) != nil, member)
        }
        XCTAssertTrue(flat.contains("answers -1 to every lookup by time"), "the mock's lookups by time are named")
    }
}
