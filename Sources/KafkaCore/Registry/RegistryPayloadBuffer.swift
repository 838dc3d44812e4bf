/// Where kput's registry encoder builds one framed key or value (`RegistryRecordEncoder`), kept across
/// lines: the framing header and the body in memory it owns, so that a body the fast path writes
/// (`AvroEncoder.framePlainShapes`) is handed to the producer in place (librdkafka copies it) instead of
/// being copied into an array first. It grows to the largest payload encoded so far (one key or value of
/// one line, so bounded by kput's line length limit times the encoding's expansion) and is reused.
package final class RegistryPayloadBuffer {
    /// The encoder's record slots (`AvroOutput.slots`), then the payload.
    private var region: UnsafeMutableRawPointer
    /// Bytes the payload may take; never less than a header and a whole output buffer.
    private var capacity: Int
    /// The payload's length.
    package private(set) var count = 0

    static let slotBytes = AvroOutput.slotCapacity &* MemoryLayout<Int>.stride
    static let minimumCapacity = RegistryFraming.headerSize &+ AvroOutput.capacity

    package init() {
        capacity = Self.minimumCapacity
        region = .allocate(byteCount: Self.slotBytes &+ capacity, alignment: 16)
    }

    deinit { region.deallocate() }

    /// The payload written last.
    package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: region + Self.slotBytes, count: count) }

    var start: UnsafeMutablePointer<UInt8> { (region + Self.slotBytes).assumingMemoryBound(to: UInt8.self) }
    var slots: UnsafeMutablePointer<Int> { region.assumingMemoryBound(to: Int.self) }

    /// The payload is the first `length` bytes at `start` (written there).
    func setCount(_ length: Int) { count = length }

    /// The payload is `bytes`.
    package func set(_ bytes: [UInt8]) {
        count = 0
        append(bytes, after: 0)
    }

    /// The payload is its first `keep` bytes (already written) followed by `bytes`.
    func append(_ bytes: [UInt8], after keep: Int) {
        let total = keep &+ bytes.count
        if total > capacity {
            let grown = max(total, capacity &* 2)
            let larger = UnsafeMutableRawPointer.allocate(byteCount: Self.slotBytes &+ grown, alignment: 16)
            larger.copyMemory(from: region, byteCount: Self.slotBytes &+ keep)
            region.deallocate()
            region = larger
            capacity = grown
        }
        bytes.withUnsafeBytes { body in
            if let from = body.baseAddress { (region + (Self.slotBytes &+ keep)).copyMemory(from: from, byteCount: body.count) }
        }
        count = total
    }
}

extension AvroEncoder {
    /// The plain shapes only (`AvroFastEncoder`) as a registry payload: the framing header with `id`, then
    /// the body, written in `payload`'s own memory (the output's buffer is the payload, so a body that
    /// fits it, most do, is written once and not copied). `program`'s pointers come from the schema's
    /// `encoderProgram`, which the caller keeps alive. False, `payload` undefined, when the general walk
    /// (`appendBinary`) must decide, which then also names any error.
    static func framePlainShapes(json: UnsafeRawBufferPointer, program: AvroJSONWalk.Program, root: Int, natural: Bool,
                                 id: Int32, into payload: RegistryPayloadBuffer) -> Bool {
        guard let base = json.baseAddress, json.count > 0 else { return false }
        let start = payload.start
        RegistryFraming.writeHeader(id: id, to: start)
        var output = AvroOutput(base: start + RegistryFraming.headerSize, out: [], slots: payload.slots)
        var encoder = AvroFastEncoder(base.assumingMemoryBound(to: UInt8.self), json.count, program: program, natural: natural)
        guard encoder.document(root, to: &output) else { return false }
        if output.out.isEmpty {
            payload.setCount(RegistryFraming.headerSize &+ output.n)
        } else {
            // Longer than the output's buffer: the body's start went to the array.
            output.flush()
            payload.append(output.out, after: RegistryFraming.headerSize)
        }
        return true
    }
}
