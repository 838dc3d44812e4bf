#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the reader hands out: a whole line (without its line ending; CRLF accepted), or, for a line
/// longer than the limit, its bytes in pieces so they can be kept (in a rejects file) without being held.
package enum LineItem {
    case line(UnsafeRawBufferPointer)
    case overlong(UnsafeRawBufferPointer, first: Bool, last: Bool)
}

/// Streams lines from a file descriptor with memory bounded by `maxLineBytes` plus one read chunk,
/// whatever the size of the input.
package final class LineReader {
    static let defaultMaxLineBytes = 1 << 20
    let maxLineBytes: Int
    private let fd: Int32
    private let chunkSize: Int
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var inOverlong = false
    private var eof = false
    private(set) var lineNumber = 0
    /// Called before each read(2) with the descriptor, when no complete line is buffered. A tool with other
    /// work (kput's delivery reports) can wait here until the descriptor is readable, serving that work
    /// meanwhile, so a slow or idle input never delays it. Returning false stops reading.
    package var waitForInput: ((Int32) -> Bool)?

    package init(fd: Int32, maxLineBytes: Int = LineReader.defaultMaxLineBytes, chunkSize: Int = 1 << 18) {
        self.fd = fd
        self.maxLineBytes = maxLineBytes
        self.chunkSize = chunkSize
        buffer = .allocate(byteCount: maxLineBytes + chunkSize + 1, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` for every line until the end of input or until it returns false.
    /// `shouldStop` is asked after every interrupted read (a signal), so Ctrl-C stops a blocked read.
    /// Returns false when stopped early.
    @discardableResult
    package func forEach(
        shouldStop: () -> Bool = { false }, _ body: (_ lineNumber: Int, _ item: LineItem) throws -> Bool
    ) throws -> Bool {
        while true {
            // Hand out every complete line in the buffer.
            while start < end {
                let base = buffer.baseAddress!
                let avail = end - start
                guard let nl = memchr(base + start, 0x0A, avail) else { break }
                let length = base.distance(to: UnsafeMutableRawPointer(nl)) - start
                let wasOverlong = inOverlong
                if wasOverlong {
                    inOverlong = false
                    let piece = UnsafeRawBufferPointer(start: base + start, count: length)
                    start += length + 1
                    if try !body(lineNumber, .overlong(piece, first: false, last: true)) { return false }
                    continue
                }
                lineNumber += 1
                var lineLength = length
                if lineLength > 0 && base.load(fromByteOffset: start + lineLength - 1, as: UInt8.self) == 0x0D {
                    lineLength -= 1
                }
                let line = UnsafeRawBufferPointer(start: base + start, count: lineLength)
                start += length + 1
                if lineLength > maxLineBytes {
                    if try !body(lineNumber, .overlong(line, first: true, last: true)) { return false }
                } else if try !body(lineNumber, .line(line)) {
                    return false
                }
            }
            if eof {
                // A last line without a trailing newline is still a line.
                if start < end {
                    let base = buffer.baseAddress!
                    let piece = UnsafeRawBufferPointer(start: base + start, count: end - start)
                    start = end
                    if inOverlong {
                        inOverlong = false
                        return try body(lineNumber, .overlong(piece, first: false, last: true))
                    }
                    lineNumber += 1
                    var count = piece.count
                    if piece[count - 1] == 0x0D { count -= 1 }
                    let line = UnsafeRawBufferPointer(rebasing: piece[0..<count])
                    if count > maxLineBytes { return try body(lineNumber, .overlong(line, first: true, last: true)) }
                    return try body(lineNumber, .line(line))
                }
                if inOverlong {
                    inOverlong = false
                    return try body(lineNumber, .overlong(UnsafeRawBufferPointer(start: nil, count: 0), first: false, last: true))
                }
                return true
            }
            // A partial line longer than the limit: hand it out in pieces and forget it.
            if end - start > maxLineBytes {
                let base = buffer.baseAddress!
                let piece = UnsafeRawBufferPointer(start: base + start, count: end - start)
                let first = !inOverlong
                if first { lineNumber += 1 }
                inOverlong = true
                start = 0
                end = 0
                if try !body(lineNumber, .overlong(piece, first: first, last: false)) { return false }
            }
            // Move the partial line to the front and read more.
            if start > 0 {
                let count = end - start
                if count > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, count) }
                start = 0
                end = count
            }
            if let waitForInput, !waitForInput(fd) { return false }
            let room = buffer.count - end
            guard let n = try SystemCalls.read(fd, into: buffer.baseAddress! + end, count: min(room, chunkSize)) else {
                // A signal: stop if asked to, else read again.
                if shouldStop() { return false }
                continue
            }
            if n == 0 { eof = true } else { end += n }
        }
    }
}
