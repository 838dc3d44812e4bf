import Foundation
import XCTest

/// Runs the built tools as a user would: separate processes, over TCP, against one kmock per test process.
enum Harness {
    /// Where `swift build` put kput, kpull, kstream and kmock: beside the test bundle.
    static let binDir: URL = {
        if let dir = ProcessInfo.processInfo.environment["KF_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("kput").path) { return url }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }()

    static func tool(_ name: String) -> URL { binDir.appendingPathComponent(name) }

    static let tmp: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kf-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func tempFile(_ name: String) -> URL {
        tmp.appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)")
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Fast fetches and group rejoins on the mock (README, "kmock, the local cluster"; man kmock).
    static let fastConsumer = ["-X", "fetch.wait.max.ms=10", "-X", "session.timeout.ms=6000"]

    static let kcat: String? = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

struct RunResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    /// How it ended: `.exit` (status is the exit code) or `.uncaughtSignal` (status is the signal).
    var reason: Process.TerminationReason = .exit
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var lines: [String] { EndToEndTests.lines(stdoutText) }
    var jsonLines: [[String: Any]] {
        lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
    /// 0, 141, or killed by SIGPIPE: what `cmd | head -1` may see.
    var quietPipeExit: Bool { (reason == .exit && (status == 0 || status == 141)) || (reason == .uncaughtSignal && status == SIGPIPE) }
}

/// Every process a test starts (a built tool, kcat, the witness, a shell), run as a user would run it:
/// no KAFKA_BROKERS and no developer's default config file unless the test passes them in `environment`.
/// - stdin: nothing (`/dev/null`), a file or FIFO, or a pipe the test writes (`write`, `closeStdin`).
/// - stdout: a file (the default: read it at any time with `stdoutData`/`stdoutLines`, and no pipe can
///   fill up and deadlock the child), or a pipe the test reads itself and may close early, as
///   `| head -1` does (`readLine`, `closeReader`; a file never closes on the writer).
/// - stderr: a file (`stderrText`, `stderrURL`).
/// `wait(timeout:)` ends it (failing the test) if it outlives the timeout; `signal` sends it a signal.
final class Child {
    enum Stdin {
        case null
        case file(URL)
        case pipe
    }
    enum Stdout {
        case file
        /// `capacity`: the pipe's size in bytes (F_SETPIPE_SZ), or the kernel's default.
        case pipe(capacity: Int32? = nil)
    }

    let process = Process()
    /// Where stdout goes when it is a file (the `.file` default).
    let stdoutURL = Harness.tempFile("out")
    let stderrURL = Harness.tempFile("err")
    private var stdinPipe: Pipe?
    private var stdoutPipe: Pipe?

    init(_ executable: URL, _ arguments: [String], stdin: Stdin = .null, stdout: Stdout = .file,
         environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KAFKA_BROKERS")
        // No developer's own default config file (~/.config/kafka-filters.conf): empty means none.
        env["KAFKA_FILTERS_CONFIG"] = ""
        for (k, v) in environment { env[k] = v }
        process.environment = env
        switch stdin {
        case .null: process.standardInput = FileHandle.nullDevice
        case .file(let url): process.standardInput = try FileHandle(forReadingFrom: url)
        case .pipe:
            let pipe = Pipe()
            stdinPipe = pipe
            process.standardInput = pipe
        }
        switch stdout {
        case .file:
            FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        case .pipe(let capacity):
            let pipe = Pipe()
            if let capacity {
                let F_SETPIPE_SZ: Int32 = 1031  // Linux
                XCTAssertGreaterThan(fcntl(pipe.fileHandleForReading.fileDescriptor, F_SETPIPE_SZ, capacity), 0)
            }
            stdoutPipe = pipe
            process.standardOutput = pipe
        }
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        // The child holds the write end now; with ours closed, its exit is our end of file.
        try? stdoutPipe?.fileHandleForWriting.close()
    }

    func write(_ text: String) { stdinPipe?.fileHandleForWriting.write(Data(text.utf8)) }
    func closeStdin() { try? stdinPipe?.fileHandleForWriting.close() }
    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// What the child wrote to stdout so far (a file stdout; a pipe's bytes are the reader's).
    var stdoutData: Data { stdoutPipe == nil ? (try? Data(contentsOf: stdoutURL)) ?? Data() : Data() }
    var stderrText: String { fileText(stderrURL) }
    var stdoutLines: [String] { lines(String(decoding: stdoutData, as: UTF8.self)) }

    /// Reads one line from a piped stdout a byte at a time, so nothing after it leaves the pipe; nil when
    /// none comes within `timeout` (a failure guard, not a timing assertion).
    func readLine(timeout: TimeInterval = 60) -> String? {
        guard let pipe = stdoutPipe else { return nil }
        let fd = pipe.fileHandleForReading.fileDescriptor
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var b: UInt8 = 0
            guard read(fd, &b, 1) == 1 else { return nil }
            if b == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
        }
        return nil
    }

    /// Closes the reading end of a piped stdout, as a reader that goes away does.
    func closeReader() {
        guard let pipe = stdoutPipe, !readerClosed else { return }
        readerClosed = true
        try? pipe.fileHandleForReading.close()
    }
    private var readerClosed = false

    /// Waits up to `timeout` seconds; kills it (and fails) if it does not end.
    @discardableResult
    func wait(timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line) -> RunResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            XCTFail("\(process.executableURL!.lastPathComponent) \(process.arguments!.joined(separator: " ")) did not exit within \(timeout)s", file: file, line: line)
            process.terminate()
            usleep(500_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        closeReader()
        return RunResult(status: process.terminationStatus, stdout: stdoutData, stderr: stderrText, reason: process.terminationReason)
    }

    /// Polls until `condition` holds or `timeout` passes.
    func waitFor(timeout: TimeInterval = 30, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// Polls a file until `condition` holds on its text (or `timeout` passes); returns the text.
    static func waitForFile(_ url: URL, timeout: TimeInterval = 30, _ condition: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var text = ""
        while Date() < deadline {
            text = fileText(url)
            if condition(text) { break }
            usleep(50_000)
        }
        return text
    }
}

/// Runs a tool to completion with `input` on stdin.
@discardableResult
func execute(_ tool: String, _ arguments: [String], input: Data? = nil, inputFile: URL? = nil, timeout: TimeInterval = 60,
         environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
    var stdin = inputFile
    if let input {
        let url = Harness.tempFile("in")
        try input.write(to: url)
        stdin = url
    }
    let child = try Child(Harness.tool(tool), arguments, stdin: stdin.map { .file($0) } ?? .null, environment: environment)
    return child.wait(timeout: timeout, file: file, line: line)
}

/// One kmock per test process; tests take unique topic and group names so they do not meet. A test
/// that injects faults (a broker down, errors for every request of an API, latency, a leader or
/// coordinator moved, a topic error) runs on a cluster of its own instead (`useOwnCluster()`, or every
/// test of a `FaultInjectingTestCase`), stopped when the test ends, so nothing it leaves behind reaches
/// the next. The shared cluster refuses fault commands (the test fails), so no test can forget that.
final class MockBroker: @unchecked Sendable {
    static let shared: MockBroker = {
        do {
            let mock = try MockBroker()
            atexit { MockBroker.shared.child.signal(SIGTERM) }
            return mock
        } catch { fatalError("cannot start kmock: \(error)") }
    }()

    /// The cluster of the fault-injecting test now running, if any (tests run one at a time).
    nonisolated(unsafe) static var current: MockBroker?

    let child: Child
    let bootstrap: String
    private let lock = NSLock()
    private var answersRead = 0

    init(brokers: Int = 3) throws {
        child = try Child(Harness.tool("kmock"), ["--brokers", String(brokers)], stdin: .pipe)
        var first: String? = nil
        let deadline = Date().addingTimeInterval(20)
        while first == nil && Date() < deadline {
            if let line = child.stdoutLines.first, line.contains(":") { first = line } else { usleep(20_000) }
        }
        guard let first else { throw NSError(domain: "kmock", code: 1, userInfo: [NSLocalizedDescriptionKey: child.stderrText]) }
        bootstrap = first
    }

    /// Stops this cluster and waits for kmock to exit.
    func stop() {
        child.signal(SIGTERM)
        child.wait(timeout: 20)
    }

    /// Sends a command (`topic NAME PARTITIONS`, or a fault) and returns kmock's answer ("ok" or
    /// "error: ..."). The shared cluster takes only `topic`: a fault there fails the test and is not sent.
    @discardableResult
    func command(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        if self === MockBroker.shared, text.split(separator: " ").first != "topic" {
            XCTFail("\"\(text)\" on the shared cluster would reach the tests after this one: call useOwnCluster() first", file: file, line: line)
            return "error: fault commands need a cluster of the test's own"
        }
        lock.lock()
        defer { lock.unlock() }
        child.write(text + "\n")
        answersRead += 1
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let lines = child.stdoutLines
            if lines.count > answersRead { return lines[answersRead] }
            usleep(10_000)
        }
        return "timeout"
    }
}

extension XCTestCase {
    /// The broker list for tests that need only a broker: $KAFKA_BROKERS (a real cluster) when set, else kmock.
    var brokers: String { ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? mock.bootstrap }
    /// The cluster this test runs on: its own when it injects faults, else the shared one.
    var mock: MockBroker { MockBroker.current ?? MockBroker.shared }
    var onMock: Bool { ProcessInfo.processInfo.environment["KAFKA_BROKERS"] == nil }

    func requireMock() throws {
        try XCTSkipUnless(onMock, "fault injection needs kmock")
    }

    /// Gives the running test a 3-broker kmock of its own, stopped when the test ends: call it first in a
    /// test that sends fault commands (`mock` and `brokers` then name this cluster). Nothing on $KAFKA_BROKERS;
    /// nothing more when the test has its cluster already (a `FaultInjectingTestCase`).
    func useOwnCluster() throws {
        guard onMock, MockBroker.current == nil else { return }
        let own = try MockBroker(brokers: 3)
        MockBroker.current = own
        addTeardownBlock {
            own.stop()
            MockBroker.current = nil
        }
    }

    /// Creates `topic` as a real cluster's admin would, before any consumer looks for it: kmock's `topic`
    /// command, or the witness's CreateTopics on a real cluster. (A consumer's question creates no topic
    /// on Kafka, nor on current librdkafka mocks; only 2.0.2's mock does that.)
    func createTopic(_ topic: String, partitions: Int = 4, file: StaticString = #filePath, line: UInt = #line) throws {
        if onMock {
            XCTAssertEqual(mock.command("topic \(topic) \(partitions)"), "ok", file: file, line: line)
        } else {
            _ = try witness(["create", brokers, topic, String(partitions)])
        }
    }

    /// Reads a whole topic back with the witness (Python confluent_kafka, a foreign client).
    func readTopic(_ topic: String) throws -> [WitnessRecord] {
        let r = try witness(["read", brokers, topic])
        return r.lines.compactMap { WitnessRecord(json: $0) }
    }

    /// The group's committed offsets, as the witness sees them: per partition and their sum.
    func committed(group: String, topic: String) throws -> (offsets: [Int: Int], sum: Int) {
        let r = try witness(["committed", brokers, group, topic])
        guard let obj = r.jsonLines.first, let offs = obj["offsets"] as? [String: Int], let sum = obj["sum"] as? Int else {
            XCTFail("witness: \(r.stderr)")
            return ([:], 0)
        }
        return (Dictionary(uniqueKeysWithValues: offs.map { (Int($0.key)!, $0.value) }), sum)
    }

    /// Produces messages with the witness: each spec is a JSON object with base64 key/value/headers.
    func witnessProduce(_ topic: String, specs: [String]) throws {
        let r = try witness(["produce", brokers, topic], input: jsonLinesData(specs))
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// A witness spec: base64 key/value/headers.
    func witnessSpec(key: Data? = nil, value: Data?, headers: [(String, Data?)] = [], timestamp: Int? = nil, partition: Int? = nil) -> String {
        var o: [String: Any] = [:]
        if let key { o["key"] = key.base64EncodedString() }
        if let value { o["value"] = value.base64EncodedString() }
        if !headers.isEmpty {
            o["headers"] = headers.map { name, value -> [Any] in [name, value.map { $0.base64EncodedString() as Any } ?? NSNull()] }
        }
        if let timestamp { o["timestamp"] = timestamp }
        if let partition { o["partition"] = partition }
        return String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
    }

    func witness(_ args: [String], input: Data? = nil) throws -> RunResult {
        var stdin: URL? = nil
        if let input {
            stdin = Harness.tempFile("witness-in")
            try input.write(to: stdin!)
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("witness/kafka_witness.py")
        let child = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path] + args, stdin: stdin.map { .file($0) } ?? .null)
        let r = child.wait(timeout: 60)
        XCTAssertEqual(r.status, 0, "witness \(args.first ?? ""): \(r.stderr)")
        return r
    }
}

/// One message as the witness read it: exact bytes.
struct WitnessRecord: Equatable {
    var partition: Int
    var offset: Int
    var key: Data?
    var value: Data?
    var timestamp: Int
    var headers: [Header]
    struct Header: Equatable {
        var key: String
        var value: Data?
    }

    init?(json line: String) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        partition = o["partition"] as? Int ?? -1
        offset = o["offset"] as? Int ?? -1
        key = (o["key"] as? String).flatMap { Data(base64Encoded: $0) }
        value = (o["value"] as? String).flatMap { Data(base64Encoded: $0) }
        timestamp = o["timestamp"] as? Int ?? -1
        headers = (o["headers"] as? [[Any]] ?? []).map {
            Header(key: $0[0] as? String ?? "", value: ($0[1] as? String).flatMap { Data(base64Encoded: $0) })
        }
    }
    var valueText: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A test case whose tests all inject faults: each test gets a 3-broker kmock of its own (`useOwnCluster()`),
/// stopped after it, so a broker left down or errors left queued cannot reach another test.
class FaultInjectingTestCase: XCTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try useOwnCluster()
    }
}
