/// `kput --envelope`: each line is an envelope (as kpull writes it); its key, headers, timestamp and
/// value are produced exactly. The value is not the line, so the pipeline keeps the raw line while it
/// is in flight (to name and keep it if it fails). kcat's `-J` lines are read too (KcatEnvelope).
package struct EnvelopeLineDecoder {
    /// `--keep-partition`: honour the line's own partition member.
    var keepPartition = false
    /// `--acks`: each line must name its source message (topic, partition, offset), or it is a bad line.
    var requireSource = false

    package init(keepPartition: Bool = false, requireSource: Bool = false) {
        self.keepPartition = keepPartition
        self.requireSource = requireSource
    }

    /// Why a line without its source members is bad under --acks.
    package static let noSource = "no source members (topic, partition, offset): --acks needs the envelope kpull wrote; keep it through the filter (jq '.value |= ...', not '.value')"

    /// The reason a line whose own partition (`--keep-partition`) the topic lacks is a bad line.
    package static func unknownPartition(_ partition: Int32, topic: String, partitions: Int) -> String {
        "partition \(partition): topic \"\(topic)\" has \(partitions) partition\(partitions == 1 ? "" : "s") (0-\(max(partitions - 1, 0)))"
    }

    package func decode(_ line: UnsafeRawBufferPointer, send: (OutgoingRecord) -> Void) -> LineVerdict {
        if isBlankLine(line) { return .blank }
        let record: EnvelopeRecord
        do throws(EnvelopeError) {
            if let kcat = try KcatEnvelope.decode(line) { record = kcat } else { record = try Envelope.decode(line) }
        } catch {
            return .bad(error.description)
        }
        var source: EnvelopeSource? = nil
        if requireSource {
            guard let t = record.topic, let p = record.partition, p >= 0, let o = record.offset, o >= 0 else { return .bad(Self.noSource) }
            source = EnvelopeSource(topic: t, partition: p, offset: o)
        }
        let partition = keepPartition ? record.partition.flatMap { $0 >= 0 ? $0 : nil } : nil
        let headers = record.headers.isEmpty ? nil : record.headers.map { OutgoingHeader(name: $0.key, value: $0.value) }
        withOptionalBytes(record.key) { key in
            withOptionalBytes(record.value) { value in
                send(OutgoingRecord(key: key, value: value, headers: headers, timestamp: record.timestamp, partition: partition,
                                    keyToken: record.keyToken, valueToken: record.valueToken,
                                    keySchemaID: record.keySchemaID, valueSchemaID: record.valueSchemaID, source: source))
            }
        }
        return .sent
    }
}
