import KafkaCore

/// The reader's end of the `--acks` channel (kpull, kstream): listens at PATH, takes one writer (kput),
/// and hands on what it reports. Never blocks: `poll` takes what has arrived.
///
/// PATH: if a socket is there and nobody answers on it, it is a stale one left by a killed run: it is
/// removed. If a reader answers, this one refuses to start (exit 69). Anything else at PATH is left alone
/// (exit 64). The socket is removed at the end.
final class AcksListener {
    let path: String
    private var listenFD: Int32
    private var writer: (fd: Int32, buffer: AckLineBuffer)?
    /// Connections that have not said who they are yet.
    private var candidates: [(fd: Int32, buffer: AckLineBuffer)] = []
    /// A writer has connected at some point.
    private(set) var hadWriter = false
    /// What the channel said that ends it.
    enum Ending: Equatable {
        case end
        /// The writer said it could not deliver a line.
        case failed(String)
        /// The writer went away without `end` (kput died), or broke the protocol.
        case closed
    }
    private(set) var ending: Ending?

    init(path: String) throws(ToolFailure) {
        self.path = path
        switch SystemCalls.kind(of: path) {
        case .none: break
        case .other: throw ToolFailure(.usage, "--acks \(path): exists and is not a socket")
        case .socket:
            switch SystemCalls.connectUnix(path) {
            case .connected(let fd):
                if fd >= 0 { SystemCalls.close(fd) }
                throw ToolFailure(.unavailable, "--acks \(path): another reader is listening there")
            case .nobody:
                // A stale socket: its reader was killed.
                SystemCalls.unlink(path)
            case .failed(let error):
                throw ToolFailure(.unavailable, "--acks \(path): \(error)")
            }
        }
        do { listenFD = try SystemCalls.listenUnix(path) } catch {
            throw ToolFailure(.unavailable, "--acks: cannot listen at \(error)")
        }
    }

    deinit { close() }

    func close() {
        guard listenFD >= 0 else { return }
        SystemCalls.close(listenFD)
        listenFD = -1
        if let w = writer { SystemCalls.close(w.fd) }
        writer = nil
        for c in candidates { SystemCalls.close(c.fd) }
        candidates = []
        SystemCalls.unlink(path)
    }

    /// Accepts connections and reads what the writer sent: its `done` reports, in order (and `ending`
    /// once the channel ends).
    func poll() -> [TopicPartition] {
        guard listenFD >= 0 else { return [] }
        while let fd = SystemCalls.accept(listenFD) { candidates.append((fd, AckLineBuffer())) }
        var i = 0
        while i < candidates.count {
            switch read(&candidates[i], isWriter: false) {
            case .none:
                i += 1
            case .some(let messages) where messages.first == .writer:
                let c = candidates.remove(at: i)
                if writer != nil || ending != nil {
                    send(.busy, to: c.fd)
                    SystemCalls.close(c.fd)
                    Diagnostics.verbose("--acks: refused a second writer")
                } else {
                    send(.ok, to: c.fd)
                    writer = c
                    hadWriter = true
                    Diagnostics.verbose("--acks: writer connected")
                }
            case .some:
                // Closed or said something else first (a second reader probing): dropped.
                SystemCalls.close(candidates.remove(at: i).fd)
            }
        }
        guard writer != nil else { return [] }
        var done: [TopicPartition] = []
        var conn = writer!
        let got = read(&conn, isWriter: true)
        writer = conn
        guard let messages = got else { return [] }
        for m in messages {
            switch m {
            case .done(let tp): if ending == nil { done.append(tp) }
            case .end: if ending == nil { ending = .end }
            case .fail(let reason): if ending == nil { ending = .failed(reason) }
            case .writer, .ok, .busy: ending = ending ?? .closed
            }
        }
        if ending != nil || writerClosed {
            SystemCalls.close(writer!.fd)
            writer = nil
            if ending == nil { ending = .closed }
        }
        return done
    }

    private var writerClosed = false
    /// The receive buffer, reused: `poll` runs after every write-out.
    private var chunk = [UInt8](repeating: 0, count: 16384)

    /// nil: nothing new; otherwise the complete messages received (an empty array with `writerClosed`
    /// for the writer, or `[.busy]` standing for "closed" for a candidate).
    private func read(_ conn: inout (fd: Int32, buffer: AckLineBuffer), isWriter: Bool) -> [AckMessage]? {
        var all: [AckMessage] = []
        while true {
            let r = chunk.withUnsafeMutableBytes { SystemCalls.receive(conn.fd, into: $0) }
            switch r {
            case .bytes(let n):
                guard let got = conn.buffer.received(chunk[0..<n]) else {
                    Diagnostics.warning("--acks \(path): the writer broke the protocol")
                    return closedResult(isWriter, all)
                }
                all += got
            case .wouldBlock:
                return all.isEmpty ? nil : all
            case .closed:
                return closedResult(isWriter, all)
            }
        }
    }

    private func closedResult(_ isWriter: Bool, _ got: [AckMessage]) -> [AckMessage] {
        if isWriter {
            writerClosed = true
            return got
        }
        // A candidate that closed: anything but a first `writer` drops it.
        return got.isEmpty ? [.busy] : got
    }

    private func send(_ message: AckMessage, to fd: Int32) {
        let bytes = Array(message.line.utf8)
        // A reply of a few bytes on a new connection always fits its socket buffer; a peer gone is fine.
        _ = bytes.withUnsafeBytes { SystemCalls.send(fd, $0) }
    }
}
