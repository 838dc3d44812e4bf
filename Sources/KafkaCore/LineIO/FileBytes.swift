#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An errno with its text, for I/O failures on our own input and output.
package struct IOError: Error, CustomStringConvertible, Sendable {
    var code: Int32
    var context: String
    init(code: Int32, context: String) {
        self.code = code
        self.context = context
    }
    package var description: String { "\(context): \(String(cString: strerror(code)))" }
    var isBrokenPipe: Bool { code == EPIPE }
}

package enum FileBytes {
    /// Reads a small file whole (config files); larger than `limit` is an error, not a slurp.
    package static func read(path: String, limit: Int) throws(IOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(code: errno, context: path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(code: errno, context: path)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { throw IOError(code: EFBIG, context: path) }
        }
        return result
    }

    package static func isReadableByOthers(path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return st.st_mode & 0o044 != 0
    }

    /// Opens a file for input; "-" is stdin.
    package static func openInput(_ path: String) throws(IOError) -> Int32 {
        if path == "-" { return 0 }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(code: errno, context: path) }
        return fd
    }

    /// Opens a file for appending, creating it with mode 0644.
    static func openAppend(_ path: String) throws(IOError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOError(code: errno, context: path) }
        return fd
    }
}
