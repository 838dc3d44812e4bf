import KafkaCore

/// kput's end of the `--acks` channel: connects to the reader at PATH (waiting for one to appear),
/// reports the done prefix of its input (`AckPrefix`) after each round of delivery reports, and `end`
/// when its input ended and every line was delivered. When the reader goes away, reporting stops and
/// kput goes on as without --acks.
final class AcksWriter {
    let path: String
    private var fd: Int32
    private(set) var prefix = AckPrefix()
    private var outgoing: [UInt8] = []
    private var failSaid = false
    /// The reader went away (or was never reachable).
    private(set) var gone = false

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { SystemCalls.close(fd) } }

    /// Connects to the reader at `path`, retrying every 50 ms for up to `timeoutMs` (either side may
    /// start first). A second writer is refused by the reader (exit 69); so is a reader never appearing.
    static func connect(path: String, timeoutMs: Int, stop: StopToken) throws(ToolFailure) -> AcksWriter {
        let deadline = MonotonicClock.now + UInt64(timeoutMs) * 1_000_000
        while true {
            switch SystemCalls.connectUnix(path) {
            case .connected(let fd) where fd >= 0:
                let writer = AcksWriter(path: path, fd: fd)
                try writer.handshake(deadline: deadline, stop: stop)
                return writer
            case .connected, .nobody: break
            case .failed(let error): throw ToolFailure(.unavailable, "--acks \(error)")
            }
            if MonotonicClock.now >= deadline || stop.requested() {
                throw ToolFailure(.unavailable, "--acks \(path): no reader (kpull/kstream --acks) listening after \(timeoutMs / 1000) s")
            }
            SystemCalls.sleep(milliseconds: 50)
        }
    }

    private func handshake(deadline: UInt64, stop: StopToken) throws(ToolFailure) {
        outgoing = Array(AckMessage.writer.line.utf8)
        flushOutgoing()
        var buffer = AckLineBuffer()
        var chunk = [UInt8](repeating: 0, count: 256)
        while MonotonicClock.now < deadline, !stop.requested() {
            let r = chunk.withUnsafeMutableBytes { SystemCalls.receive(fd, into: $0) }
            switch r {
            case .bytes(let n):
                guard let got = buffer.received(chunk[0..<n]) else { break }
                if got.first == .ok { return }
                if got.first == .busy { throw ToolFailure(.unavailable, "--acks \(path): another kput is already connected to this reader") }
            case .wouldBlock:
                _ = SystemCalls.waitForInput(fd, timeoutMs: 50)
                continue
            case .closed: break
            }
            break
        }
        throw ToolFailure(.unavailable, "--acks \(path): the reader did not answer")
    }

    // MARK: - The input lines

    func sent(_ id: UInt64, source: EnvelopeSource) { prefix.sent(id, topic: source.topic, partition: source.partition, offset: source.offset) }
    func rejected(_ id: UInt64) { prefix.rejected(id) }
    func acknowledged(_ id: UInt64) { prefix.acknowledged(id) }
    func failed(_ id: UInt64) { prefix.failed(id) }

    /// After a round of delivery reports: sends the prefix's new done reports, or `fail` once it is
    /// blocked for good (naming the line, `name`).
    func report(name: (UInt64) -> String) {
        guard !gone else { return }
        prefix.advance()
        if outgoing.isEmpty {
            for tp in prefix.takeReports() { outgoing += Array(AckMessage.done(tp).line.utf8) }
        }
        if let blocked = prefix.blockedAt, !failSaid, outgoing.isEmpty {
            failSaid = true
            outgoing += Array(AckMessage.fail("\(name(blocked)) was not delivered; nothing after it is done").line.utf8)
        }
        flushOutgoing()
    }

    /// The end: kput's input is over. `delivered`: every line was delivered. Sends the last reports and
    /// `end` (waiting up to 5 s for the reader to take them), then closes.
    func finish(delivered: Bool, name: (UInt64) -> String) {
        report(name: name)
        let deadline = MonotonicClock.now + 5_000_000_000
        while !outgoing.isEmpty, !gone, MonotonicClock.now < deadline {
            SystemCalls.sleep(milliseconds: 10)
            report(name: name)
        }
        if delivered, prefix.allDone, !gone { outgoing += Array(AckMessage.end.line.utf8) }
        while !outgoing.isEmpty, !gone, MonotonicClock.now < deadline {
            flushOutgoing()
            if !outgoing.isEmpty { SystemCalls.sleep(milliseconds: 10) }
        }
        if fd >= 0 { SystemCalls.close(fd) }
        fd = -1
    }

    private func flushOutgoing() {
        guard !outgoing.isEmpty, fd >= 0 else { return }
        guard let n = outgoing.withUnsafeBytes({ SystemCalls.send(fd, $0) }) else {
            gone = true
            outgoing = []
            Diagnostics.warning("--acks \(path): the reader went away; delivering the rest of the input without reporting it")
            return
        }
        outgoing.removeFirst(n)
    }
}
