/// `kput --envelope`: each line is an envelope (as kpull writes it); its key, headers, timestamp and
/// value are produced exactly. The value is not the line, so the pipeline keeps the raw line while it
/// is in flight (to name and keep it if it fails). kcat's `-J` lines are read too (KcatEnvelope).
package struct EnvelopeLineDecoder {
    /// `--keep-partition`: honour the line's own partition member.
    var keepPartition = false

    package init(keepPartition: Bool = false) { self.keepPartition = keepPartition }

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
        let partition = keepPartition ? record.partition.flatMap { $0 >= 0 ? $0 : nil } : nil
        let headers = record.headers.isEmpty ? nil : record.headers.map { OutgoingHeader(name: $0.key, value: $0.value) }
        withOptionalBytes(record.key) { key in
            withOptionalBytes(record.value) { value in
                send(OutgoingRecord(key: key, value: value, headers: headers, timestamp: record.timestamp, partition: partition,
                                    keyToken: record.keyToken, valueToken: record.valueToken,
                                    keySchemaID: record.keySchemaID, valueSchemaID: record.valueSchemaID))
            }
        }
        return .sent
    }
}
