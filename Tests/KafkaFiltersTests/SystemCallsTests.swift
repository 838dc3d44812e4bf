import Glibc
import XCTest
@testable import KafkaCore

/// The one place of system calls: what each wrapper reports, on a real pipe and a real file.
final class SystemCallsTests: XCTestCase {
    func makePipe() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        return (fds[0], fds[1])
    }

    func testWriteAllThenReadAndEndOfInput() throws {
        let p = makePipe()
        defer { SystemCalls.close(p.read) }
        let (written, error) = Array("hello\n".utf8).withUnsafeBytes { SystemCalls.writeAll(p.write, $0) }
        XCTAssertEqual(written, 6)
        XCTAssertEqual(error, 0)
        SystemCalls.close(p.write)
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = try buffer.withUnsafeMutableBytes { b throws(IOError) in try SystemCalls.read(p.read, into: b.baseAddress!, count: b.count) }
        XCTAssertEqual(n, 6)
        let end = try buffer.withUnsafeMutableBytes { b throws(IOError) in try SystemCalls.read(p.read, into: b.baseAddress!, count: b.count) }
        XCTAssertEqual(end, 0)
    }

    func testWriteToAPipeWithoutReaderIsBrokenPipe() {
        SystemCalls.ignoreBrokenPipe()
        let p = makePipe()
        SystemCalls.close(p.read)
        defer { SystemCalls.close(p.write) }
        XCTAssertTrue(SystemCalls.readerGone(p.write))
        let (written, error) = Array("x".utf8).withUnsafeBytes { SystemCalls.writeAll(p.write, $0) }
        XCTAssertEqual(written, 0)
        XCTAssertEqual(error, SystemCalls.brokenPipe)
    }

    func testWaitForInputSaysWhichDescriptorIsReady() {
        let a = makePipe()
        let b = makePipe()
        defer { [a.read, a.write, b.read, b.write].forEach(SystemCalls.close) }
        XCTAssertEqual(SystemCalls.waitForInput(a.read, or: b.read, timeoutMs: 0), .timedOut)
        _ = Array("x".utf8).withUnsafeBytes { SystemCalls.writeAll(b.write, $0) }
        XCTAssertEqual(SystemCalls.waitForInput(a.read, or: b.read, timeoutMs: 0), .ready(first: false, second: true))
        XCTAssertEqual(SystemCalls.waitForInput(a.read, timeoutMs: 0), .timedOut, "a negative second descriptor is ignored")
        _ = Array("y".utf8).withUnsafeBytes { SystemCalls.writeAll(a.write, $0) }
        XCTAssertEqual(SystemCalls.waitForInput(a.read, or: b.read, timeoutMs: 0), .ready(first: true, second: true))
    }

    func testOpenModesAndErrorsNameThePath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sys-\(UUID().uuidString)").path
        defer { unlink(path) }
        XCTAssertThrowsError(try SystemCalls.open(path, .read)) { error in
            XCTAssertEqual("\(error)", "\(path): No such file or directory")
        }
        for (mode, text) in [(SystemCalls.OpenMode.truncate, "a\n"), (.append, "b\n"), (.append, "c\n")] {
            let fd = try SystemCalls.open(path, mode)
            _ = Array(text.utf8).withUnsafeBytes { SystemCalls.writeAll(fd, $0) }
            SystemCalls.close(fd)
        }
        XCTAssertEqual(try FileBytes.read(path: path, limit: 100), Array("a\nb\nc\n".utf8))
        let mask = umask(0o022)
        umask(mask)
        XCTAssertEqual(SystemCalls.permissions(of: path), 0o644 & ~UInt32(mask))
        let fd = try SystemCalls.open(path, .truncate)
        SystemCalls.close(fd)
        XCTAssertEqual(try FileBytes.read(path: path, limit: 100), [], "truncate empties the file")
    }

    func testPatterns() {
        XCTAssertTrue(SystemCalls.globMatches("logs-*", "logs-a"))
        XCTAssertFalse(SystemCalls.globMatches("logs-*", "metrics"))
        XCTAssertNil(SystemCalls.Regex("^(unclosed"))
        let regex = SystemCalls.Regex("^logs-[0-9]+$")
        XCTAssertEqual(regex?.matches("logs-12"), true)
        XCTAssertEqual(regex?.matches("logs-x"), false)
    }

    func testMonotonicClockAdvances() {
        let a = MonotonicClock.now
        SystemCalls.sleep(milliseconds: 2)
        XCTAssertGreaterThan(MonotonicClock.now, a)
    }
}
