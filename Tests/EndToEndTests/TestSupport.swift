import Foundation
import XCTest

// Helpers shared by the end-to-end test classes.

// MARK: - Helpers

/// Line numbers named on stderr for `source`, in order: `kput: SOURCE:N: reason`.
func namedLines(_ stderr: String, source: String = "-") -> [Int] {
    let prefix = "kput: \(source):"
    return stderr.split(separator: "\n").compactMap { line in
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return Int(rest[..<colon])
    }
}

/// N from `kput: stopped reading after -:N (...)`.
func stoppedAfter(_ stderr: String) -> Int? {
    guard let range = stderr.range(of: "stopped reading after -:") else { return nil }
    return Int(stderr[range.upperBound...].prefix { $0.isNumber })
}

struct ReportLine: Decodable {
    var line: Int
    var source: String
    var topic: String
    var partition: Int
    /// nil: acknowledged without an offset (a retry the broker already had; librdkafka 2.3+).
    var offset: Int?
}

func reportLines(_ data: Data) -> [ReportLine] {
    data.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(ReportLine.self, from: Data($0)) }
}

func multiset(_ items: [Data]) -> [Data: Int] { items.reduce(into: [:]) { $0[$1, default: 0] += 1 } }

func fileSize(_ url: URL) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
}

func lineCount(_ url: URL) -> Int {
    ((try? Data(contentsOf: url)) ?? Data()).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
}

/// A FIFO a child reads as stdin while the test writes to it. The test holds it open read-write, so the
/// child's open never blocks, a write never raises SIGPIPE, and the child sees end-of-file only on `close()`.
final class StdinFIFO {
    let url = Harness.tempFile("fifo")
    private var fd: Int32 = -1

    init() throws {
        guard mkfifo(url.path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        fd = open(url.path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Writes what fits in the pipe now; returns the number of bytes written.
    func writeSome(_ data: Data) -> Int {
        guard fd >= 0, !data.isEmpty else { return 0 }
        let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return max(n, 0)
    }

    /// Writes `lines` whole, waiting for `reader` to make room (gives up if it has exited).
    func write<S: Sequence>(_ lines: S, while reader: Child) where S.Element == String {
        var data = Data(lines.joined(separator: "\n").utf8)
        data.append(0x0A)
        while !data.isEmpty && reader.process.isRunning {
            let n = writeSome(data)
            data.removeFirst(n)
            if n == 0 { usleep(1000) }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
