import KafkaBinding
import KafkaCore

/// Turns consumed messages into output lines and knows, after each flush, exactly which messages'
/// lines reached the output — the only offsets a tool may store or commit.
final class LineSink {
    let writer: OutputWriter
    let format: Envelope.Format
    /// How keys and values become envelope members (the codec seam): nil for today's plain fields.
    private let decoder: (any MessageFieldDecoder)?
    /// `decoder == nil`, as a plain flag: testing the optional existential per message copies it.
    private let plainFields: Bool
    /// The decoder when it is the registry's (the one codec today), typed: called directly and its
    /// generic callees specialized, not through the existential (which is copied per use).
    private let registryFields: RegistryFields?
    private let flushThreshold: Int
    private(set) var linesWritten = 0
    /// --acks: the last flush's first offset and line count per partition, in `flush`'s order.
    var countsPerPartition = false
    private(set) var lastFlushCounts: [(first: Int64, lines: Int)] = []

    /// Everything the per-message path touches, kept in one struct: a class property is checked for
    /// exclusive access at run time on every access, so each call below makes one such access to
    /// `state` (then works on it as a plain inout value) instead of one per property. The lines are
    /// built here, not in `writer.buffer`, for the same reason; the writer writes this buffer out.
    private struct State {
        var buffer: [UInt8] = []
        var lines = BufferedLines()
        /// When the oldest line still in the buffer was appended (monotonic ns).
        var oldestPendingAt: UInt64 = 0
        /// Each partition seen gets a slot, a small integer used for the per-message bookkeeping (here
        /// and in -e's drain plan) instead of hashing its topic name per message; `partitions[slot]` names it.
        var partitions: [TopicPartition] = []
        var partitionIndex: [TopicPartition: Int] = [:]
        /// Messages turned into lines so far (kpull -c, kstream --stats).
        var taken = 0
        /// [topic id][partition] → slot + 1 (0: none yet).
        var slotTable: [[Int]] = []

        mutating func slot(for message: borrowing ConsumedMessage) -> Int {
            let t = message.topicID
            let p = Int(message.partition)
            if t < slotTable.count, p >= 0, p < slotTable[t].count {
                let s = slotTable[t][p]
                if s != 0 { return s &- 1 }
            }
            return newSlot(message)
        }

        private mutating func newSlot(_ message: borrowing ConsumedMessage) -> Int {
            let key = TopicPartition(topic: message.topic, partition: message.partition)
            let index: Int
            if let i = partitionIndex[key] {
                index = i
            } else {
                index = partitions.count
                partitions.append(key)
                partitionIndex[key] = index
            }
            let t = message.topicID
            let p = Int(message.partition)
            if t >= 0, p >= 0 {
                while slotTable.count <= t { slotTable.append([]) }
                while slotTable[t].count <= p { slotTable[t].append(0) }
                slotTable[t][p] = index &+ 1
            }
            return index
        }

        /// The line for `message` with today's plain fields (`PlainFields`, through `Envelope.append`'s
        /// plain entry: called directly, nothing per message beyond it).
        mutating func append(_ message: borrowing ConsumedMessage, slot index: Int, format: Envelope.Format) throws(Envelope.ValueLineError) {
            switch format {
            case .envelope:
                let headers = Self.headers(message)
                let (topic, partition, offset, timestamp) = (message.topic, message.partition, message.offset, message.timestamp)
                message.withKey { key in
                    message.withValue { value in
                        Envelope.append(topic: topic, partition: partition, offset: offset, timestamp: timestamp,
                                        key: key, value: value, headers: headers, to: &buffer)
                    }
                }
            case .value:
                try message.withValue { (value) throws(Envelope.ValueLineError) in try Envelope.appendValueLine(value, to: &buffer) }
            }
            appended(message, slot: index)
        }

