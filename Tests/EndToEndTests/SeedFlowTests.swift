import Foundation
import XCTest

/// The seed's verification steps (shared/seed/original-python-example.md), with kput, kpull and kstream
/// in place of producer.py, consumer_pull.py and consumer_push.py.
final class SeedFlowTests: XCTestCase {
    func testBothConsumersGetEveryMessageAndEachResumesFromItsCommittedOffset() throws {
        let topic = Harness.unique("seed")
        let pullGroup = Harness.unique("pull"), streamGroup = Harness.unique("push")
        let base = ["-b", brokers, "-t", topic] + Harness.fastConsumer
        // 1. Start both consumers (the topic is new, so kstream's --from beginning only closes the race
        //    between its start and the first message; with a committed offset it resumes either way).
        let pull = try Child(Harness.tool("kpull"), base + ["-g", pullGroup])
        let push = try Child(Harness.tool("kstream"), base + ["-g", streamGroup, "--from", "beginning"])

        // 2-3. Produce; both consumers receive every message, the same ones.
        try produceNumbered(topic, 0..<100)
        XCTAssertTrue(pull.waitFor(timeout: 60) { pull.stdoutLines.count >= 100 }, pull.stderrText)
        XCTAssertTrue(push.waitFor(timeout: 60) { push.stdoutLines.count >= 100 }, push.stderrText)
        XCTAssertEqual(Set(OutLine.parse(pull.stdoutLines)), Set(OutLine.parse(push.stdoutLines)), "both see the same messages")
        XCTAssertEqual(Set(OutLine.parse(pull.stdoutLines).map(\.n)), Set(0..<100))

        // 4. The pull consumer commits itself: stopped, it has committed exactly what it wrote.
        pull.signal(SIGINT)
        XCTAssertEqual(pull.wait().status, 130)
        XCTAssertEqual(try committed(group: pullGroup, topic: topic).sum, 100)

        // 5. Stop and restart: the pull consumer resumes from its committed offset — only the new messages.
        try produceNumbered(topic, 100..<150)
        let resumed = try execute("kpull", base + ["-g", pullGroup, "-e"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(OutLine.parse(resumed.lines).map(\.n).sorted(), Array(100..<150))

        // The push consumer got those too while running; its offsets are auto-committed (4), so after a
        // stop, messages produced meanwhile come first on restart, and nothing it wrote comes again.
        XCTAssertTrue(push.waitFor(timeout: 60) { push.stdoutLines.count >= 150 }, push.stderrText)
        push.signal(SIGTERM)
        XCTAssertEqual(push.wait().status, 0)
        XCTAssertEqual(try committed(group: streamGroup, topic: topic).sum, 150)
        try produceNumbered(topic, 150..<170)
        let again = try Child(Harness.tool("kstream"), base + ["-g", streamGroup])
        XCTAssertTrue(again.waitFor(timeout: 60) { again.stdoutLines.count >= 20 }, again.stderrText)
        again.signal(SIGTERM)
        let r = again.wait()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(OutLine.parse(r.lines).map(\.n).sorted(), Array(150..<170))
    }
}
