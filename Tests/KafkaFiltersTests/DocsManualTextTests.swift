import XCTest
@testable import KafkaFilters
@testable import KafkaCore

/// The reference text each tool appends to its --help, which Scripts/manpage.py turns into man page
/// sections: it must keep the layout that script reads (see ManualText.swift).
final class DocsManualTextTests: XCTestCase {
    let texts: [(tool: String, text: String)] = [
        ("kput", ManualText.kput), ("kpull", ManualText.kpull), ("kstream", ManualText.kstream),
        ("kmock", ManualText.kmock),
    ]

    func testTextIsASCIIAndFitsSeventyEightColumns() {
        for (tool, text) in texts {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                // generate-manual drops every non-ASCII character; --help rewraps lines wider than the terminal.
                XCTAssertTrue(line.allSatisfy(\.isASCII), "\(tool): not ASCII: \(line)")
                XCTAssertLessThanOrEqual(line.count, ManualText.width, "\(tool): too wide: \(line)")
                XCTAssertFalse(line.hasSuffix(" "), "\(tool): trailing blank: \(line)")
            }
        }
    }

    func testEachToolHasTheSectionsAManPageNeeds() {
        for (tool, text) in texts {
            let headings = text.split(separator: "\n").filter { $0.first?.isUppercase == true && $0.hasSuffix(":") }
            var expected = ["ENVIRONMENT:", "EXIT STATUS:", "EXAMPLES:", "SEE ALSO:"]
            if tool == "kmock" {
                expected.insert("FAULT COMMANDS:", at: 0)
            } else {
                expected.insert("ENVELOPE FORMAT:", at: 0)
            }
            if tool == "kput" { expected.insert(contentsOf: ["PARTITIONS:", "SCHEMA REGISTRY:"], at: 1) }
            if tool == "kpull" || tool == "kstream" { expected.insert("REGISTRY FRAMED DATA:", at: 1) }
            // issue 23: the --acks channel, in the three tools that take --acks.
            if tool != "kmock" && tool != "kmeta" { expected.insert("ACKS:", at: expected.firstIndex(of: "ENVIRONMENT:")!) }
            XCTAssertEqual(headings.map(String.init), expected, tool)
            XCTAssertTrue(text.hasPrefix("\n\n"), "\(tool): must start a new paragraph after the tool's own text")
            XCTAssertTrue(text.contains("KAFKA_BROKERS"), tool)
        }
    }

    /// Every exit code a tool can return is listed, as a list item of its EXIT STATUS section.
    func testEveryExitCodeIsDocumented() {
        let consumerCodes: [ExitStatus] = [.ok, .usage, .dataError, .unavailable, .ioError, .tempFailure, .configError]
        let expected: [String: [ExitStatus]] = [
            "kput": ExitStatus.allCases,
            "kpull": ExitStatus.allCases,
            // kstream and kmock stop with 0 on SIGINT/SIGTERM.
            "kstream": consumerCodes,
            "kmock": [.ok, .usage, .unavailable, .ioError],
        ]
        for (tool, text) in texts {
            let section = text.components(separatedBy: "EXIT STATUS:\n")[1].components(separatedBy: "\n\n")[0]
            let listed = section.split(separator: "\n").compactMap { line -> Int32? in
                guard line.hasPrefix("  "), let word = line.split(separator: " ").first else { return nil }
                return Int32(word)
            }
            XCTAssertEqual(listed, expected[tool]!.map(\.rawValue), tool)
        }
    }

    func testListsWrapAtTheirTextColumn() {
        let text = ManualText.render([
            .init("EXIT STATUS", [.list([("0", "ok"), ("130", String(repeating: "word ", count: 30))])])
        ])
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "EXIT STATUS:")
        XCTAssertEqual(lines[1], "  0    ok")
        XCTAssertTrue(lines[2].hasPrefix("  130  word"))
        XCTAssertTrue(lines[3].hasPrefix("       word"), lines[3])
        XCTAssertTrue(lines.allSatisfy { $0.count <= ManualText.width })
    }

    func testSeeAlsoIsInManualOrder() {
        XCTAssertTrue(ManualText.kstream.contains("jq(1), kmock(1), kpull(1), kput(1), logrotate(8)"), ManualText.kstream)
    }
}