        /// The line for `message` with a codec's fields (the seam: `MessageFieldDecoder`), in one pass over
        /// its key and value: the fields prepared (throws, buffering nothing, when they cannot be written),
        /// then the line. A value that cannot be one line (`--format value`) is returned, nothing buffered.
        mutating func append(_ message: borrowing ConsumedMessage, slot index: Int, format: Envelope.Format,
                             preparing fields: some MessageFieldDecoder) throws(ToolFailure) -> Envelope.ValueLineError? {
            switch format {
            case .envelope:
                let headers = Self.headers(message)
                let (topic, partition, offset, timestamp) = (message.topic, message.partition, message.offset, message.timestamp)
                try message.withKey { (key) throws(ToolFailure) in
                    try message.withValue { (value) throws(ToolFailure) in
                        try fields.prepare(key: key, value: value)
                        Envelope.append(topic: topic, partition: partition, offset: offset, timestamp: timestamp,
                                        key: key, value: value, headers: headers, fields: fields, to: &buffer)
                    }
                }
            case .value:
                var lineError: Envelope.ValueLineError?
                try message.withValue { (value) throws(ToolFailure) in
                    try fields.prepare(key: nil, value: value)
                    do throws(Envelope.ValueLineError) { try fields.appendValueLine(value, to: &buffer) } catch { lineError = error }
                }
                if let lineError { return lineError }
            }
            appended(message, slot: index)
            return nil
        }

        private static func headers(_ message: borrowing ConsumedMessage) -> [EnvelopeHeader] {
            var headers: [EnvelopeHeader] = []
            if message.hasHeaders {
                message.forEachHeader { name, value in headers.append(EnvelopeHeader(key: name, value: value.map { Array($0) })) }
            }
            return headers
        }

        @inline(__always)
        private mutating func appended(_ message: borrowing ConsumedMessage, slot index: Int) {
            if lines.isEmpty { oldestPendingAt = MonotonicClock.now }
            taken &+= 1
            lines.appended(slot: index, next: message.offset + 1, epoch: message.leaderEpoch, end: buffer.count)
        }

        func hasWaited(_ nanoseconds: UInt64) -> Bool {
            !lines.isEmpty && MonotonicClock.now &- oldestPendingAt > nanoseconds
        }
    }
    private var state = State()

    init(writer: OutputWriter, format: Envelope.Format, fields: MessageFields = .plain) {
        self.writer = writer
        self.format = format
        if case .decoded(let d) = fields { decoder = d } else { decoder = nil }
        plainFields = decoder == nil
        registryFields = decoder as? RegistryFields
        flushThreshold = writer.flushThreshold
        state.buffer.reserveCapacity(writer.flushThreshold + 4096)
    }

    var isEmpty: Bool { state.buffer.isEmpty }
    /// Messages turned into lines so far (each counted once it is in the buffer).
    var messagesTaken: Int { state.taken }
    /// The buffer is full enough for one large write.
    var needsFlush: Bool { state.buffer.count >= flushThreshold }
    /// A line has waited in the buffer longer than `nanoseconds`.
    func hasWaited(_ nanoseconds: UInt64) -> Bool { state.hasWaited(nanoseconds) }
    /// The output is a pipe nobody reads any more.
    var readerGone: Bool { writer.readerGone }

    /// The slot of `message`'s partition, given it on first sight.
    func slot(for message: borrowing ConsumedMessage) -> Int { state.slot(for: message) }

    /// The partition of a slot.
    func partition(ofSlot slot: Int) -> TopicPartition { state.partitions[slot] }

    /// Buffers the line for `message`, whose partition has `slot`. A codec's fields are prepared first:
    /// when they cannot be written (an unknown schema id, a body that does not decode) this throws,
    /// buffering nothing. A value that cannot be one line (`--format value`: a tombstone, binary, a
    /// line break) is returned, nothing buffered.
    func add(_ message: borrowing ConsumedMessage, slot index: Int) throws(ToolFailure) -> Envelope.ValueLineError? {
        // The plain path passes no decoder: no existential is copied or called per message.
        if plainFields {
            do throws(Envelope.ValueLineError) { try state.append(message, slot: index, format: format) } catch { return error }
            return nil
        }
        // The registry's fields (the one codec today) typed, so the call is specialized; any other codec
        // through the existential.
        if let registryFields { return try state.append(message, slot: index, format: format, preparing: registryFields) }
        return try state.append(message, slot: index, format: format, preparing: decoder!)
    }

