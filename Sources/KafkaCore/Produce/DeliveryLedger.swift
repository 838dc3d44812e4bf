/// kput's books: every line read ends here exactly once, as rejected (a bad line), delivered
/// (acknowledged by the broker) or failed (not sent, or not acknowledged). Failed and rejected lines are
/// named (`source:line: reason`) and kept in the rejects file; a delivery report is matched to its line
/// by the message id, which packs the source's index and the line number.
package final class DeliveryLedger {
    static let lineBits: UInt64 = 40

    /// The message id of line `line` (1-based) of source `source` (0-based).
    @inline(__always)
    package static func id(source: Int, line: Int) -> UInt64 { (UInt64(source + 1) << lineBits) | UInt64(line) }

    static func source(of id: UInt64) -> Int { Int(id >> lineBits) - 1 }
    static func line(of id: UInt64) -> Int64 { Int64(id & ((1 << lineBits) - 1)) }

    /// Where the line of message `id` is.
    package static func position(of id: UInt64) -> LinePosition { LinePosition(source: source(of: id), line: Int(line(of: id))) }

    private let sources: [String]
    /// Where kept lines go (the --rejects file): the ledger decides what is kept, the sink writes it.
    private var rejects: (any RejectsSink)?
    private let say: (String) -> Void
    /// Raw lines in flight, by id, for modes whose payload is not the line (--envelope): the line is what
    /// is kept in --rejects if the message fails.
    private var inFlightLines: [UInt64: [UInt8]] = [:]

    package private(set) var badLines = 0
    package private(set) var delivered = 0
    package private(set) var failed = 0
    /// The rejects file could not be written (named once; kput then exits 74).
    package private(set) var rejectsFailed = false

    /// `say` names a line (Diagnostics.error in kput).
    package init(sources: [String], rejects: (any RejectsSink)?, say: @escaping (String) -> Void) {
        self.sources = sources
        self.rejects = rejects
        self.say = say
    }

    package func name(_ id: UInt64) -> String {
        let index = Self.source(of: id)
        let source = index >= 0 && index < sources.count ? sources[index] : "?"
        return "\(source):\(Self.line(of: id))"
    }

    /// A bad line: named and kept.
    package func rejected(_ line: UnsafeRawBufferPointer, id: UInt64, reason: String) {
        badLines += 1
        say("\(name(id)): \(reason)")
        keep(line, endOfLine: true)
    }

    /// A piece of a line longer than --max-line-bytes: the line is named once (on its first piece) and
    /// streamed to the rejects file piece by piece, never held whole.
    package func overlong(_ piece: UnsafeRawBufferPointer, id: UInt64, first: Bool, last: Bool, maxLineBytes: Int) {
        if first {
            badLines += 1
            say("\(name(id)): line longer than \(maxLineBytes) bytes")
        }
        keep(piece, endOfLine: last)
    }

    /// The line's message was queued and its value is not the line: keep the line until it is settled.
    package func holdLine(_ line: UnsafeRawBufferPointer, id: UInt64) {
        inFlightLines[id] = Array(line)
    }

    /// A held line found bad only when queued (its own partition is not one of the topic's): a bad line
    /// of the input, named and kept, not a failed delivery.
    package func rejectedWhenQueued(_ id: UInt64, reason: String) {
        badLines += 1
        say("\(name(id)): \(reason)")
        if let raw = inFlightLines.removeValue(forKey: id) { raw.withUnsafeBytes { keep($0, endOfLine: true) } }
    }

    /// The broker acknowledged the message.
    package func acknowledged(_ id: UInt64) {
        delivered += 1
        if !inFlightLines.isEmpty { inFlightLines.removeValue(forKey: id) }
    }

    /// The message was not sent or not acknowledged: named, and its line (or its value) kept.
    package func failed(_ id: UInt64, payload: UnsafeRawBufferPointer?, reason: DeliveryFailure) {
        failed += 1
        say("\(name(id)): \(reason.reason)")
        if let raw = inFlightLines.removeValue(forKey: id) {
            raw.withUnsafeBytes { keep($0, endOfLine: true) }
        } else {
            keep(payload ?? UnsafeRawBufferPointer(start: nil, count: 0), endOfLine: true)
        }
    }

    /// Messages librdkafka never reported: counted as failed, never as sent.
    package func neverReported(_ count: Int) {
        guard count > 0 else { return }
        failed += count
        say("\(count) messages were never reported by librdkafka; they count as not delivered")
    }

    /// Writes what is buffered for the rejects file; false (and named) if that fails.
    package func flushRejects() -> Bool {
        guard let rejects else { return !rejectsFailed }
        do {
            try rejects.flush()
            return true
        } catch {
            rejectsFailed(error)
            return false
        }
    }

    private func keep(_ bytes: UnsafeRawBufferPointer, endOfLine: Bool) {
        guard let rejects else { return }
        do { try rejects.keep(bytes, endOfLine: endOfLine) } catch { rejectsFailed(error) }
    }

    private func rejectsFailed(_ error: OutputFailure) {
        say("rejects file: \(error)")
        rejectsFailed = true
        rejects = nil
    }
}
