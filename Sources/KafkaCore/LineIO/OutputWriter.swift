/// Buffered output with explicit flush points: a tool appends lines, calls `flush()`, and only then
/// may say those lines have reached the output (and commit their offsets).
package final class OutputWriter {
    /// Grows on first use and keeps its capacity across flushes; not reserved up front, since kpull and
    /// kstream build their lines in LineSink's buffer and kput's report writer is idle without --report.
    /// Internal: the core's writers build their lines in it; other targets go through `append`.
    var buffer: [UInt8] = []
    private var fd: Int32
    private let path: String?
    package let flushThreshold: Int

    /// stdout.
    package init(standardOutput: Void = (), flushThreshold: Int = 1 << 16) {
        fd = 1
        path = nil
        self.flushThreshold = flushThreshold
    }

    /// A file opened for append, reopened by `reopen()` (logrotate's convention).
    package init(appendingTo path: String, flushThreshold: Int = 1 << 16) throws(IOError) {
        fd = try FileBytes.openAppend(path)
        self.path = path
        self.flushThreshold = flushThreshold
    }

    deinit {
        if path != nil, fd >= 0 { SystemCalls.close(fd) }
    }

    /// `--acks`: closes the output (stdout too) once everything is written, so the filter downstream
    /// sees its input end and finishes.
    package func closeOutput() {
        guard fd >= 0 else { return }
        SystemCalls.close(fd)
        fd = -1
    }

    var isTerminal: Bool { SystemCalls.isTerminal(fd) }

    /// True when the output is a pipe whose reader has gone (poll(2) reports POLLERR), so an idle
    /// consumer can stop as `tail -f` does instead of waiting for its next write to fail with EPIPE.
    package var readerGone: Bool { SystemCalls.readerGone(fd) }
    package var needsFlush: Bool { buffer.count >= flushThreshold }

    /// Adds bytes to the buffer; they reach the output at the next `flush()`.
    package func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }
    package func append(_ bytes: UnsafeRawBufferPointer) { buffer.append(contentsOf: bytes) }
    /// Adds a line break.
    package func append(newline: Void) { buffer.append(0x0A) }

    /// Drops what is buffered and not yet written (the reader has gone).
    package func discardBuffered() { buffer.removeAll() }

    /// Writes the whole buffer. On failure, the bytes that did reach the output are reported in the error
    /// and removed from the buffer, so the caller knows exactly which lines were written.
    package func flush() throws(OutputFailure) { try flush(&buffer) }

    /// `flush()` for a buffer kept by the caller (LineSink builds its lines in its own): writes all of
    /// `bytes` and empties it; on failure the bytes that did reach the output are reported in the error
    /// and removed from `bytes`.
    package func flush(_ bytes: inout [UInt8]) throws(OutputFailure) {
        guard !bytes.isEmpty else { return }
        let (written, failure) = bytes.withUnsafeBytes { SystemCalls.writeAll(fd, $0) }
        if failure != 0 {
            bytes.removeFirst(written)
            throw OutputFailure(code: failure, bytesWritten: written)
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// Closes and reopens the output path (after a SIGHUP). Call after `flush()`, so no line is split.
    package func reopen() throws(IOError) {
        guard let path else { return }
        let newFD = try FileBytes.openAppend(path)
        SystemCalls.close(fd)
        fd = newFD
    }
}

package struct OutputFailure: Error, CustomStringConvertible {
    var code: Int32
    /// How many bytes of the buffer reached the output before the failure.
    package var bytesWritten: Int
    package var isBrokenPipe: Bool { code == SystemCalls.brokenPipe }
    package var description: String { "write: \(SystemCalls.errorText(code))" }
}
