#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// SIGINT/SIGTERM become an orderly stop, SIGHUP a request to reopen the output, SIGPIPE is ignored
/// (a closed pipe shows up as EPIPE from write, which the tools handle). The handlers only set atomics.
package enum Signals {
    private static let first = Atomic<Int32>(0)
    private static let count = Atomic<Int>(0)
    private static let hangups = Atomic<Int>(0)

    package static func install(handleHangup: Bool = false) {
        SystemCalls.ignoreBrokenPipe()
        // No SA_RESTART (SystemCalls.handle): a blocked read(2) on stdin returns EINTR so the tool can stop reading.
        SystemCalls.handle(handleHangup ? [SIGINT, SIGTERM, SIGHUP] : [SIGINT, SIGTERM]) { signo in
            if signo == SIGHUP {
                Signals.hangups.add(1, ordering: .relaxed)
                return
            }
            _ = Signals.first.compareExchange(expected: 0, desired: signo, ordering: .relaxed)
            Signals.count.add(1, ordering: .relaxed)
        }
    }

    /// The first stop signal received, if any.
    static var stopSignal: Int32? {
        let s = first.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }
    package static var stopRequested: Bool { stopSignal != nil }
    /// A second stop signal means "stop now".
    static var stopNow: Bool { count.load(ordering: .relaxed) >= 2 }

    /// True once per SIGHUP received since the last call.
    static func takeHangup() -> Bool {
        hangups.exchange(0, ordering: .relaxed) > 0
    }

    /// 130 after SIGINT, 143 after SIGTERM.
    static var exitStatus: ExitStatus? {
        switch stopSignal {
        case SIGINT: return .interrupted
        case SIGTERM: return .terminated
        default: return nil
        }
    }
}

extension Signals {
    /// "SIGINT" or "SIGTERM" for messages, nil before any stop signal.
    static var stopSignalName: String? {
        switch stopSignal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case let s?: return "signal \(s)"
        case nil: return nil
        }
    }
}
