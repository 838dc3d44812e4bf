import KafkaBinding
import KafkaCore

/// kmock's fault commands, one a line on stdin: `down ID`, `up ID`, `rtt ID MS`, `errors API COUNT CODE`,
/// `topic NAME PARTITIONS`, `leader TOPIC PARTITION ID`, `coordinator GROUP ID`, `clear API`,
/// `topic-error NAME CODE` (what Metadata says of the topic; 0 clears it).
enum MockCommand: Equatable, Sendable {
    case down(Int32)
    case up(Int32)
    case rtt(Int32, Int32)
    case errors(api: Int16, count: Int, code: Int32)
    case clear(api: Int16)
    case topic(String, Int32)
    case leader(String, Int32, Int32)
    case coordinator(String, Int32)
    case topicError(String, Int32)

    static let help =
        "commands: down ID | up ID | rtt ID MS | errors API COUNT CODE | clear API | topic NAME PARTITIONS | leader TOPIC PARTITION ID | coordinator GROUP ID | topic-error NAME CODE"

    init(parsing line: String) throws(ToolFailure) {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        func bad(_ why: String) -> ToolFailure { ToolFailure(.usage, "\(why) (\(MockCommand.help))") }
        func int32(_ s: String) throws(ToolFailure) -> Int32 {
            guard let v = Int32(s) else { throw bad("not a number: \(s)") }
            return v
        }
        guard let verb = words.first else { throw bad("empty command") }
        switch (verb, words.count) {
        case ("down", 2): self = .down(try int32(words[1]))
        case ("up", 2): self = .up(try int32(words[1]))
        case ("rtt", 3): self = .rtt(try int32(words[1]), try int32(words[2]))
        case ("errors", 4):
            guard let api = MockCluster.apiKey(named: words[1]) else { throw bad("unknown API \(words[1])") }
            guard let count = Int(words[2]), count > 0, count <= 100_000 else { throw bad("bad count \(words[2])") }
            guard let code = MockCluster.errorCode(named: words[3]) else { throw bad("unknown error code \(words[3])") }
            self = .errors(api: api, count: count, code: code)
        case ("clear", 2):
            guard let api = MockCluster.apiKey(named: words[1]) else { throw bad("unknown API \(words[1])") }
            self = .clear(api: api)
        case ("topic", 3):
            let parts = try int32(words[2])
            guard parts > 0 else { throw bad("partitions must be positive") }
            self = .topic(words[1], parts)
        case ("leader", 4): self = .leader(words[1], try int32(words[2]), try int32(words[3]))
        case ("coordinator", 3): self = .coordinator(words[1], try int32(words[2]))
        case ("topic-error", 3):
            guard let code = MockCluster.errorCode(named: words[2]) else { throw bad("unknown error code \(words[2])") }
            self = .topicError(words[1], code)
        default: throw bad("unknown command \"\(verb)\" or wrong number of arguments")
        }
    }

    /// Applies the command; nil on success, else the error line to answer with.
    func apply(to cluster: MockCluster) -> String? {
        let error: KafkaError?
        switch self {
        case .down(let id): error = cluster.setBroker(id, up: false)
        case .up(let id): error = cluster.setBroker(id, up: true)
        case .rtt(let id, let ms): error = cluster.setRoundTripTime(broker: id, milliseconds: ms)
        case .errors(let api, let count, let code):
            cluster.pushRequestErrors(apiKey: api, count: count, code: code)
            error = nil
        case .clear(let api):
            cluster.clearRequestErrors(apiKey: api)
            error = nil
        case .topic(let name, let parts): error = cluster.createTopic(name, partitions: parts)
        case .leader(let topic, let p, let id): error = cluster.setPartitionLeader(topic: topic, partition: p, broker: id)
        case .coordinator(let group, let id): error = cluster.setCoordinator(group: group, broker: id)
        case .topicError(let topic, let code):
            cluster.setTopicError(topic, code: code)
            error = nil
        }
        return error.map { "error: \($0.message)" }
    }
}

/// Runs kmock's command loop: answers each stdin command with `ok` or `error: ...` on stdout, and keeps
/// the cluster up after stdin ends, until SIGINT/SIGTERM.
func runMockControlLoop(cluster: MockCluster) {
    let out = OutputWriter()
    var stdinOpen = true
    var pending: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while !Signals.stopRequested {
        guard stdinOpen else {
            SystemCalls.sleep(milliseconds: 100)
            continue
        }
        guard case .ready = SystemCalls.waitForInput(0, timeoutMs: 200) else { continue }
        let got = chunk.withUnsafeMutableBytes { b in
            Result { () throws(IOError) in try SystemCalls.read(0, into: b.baseAddress!, count: b.count) }
        }
        let n: Int
        switch got {
        case .success(let count?): n = count
        case .success(nil): continue  // a signal: the loop looks at it
        case .failure(let error):
            if !error.isWouldBlock { stdinOpen = false }
            continue
        }
        if n == 0 {
            stdinOpen = false
            continue
        }
        pending.append(contentsOf: chunk[0..<n])
        while let nl = pending.firstIndex(of: 0x0A) {
            let line = String(decoding: pending[..<nl], as: UTF8.self).trimmed
            pending.removeSubrange(...nl)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let answer: String
            do {
                answer = try MockCommand(parsing: line).apply(to: cluster) ?? "ok"
            } catch {
                answer = "error: \(error.message)"
            }
            out.append(Array((answer + "\n").utf8))
            try? out.flush()
        }
    }
}
