/// Where DeliveryLedger keeps bad and undelivered lines (kput --rejects): the ledger decides what is
/// kept and names a failure once; the sink does the I/O (RejectsFile in KafkaFilters writes a file).
package protocol RejectsSink: AnyObject {
    /// Takes `bytes` (then a newline when `endOfLine`: a line may come in pieces); may write what it
    /// holds. Throws when writing failed.
    func keep(_ bytes: UnsafeRawBufferPointer, endOfLine: Bool) throws(OutputFailure)
    /// Writes all it holds.
    func flush() throws(OutputFailure)
}
