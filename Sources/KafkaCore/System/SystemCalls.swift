#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place the tools call the operating system: files, reads and writes (with their EINTR loops),
/// poll(2), sleeping, the clock, terminals, signal handlers and POSIX patterns. Everything above it
/// speaks in results (`IOError`, `PollResult`), not in errno. The binding keeps librdkafka's own
/// descriptors (its wake-up pipe); everything else comes here.
package enum SystemCalls {
    // MARK: - Files

    package enum OpenMode: Sendable {
        /// For reading.
        case read
        /// For appending, created with mode 0644 (the rejects file, kpull -o).
        case append
        /// For writing from the start, created with mode 0644 (kmock --env-file).
        case truncate
    }

    /// open(2) with close-on-exec; the error names `path`.
    package static func open(_ path: String, _ mode: OpenMode) throws(IOError) -> Int32 {
        let fd: Int32
        switch mode {
        case .read: fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        case .append: fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        case .truncate: fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw IOError(code: errno, context: path) }
        return fd
    }

    package static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// The permission bits of `path`, nil when it cannot be looked at.
    package static func permissions(of path: String) -> UInt32? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt32(st.st_mode) & 0o7777
    }

    /// True when `fd` is a terminal.
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    // MARK: - Reading and writing

    /// One read(2) into `buffer`: the byte count (0 at the end of input), or nil when a signal
    /// interrupted it (the caller decides whether to stop or read again).
    @inline(__always)
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int) throws(IOError) -> Int? {
        let n = Glibc.read(fd, buffer, count)
        if n >= 0 { return n }
        if errno == EINTR { return nil }
        throw IOError(code: errno, context: "read")
    }

    /// Writes all of `bytes`, again after EINTR: how many bytes reached `fd`, and the errno that stopped
    /// it (0 when all did).
    @inline(__always)
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, error: Int32) {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                return (written, errno)
            }
            written += n
        }
        return (written, 0)
    }

    /// errno after a write to a pipe whose reader has gone.
    package static let brokenPipe = EPIPE
    /// errno after a read of a non-blocking descriptor that had nothing.
    package static let wouldBlock = EAGAIN

    /// errno for a file larger than allowed.
    package static let fileTooBig = EFBIG

    /// The text of an errno value.
    package static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    // MARK: - Waiting

    /// What poll(2) said about one or two descriptors.
    package enum PollResult: Sendable, Equatable {
        /// Which of the two has input (or a hang-up or error, which a read will report).
        case ready(first: Bool, second: Bool)
        case timedOut
        /// A signal came: the caller looks at its stop token before waiting again.
        case interrupted
        /// poll(2) itself failed: the caller lets the next read(2) report the problem.
        case failed
    }

    /// Waits up to `timeoutMs` (0: only looks; -1: no limit) for input on `fd`, or on `other` (ignored
    /// when negative).
    package static func waitForInput(_ fd: Int32, or other: Int32 = -1, timeoutMs: Int32) -> PollResult {
        var fds = (pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: other, events: Int16(POLLIN), revents: 0))
        let n = withUnsafeMutableBytes(of: &fds) { raw in
            poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), other < 0 ? 1 : 2, timeoutMs)
        }
        if n < 0 { return errno == EINTR ? .interrupted : .failed }
        if n == 0 { return .timedOut }
        return .ready(first: fds.0.revents != 0, second: other >= 0 && fds.1.revents != 0)
    }

    /// True when `fd` is a pipe whose reader has gone (poll(2) reports POLLERR at once).
    package static func readerGone(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&p, 1, 0) == 1 && (p.revents & Int16(POLLERR)) != 0
    }

    /// Sleeps `ms` milliseconds (a signal may cut it short).
    package static func sleep(milliseconds ms: Int) { _ = usleep(useconds_t(ms * 1000)) }

    // MARK: - Clock

    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always)
    package static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// CLOCK_REALTIME in milliseconds since the epoch (positions and lookups are by wall time).
    package static func wallClockMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The process's local zone's offset from UTC, in seconds east, at `unixSeconds`: localtime_r reads
    /// TZ and the zone database itself, as date(1) does. 0 when it cannot say.
    package static func localSecondsFromGMT(at unixSeconds: Int64) -> Int {
        var time = time_t(unixSeconds)
        var parts = tm()
        guard localtime_r(&time, &parts) != nil else { return 0 }
        return Int(parts.tm_gmtoff)
    }

    // MARK: - Signals

    /// SIGPIPE ignored: a closed pipe shows up as EPIPE from write(2), which the tools handle.
    package static func ignoreBrokenPipe() { signal(SIGPIPE, SIG_IGN) }

    /// Installs `handler` for `signals`, without SA_RESTART: a blocked read(2) returns EINTR, so the
    /// tool can stop reading. The handler may only touch atomics.
    package static func handle(_ signals: [Int32], with handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.sa_flags = 0
        sigemptyset(&action.sa_mask)
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        for s in signals { sigaction(s, &action, nil) }
    }

    // MARK: - Patterns

    /// fnmatch(3): does `text` match the shell glob `glob`?
    package static func globMatches(_ glob: String, _ text: String) -> Bool { fnmatch(glob, text, 0) == 0 }

    /// A POSIX extended regular expression (regcomp(3)), compiled once, matched without captures.
    package final class Regex {
        private var regex = regex_t()

        /// nil when `pattern` does not compile.
        package init?(_ pattern: String) {
            guard regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB) == 0 else { return nil }
        }

        deinit { regfree(&regex) }

        package func matches(_ text: String) -> Bool { regexec(&regex, text, 0, nil, 0) == 0 }
    }
}