    /// Writes the buffer out. Returns the next offsets of every partition whose lines were written in full,
    /// and the write failure, if any (lines after the failure point are not counted as written).
    func flush() -> (written: [TopicPartition], failure: OutputFailure?) {
        guard !state.buffer.isEmpty else { return ([], nil) }
        var failure: OutputFailure? = nil
        var writtenBytes = state.buffer.count
        do {
            try writer.flush(&state.buffer)
        } catch {
            failure = error
            writtenBytes = error.bytesWritten
            state.buffer.removeAll()
        }
        let (best, count, perSlot) = state.lines.written(bytes: writtenBytes, countPerSlot: countsPerPartition)
        linesWritten += count
        let written = best.map { index, last in
            TopicPartition(topic: state.partitions[index].topic, partition: state.partitions[index].partition,
                           offset: last.next, leaderEpoch: last.epoch)
        }
        if countsPerPartition {
            lastFlushCounts = best.map { index, _ in perSlot[index].map { ($0.first, $0.lines) } ?? (0, 0) }
        }
        return (written, failure)
    }

    /// Reopens the output file after SIGHUP; the buffer must have been flushed first.
    func reopen() throws(IOError) { try writer.reopen() }
}

/// The lines in a LineSink's buffer, in order: each line's partition slot, the offset after its message,
/// and where in the buffer it ends. After a write of the buffer's first `bytes` (all of it, or fewer when
/// the write failed part way), only lines that end within those bytes were written in full: only their
/// offsets may be stored or committed.
struct BufferedLines {
    /// Consecutive written lines of one slot, as `written` sums them up.
    private struct Run {
        var slot: Int
        var next: Int64
        var epoch: Int32
        var first: Int64
        var lines: Int
    }

    private struct Line {
        var slot: Int
        var next: Int64
        /// The leader epoch of the message (-1 before librdkafka 2.1): committed with its offset.
        var epoch: Int32
        var end: Int
    }
    private var lines: [Line] = []

    var isEmpty: Bool { lines.isEmpty }

    mutating func appended(slot: Int, next: Int64, epoch: Int32 = -1, end: Int) {
        lines.append(Line(slot: slot, next: next, epoch: epoch, end: end))
    }

    /// After the buffer's first `bytes` reached the output: per slot, the offset after its last line
    /// written in full (with that message's leader epoch), and how many lines were. Forgets every line
    /// (the buffer is emptied either way).
    /// With `countPerSlot` (--acks), also each slot's first line's offset and its line count.
    mutating func written(bytes: Int, countPerSlot: Bool = false) -> (next: [Int: (next: Int64, epoch: Int32)], count: Int, perSlot: [Int: (first: Int64, lines: Int)]) {
        var best: [Int: (next: Int64, epoch: Int32)] = [:]
        var perSlot: [Int: (first: Int64, lines: Int)] = [:]
        var count = 0
        // A fetched batch arrives as a run of lines of one slot: the dictionaries are updated once per run,
        // not per line (hashing per line was most of this function's cost, and with --acks twice over).
        var run = Run(slot: -1, next: -1, epoch: -1, first: 0, lines: 0)
        func merge(_ r: Run) {
            guard r.lines > 0 else { return }
            if r.next > best[r.slot]?.next ?? -1 { best[r.slot] = (r.next, r.epoch) }
            if countPerSlot {
                if let c = perSlot[r.slot] { perSlot[r.slot] = (min(c.first, r.first), c.lines + r.lines) } else { perSlot[r.slot] = (r.first, r.lines) }
            }
        }
        for line in lines where line.end <= bytes {
            count += 1
            if line.slot == run.slot {
                if line.next > run.next { (run.next, run.epoch) = (line.next, line.epoch) }
                run.first = min(run.first, line.next - 1)
                run.lines += 1
            } else {
                merge(run)
                run = Run(slot: line.slot, next: line.next, epoch: line.epoch, first: line.next - 1, lines: 1)
            }
        }
        merge(run)
        lines.removeAll(keepingCapacity: true)
        return (best, count, perSlot)
    }
}
