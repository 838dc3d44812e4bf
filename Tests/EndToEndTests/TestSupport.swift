import Foundation
import XCTest

// Helpers shared by the end-to-end test classes (the processes and the clusters: Harness.swift).

// MARK: - Lines and files

/// The tests' one line reader: the lines of `text` (a child's stdout or stderr, a file's contents),
/// without their newlines; empty lines are dropped.
func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

/// A file's text as UTF-8, or "" when it does not exist (yet) or is not UTF-8.
func fileText(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

/// `items`, each followed by a newline: input for a tool, byte for byte.
func lineData(_ items: [Data]) -> Data {
    var d = Data()
    for i in items {
        d.append(i)
        d.append(0x0A)
    }
    return d
}

/// JSON lines (or any lines of text) as input for a tool.
func jsonLinesData(_ objects: [String]) -> Data { lineData(objects.map { Data($0.utf8) }) }

// MARK: - kput's stderr and --report

/// Line numbers named on stderr for `source`, in order: `kput: SOURCE:N: reason`.
func namedLines(_ stderr: String, source: String = "-") -> [Int] {
    let prefix = "kput: \(source):"
    return stderr.split(separator: "\n").compactMap { line in
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return Int(rest[..<colon])
    }
}

/// N from `kput: stopped reading after -:N (...)`.
func stoppedAfter(_ stderr: String) -> Int? {
    guard let range = stderr.range(of: "stopped reading after -:") else { return nil }
    return Int(stderr[range.upperBound...].prefix { $0.isNumber })
}

struct ReportLine: Decodable {
    var line: Int
    var source: String
    var topic: String
    var partition: Int
    /// nil: acknowledged without an offset (a retry the broker already had; librdkafka 2.3+).
    var offset: Int?
}

func reportLines(_ data: Data) -> [ReportLine] {
    data.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(ReportLine.self, from: Data($0)) }
}

func multiset(_ items: [Data]) -> [Data: Int] { items.reduce(into: [:]) { $0[$1, default: 0] += 1 } }

func fileSize(_ url: URL) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
}

func lineCount(_ url: URL) -> Int {
    ((try? Data(contentsOf: url)) ?? Data()).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
}

/// A FIFO a child reads as stdin while the test writes to it. The test holds it open read-write, so the
/// child's open never blocks, a write never raises SIGPIPE, and the child sees end-of-file only on `close()`.
final class StdinFIFO {
    let url = Harness.tempFile("fifo")
    private var fd: Int32 = -1

    init() throws {
        guard mkfifo(url.path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        fd = open(url.path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Writes what fits in the pipe now; returns the number of bytes written.
    func writeSome(_ data: Data) -> Int {
        guard fd >= 0, !data.isEmpty else { return 0 }
        let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return max(n, 0)
    }

    /// Writes `lines` whole, waiting for `reader` to make room (gives up if it has exited).
    func write<S: Sequence>(_ lines: S, while reader: Child) where S.Element == String {
        var data = Data(lines.joined(separator: "\n").utf8)
        data.append(0x0A)
        while !data.isEmpty && reader.process.isRunning {
            let n = writeSome(data)
            data.removeFirst(n)
            if n == 0 { usleep(1000) }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

// MARK: - The consumer tests (kpull, kstream)

/// The partitions a consumer run with -v holds now, from its "assigned"/"revoked" lines.
func currentAssignment(_ stderr: String) -> Set<Int> {
    var held = Set<Int>()
    for line in stderr.split(separator: "\n") {
        let words = line.split(separator: " ")
        guard words.count >= 2 else { continue }
        let partitions = words.dropFirst(2).compactMap { w -> Int? in
            guard let open = w.lastIndex(of: "["), w.last == "]" else { return nil }
            return Int(w[w.index(after: open)..<w.index(before: w.endIndex)])
        }
        if words[1] == "assigned" { held.formUnion(partitions) }
        if words[1] == "revoked" { held.subtract(partitions) }
    }
    return held
}

/// One output line of kpull/kstream, reduced to what the tests compare.
struct OutLine: Hashable {
    var partition: Int
    var offset: Int
    var n: Int
    var position: String { "\(partition):\(offset)" }

    /// Parses envelope lines whose value is `{"k":...,"n":N,...}`; a line that is not one fails the test.
    static func parse(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) -> [OutLine] {
        lines.compactMap { text in
            guard let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let p = o["partition"] as? Int, let off = o["offset"] as? Int,
                let n = (o["value"] as? [String: Any])?["n"] as? Int
            else {
                XCTFail("not an envelope line: \(text.prefix(200))", file: file, line: line)
                return nil
            }
            return OutLine(partition: p, offset: off, n: n)
        }
    }
}

extension XCTestCase {
    /// Waits until two members (run with -v) hold disjoint, non-empty assignments covering all four
    /// partitions of a new topic: the group has settled and each partition has one reader.
    func waitForSplit(_ a: Child, _ b: Child, partitions: Int = 4) -> Bool {
        a.waitFor(timeout: 60) {
            let pa = currentAssignment(a.stderrText), pb = currentAssignment(b.stderrText)
            return !pa.isEmpty && !pb.isEmpty && pa.isDisjoint(with: pb) && pa.union(pb).count == partitions
        }
    }

    /// Produces `{"k":"k<i>","n":i}` for each i, keyed by k so they spread over the partitions.
    func produceNumbered(_ topic: String, _ range: Range<Int>, padding: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        let pad = padding.isEmpty ? "" : #","pad":"\#(padding)""#
        let input = range.map { #"{"k":"k\#($0)","n":\#($0)\#(pad)}"# }
        let r = try execute("kput", ["-b", brokers, "-t", topic, "-k", "k"], input: jsonLinesData(input), file: file, line: line)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    }

    /// Every committed offset covers only lines that were written: for each partition, every offset
    /// below the committed one appears in `written`.
    func assertCommittedOnlyWritten(group: String, topic: String, written: [OutLine], file: StaticString = #filePath, line: UInt = #line) {
        guard let offsets = try? committed(group: group, topic: topic).offsets else { return XCTFail("witness", file: file, line: line) }
        let seen = Dictionary(grouping: written, by: \.partition).mapValues { Set($0.map(\.offset)) }
        for (partition, committed) in offsets where committed > 0 {
            let have = seen[partition] ?? []
            let missing = (0..<committed).filter { !have.contains($0) }
            XCTAssertEqual(missing, [], "partition \(partition) committed at \(committed) but these were never written", file: file, line: line)
        }
    }
}

/// A flag the test sets and a feeder thread reads; the lock makes the unchecked Sendable safe.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

/// Hands a value to another thread; the user says why that is safe where it is made.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
