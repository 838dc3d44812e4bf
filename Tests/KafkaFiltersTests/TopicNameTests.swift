import XCTest
@testable import KafkaCore

/// Topic names as Kafka's Topic.validate checks them.
final class TopicNameTests: XCTestCase {
    func testValidNames() {
        for name in ["t", "events", "a.b_c-D9", String(repeating: "x", count: 249), "...", ".a", "_"] {
            XCTAssertNil(TopicName.problem(name), name)
        }
    }

    func testInvalidNames() {
        let cases: [(String, String)] = [
            ("", "empty"),
            (".", "not allowed"),
            ("..", "not allowed"),
            (String(repeating: "x", count: 250), "at most 249"),
            (String(repeating: "a", count: 600), "600 bytes"),
            ("a/b", "character"),
            ("a b", "character"),
            ("caf\u{e9}", "character"),
            ("t\n", "character"),
            ("^re.*", "character"),
        ]
        for (name, why) in cases {
            let problem = TopicName.problem(name)
            XCTAssertNotNil(problem, name)
            XCTAssertTrue(problem?.contains(why) == true, "\(name): \(problem ?? "nil")")
            XCTAssertFalse(problem?.contains("\n") == true, "one line")
        }
        XCTAssertLessThan(TopicName.problem(String(repeating: "a", count: 600))!.count, 120, "a long name is shown cut short")
    }

    func testARegexSubscriptionIsNotATopicName() {
        XCTAssertNil(TopicName.problem("^events\\..*", allowPattern: true))
        XCTAssertNotNil(TopicName.problem("a/b", allowPattern: true))
    }
}
