import KafkaCore

/// kput's --rejects file: the lines DeliveryLedger keeps, appended (created 0644) and written in
/// blocks of OutputWriter's threshold, and at the end.
final class RejectsFile: RejectsSink {
    private let output: OutputWriter

    init(path: String) throws(IOError) {
        output = try OutputWriter(appendingTo: path)
    }

    func keep(_ bytes: UnsafeRawBufferPointer, endOfLine: Bool) throws(OutputFailure) {
        output.append(bytes)
        if endOfLine { output.append(newline: ()) }
        if output.needsFlush { try output.flush() }
    }

    func flush() throws(OutputFailure) { try output.flush() }
}
