import Foundation
import XCTest

/// The README's 60-second tour, run as printed: every line of its ```sh block, in one bash, on a fresh
/// kmock that the tour itself starts, with the built tools first on PATH. Each `#>` line is what the
/// command above it prints on stdout; the test checks every one, so the tour and the tools cannot drift
/// apart again (it once hung at a read of three messages from a partition that held one).
final class TourTests: XCTestCase {
    struct Step {
        var commands: [String] = []
        var expected: [String] = []
    }

    /// The tour's commands, cut into steps: each ends where its `#>` lines end.
    static func steps(readme: String) throws -> [Step] {
        let afterHeading = try XCTUnwrap(readme.components(separatedBy: "## A 60-second tour\n").dropFirst().first,
                                          "README.md has no tour")
        let block = try XCTUnwrap(afterHeading.components(separatedBy: "```sh\n").dropFirst().first)
            .components(separatedBy: "\n```\n")[0]
        var steps: [Step] = [Step()]
        for line in block.components(separatedBy: "\n") {
            if line.hasPrefix("#> ") || line == "#>" {
                steps[steps.count - 1].expected.append(String(line.dropFirst(3)))
            } else {
                if !steps[steps.count - 1].expected.isEmpty { steps.append(Step()) }
                steps[steps.count - 1].commands.append(line)
            }
        }
        return steps
    }

    func testTheReadmeTourRunsAsPrintedAndPrintsWhatItSays() throws {
        let kcat = try XCTUnwrap(Harness.kcat, "the tour uses kcat")
        _ = kcat
        let readme = try String(contentsOf: DocsTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let steps = try Self.steps(readme: readme)
        XCTAssertGreaterThan(steps.filter { !$0.expected.isEmpty }.count, 8, "the tour says what its commands print")

        let dir = Harness.tmp.appendingPathComponent(Harness.unique("tour"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Only lines the test adds around the tour's own: where to run, what to stop if it fails, and a
        // marker on stdout before each step, so each step's output can be told apart.
        var script = [
            "cd '\(dir.path)' || exit 99",
            "trap 'kill $(jobs -p) 2>/dev/null' EXIT",
            "trap 'exit 143' TERM",
        ]
        for (i, step) in steps.enumerated() {
            script.append("echo '@@step \(i)'")
            script.append(contentsOf: step.commands)
        }
        let path = dir.appendingPathComponent("tour.sh")
        try script.joined(separator: "\n").appending("\n").write(to: path, atomically: true, encoding: .utf8)

        let env = ["PATH": Harness.binDir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let r = try Child(URL(fileURLWithPath: "/bin/bash"), [path.path], environment: env).wait(timeout: 240)
        XCTAssertEqual(r.status, 0, "the tour ends with 0 (its last command stops kmock): \(r.stderr)")

        // stdout, cut at the markers: step i's lines.
        var printed: [Int: [String]] = [:]
        var current = -1
        for line in r.stdoutText.components(separatedBy: "\n") where !line.isEmpty {
            if line.hasPrefix("@@step "), let i = Int(line.dropFirst(7)) {
                current = i
                printed[i] = []
            } else {
                printed[current, default: []].append(line)
            }
        }
        XCTAssertEqual(printed.count, steps.count, "every step ran: \(r.stdoutText)\n\(r.stderr)")
        for (i, step) in steps.enumerated() {
            let what = step.commands.filter { !$0.isEmpty && !$0.hasPrefix("#") }.joined(separator: "\n")
            // Lines from several partitions come in any order: compared as a multiset.
            XCTAssertEqual((printed[i] ?? []).sorted(), step.expected.sorted(), "step \(i):\n\(what)\nstderr:\n\(r.stderr)")
        }
        // What the tour says goes to stderr does.
        XCTAssertTrue(r.stderr.contains("kput: -:2: invalid JSON"), r.stderr)
        XCTAssertTrue(r.stderr.contains("kmeta: group \"kpull.events\" is 1 message behind, over --max-lag 0"), r.stderr)
    }
}
