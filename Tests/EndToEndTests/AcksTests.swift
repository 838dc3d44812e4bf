import Foundation
import XCTest

/// issue 23: `kpull --acks P | filter | kput --acks P` commits a message only when it is done. Real
/// processes in a shell pipeline against the cluster; pout and the group's offsets read by the witness.
final class AcksTests: XCTestCase {
    static let filter = "select(.value.n % 3 != 0) | .value.m = .value.n * 2"

    /// Runs `script` in bash with the built tools first in PATH, $B the brokers, $P a fresh socket path.
    func shell(_ script: String, socket: String, timeout: TimeInterval = 120, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let env = [
            "PATH": Harness.binDir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "B": brokers, "P": socket,
            "FAST": Harness.fastConsumer.joined(separator: " "),
        ]
        let child = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["bash", "-c", script], environment: env)
        return child.wait(timeout: timeout, file: file, line: line)
    }

    func seed(_ topic: String, count: Int) throws {
        try createTopic(topic, partitions: 6)
        let input = (0..<count).map { #"{"n":\#($0)}"# }.joined(separator: "\n") + "\n"
        let r = try execute("kput", ["-b", brokers, "-t", topic, "-k", "n"], input: Data(input.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testTheCronPipelineCommitsEveryInputMessageAndDeliversExactlyTheFiltered() throws {
        let pin = Harness.unique("acks-pin"), pout = Harness.unique("acks-pout"), group = Harness.unique("pipe")
        try seed(pin, count: 600)
        try createTopic(pout, partitions: 6)
        let socket = Harness.tempFile("acks").path
        let r = try shell("""
            kpull -b $B $FAST -t \(pin) -g \(group) -e --acks $P | jq -c '\(Self.filter)' | kput -b $B -t \(pout) --envelope --acks $P
            echo "${PIPESTATUS[@]}"
            """, socket: socket)
        XCTAssertEqual(r.lines.last, "0 0 0", r.stderr)
        let values = try readTopic(pout).compactMap { $0.valueText }
        let expected = (0..<600).filter { $0 % 3 != 0 }.map { #"{"m":\#($0 * 2),"n":\#($0)}"# }
        XCTAssertEqual(values.count, 400, "exactly the filtered messages")
        let got = values.compactMap { v -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(v.utf8)) as? [String: Int] else { return nil }
            return #"{"m":\#(o["m"] ?? -1),"n":\#(o["n"] ?? -1)}"#
        }
        XCTAssertEqual(Set(got), Set(expected))
        XCTAssertEqual(try committed(group: group, topic: pin).sum, 600,
                       "the group is at the end of pin, the messages dropped last by the filter included")
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "the reader removes its socket")
    }

    func testALineWithoutSourceMembersIsBadAndNothingAfterItIsCommitted() throws {
        let pin = Harness.unique("acks-bare"), pout = Harness.unique("acks-bare-out"), group = Harness.unique("pipe")
        try seed(pin, count: 30)
        try createTopic(pout, partitions: 6)
        let r = try shell("""
            kpull -b $B $FAST -t \(pin) -g \(group) -e --acks $P | jq -c '.value' | kput -b $B -t \(pout) --envelope --acks $P
            echo "${PIPESTATUS[@]}"
            """, socket: Harness.tempFile("acks").path)
        XCTAssertEqual(r.lines.last, "75 0 65", r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:1: no source members (topic, partition, offset)"), r.stderr)
        XCTAssertEqual(try committed(group: group, topic: pin).sum, 0, "nothing was done: nothing is committed")
    }

    /// kput fails the last line (no source members), after the others were done: kpull commits the 29
    /// done, exits 75, and its -v summary counts as committed only lines done (it said all 30 were, as
    /// without --acks, when a commit succeeded after the last line was written: seen in make chaos).
    func testTheSummaryCountsOnlyDoneLinesAsCommitted() throws {
        let pin = Harness.unique("acks-last"), pout = Harness.unique("acks-last-out"), group = Harness.unique("pipe")
        try seed(pin, count: 30)
        try createTopic(pout, partitions: 6)
        let r = try shell("""
            kpull -b $B $FAST -t \(pin) -g \(group) -e -v --acks $P | awk 'NR == 30 { print "{}"; next } { print }' | kput -b $B -t \(pout) --envelope --acks $P
            echo "${PIPESTATUS[@]}"
            """, socket: Harness.tempFile("acks").path)
        XCTAssertEqual(r.lines.last, "75 0 65", r.stderr)
        XCTAssertEqual(try readTopic(pout).count, 29, r.stderr)
        let sum = try committed(group: group, topic: pin).sum
        XCTAssertEqual(sum, 29, "every line but the bad one is done and committed")
        let summary = r.stderr.split(separator: "\n").first { $0.contains("kpull: 30 lines written, ") }
        let counted = summary.flatMap { Int($0.split(separator: ",")[1].split(separator: " ")[0]) }
        XCTAssertNotNil(counted, r.stderr)
        XCTAssertLessThanOrEqual(counted ?? 30, sum, "the summary counts no line as committed that is not: \(summary ?? "")")
    }

    func testAStaleSocketIsReplacedAndASecondReaderOrWriterIsRefused() throws {
        let pin = Harness.unique("acks-two"), group = Harness.unique("pipe")
        try seed(pin, count: 10)
        let socket = Harness.tempFile("acks").path
        // A socket left behind by a killed reader: nobody listens on it.
        let stale = try shell(#"python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$P"; test -S "$P" && echo stale"#, socket: socket)
        XCTAssertEqual(stale.lines, ["stale"], stale.stderr)
        let r = try shell("""
            kpull -b $B $FAST -t \(pin) -g \(group) --acks $P > /dev/null 2>"$P.err" &
            reader=$!
            for i in $(seq 100); do python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$P" 2>/dev/null && break; sleep 0.1; done
            kpull -b $B $FAST -t \(pin) -g \(group)-2 --acks $P > /dev/null; echo "second reader $?"
            (sleep 3) | kput -b $B -t \(pin) --envelope --acks $P & writer=$!
            sleep 1
            echo | kput -b $B -t \(pin) --envelope --acks $P; echo "second writer $?"
            wait $writer
            wait $reader; echo "reader $?"; cat "$P.err" >&2
            """, socket: socket)
        XCTAssertEqual(r.lines, ["second reader 69", "second writer 69", "reader 75"], r.stderr)
        XCTAssertTrue(r.stderr.contains("kput's input ended before this output did"), "an input that ends first is no proof: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("kpull: --acks \(socket): another reader is listening there"), r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: --acks \(socket): another kput is already connected to this reader"), r.stderr)
    }

    /// kstream --acks stores for auto-commit only what kput reports done; on SIGTERM it closes its
    /// output, waits for kput's end, and commits the rest of what it wrote.
    /// (jq --unbuffered: a tail never closes its output, so jq must not hold lines in its buffer.)
    func testKstreamStoresOnlyDoneOffsetsAndCommitsAllAtTheEnd() throws {
        let pin = Harness.unique("acks-stream"), pout = Harness.unique("acks-stream-out"), group = Harness.unique("tail")
        try seed(pin, count: 300)
        try createTopic(pout, partitions: 6)
        let r = try shell("""
            ( echo $BASHPID > "$P.pid"; exec kstream -b $B $FAST -t \(pin) -g \(group) --from beginning --acks $P ) | jq --unbuffered -c '\(Self.filter)' | kput -b $B -t \(pout) --envelope --acks $P &
            for i in $(seq 300); do
                n=$(kpull -b $B $FAST -t \(pout) --no-group -e --format value | wc -l)
                [ "$n" -ge 200 ] && break
                sleep 0.2
            done
            echo "pout $n"
            kill -TERM "$(cat "$P.pid")"
            wait
            """, socket: Harness.tempFile("acks").path)
        XCTAssertEqual(r.lines.first, "pout 200", r.stderr)
        XCTAssertEqual(try readTopic(pout).count, 200, "exactly the filtered messages")
        XCTAssertEqual(try committed(group: group, topic: pin).sum, 300, "kput's end: the dropped tail committed too")
    }
}
