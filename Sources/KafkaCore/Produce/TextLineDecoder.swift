/// `kput --text`: every non-empty line is the value as it is, unvalidated, with no key.
package struct TextLineDecoder {
    package init() {}

    package func decode(_ line: UnsafeRawBufferPointer, send: (OutgoingRecord) -> Void) -> LineVerdict {
        if line.isEmpty { return .blank }
        send(OutgoingRecord(key: nil, value: line))
        return .sent
    }
}
