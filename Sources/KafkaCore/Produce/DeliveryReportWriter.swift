/// `kput --report`: one JSON line per acknowledged message,
/// `{"line":N,"source":"-","topic":"t","partition":P,"offset":O}`, written without building a String.
/// `"offset":null` when the broker acknowledged the message without an offset: librdkafka 2.3+ counts
/// an idempotent retry that the broker answers DUPLICATE_SEQUENCE_NUMBER (it already had the first
/// copy) as delivered, with offset -1001 (unknown).
package final class DeliveryReportWriter {
    private let output: OutputWriter
    /// Per source: `,"source":"…","topic":"…","partition":` — the constant middle of a line.
    private let middles: [[UInt8]]
    private let say: (String) -> Void
    /// The reader went away (EPIPE): reporting stops, quietly; delivering goes on.
    private(set) var closed = false
    /// Any other write error: named once; kput exits 74.
    package private(set) var failed = false

    package init(sources: [String], topic: String, output: OutputWriter, say: @escaping (String) -> Void) {
        self.output = output
        self.say = say
        middles = sources.map { source in
            var out = Array(#","source":"#.utf8)
            JSONString.appendQuoted(source, to: &out)
            out += Array(#","topic":"#.utf8)
            JSONString.appendQuoted(topic, to: &out)
            out += Array(#","partition":"#.utf8)
            return out
        }
    }

    package var hasPending: Bool { !output.buffer.isEmpty }
    package var needsFlush: Bool { output.needsFlush }

    package func acknowledged(id: UInt64, partition: Int32, offset: Int64) {
        let sourceIndex = min(max(DeliveryLedger.source(of: id), 0), middles.count - 1)
        Envelope.appendLiteral(#"{"line":"#, to: &output.buffer)
        Envelope.appendInteger(DeliveryLedger.line(of: id), to: &output.buffer)
        output.buffer.append(contentsOf: middles[sourceIndex])
        Envelope.appendInteger(Int64(partition), to: &output.buffer)
        Envelope.appendLiteral(#","offset":"#, to: &output.buffer)
        if offset >= 0 { Envelope.appendInteger(offset, to: &output.buffer) } else { Envelope.appendLiteral("null", to: &output.buffer) }
        output.buffer.append(UInt8(ascii: "}"))
        output.buffer.append(0x0A)
    }

    package func flush() {
        guard !output.buffer.isEmpty, !failed, !closed else {
            output.buffer.removeAll(keepingCapacity: true)
            return
        }
        do { try output.flush() } catch {
            output.buffer.removeAll()
            // The reader of --report went away (kput --report | head): stop reporting, quietly, and keep
            // delivering; that is not an I/O failure of kput's job. Any other write error is.
            if error.isBrokenPipe {
                closed = true
            } else {
                say("stdout: \(error)")
                failed = true
            }
        }
    }
}
