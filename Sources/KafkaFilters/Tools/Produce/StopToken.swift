#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a long-running part learns that it should stop, passed in rather than read from a global, so
/// the part can be driven by a test. `requested`: finish what was read, read no more (first SIGINT or
/// SIGTERM). `now`: give up on what is left at once (a second signal). `exitStatus`: 130 or 143.
public struct StopToken: Sendable {
    public var requested: @Sendable () -> Bool
    public var now: @Sendable () -> Bool
    public var exitStatus: @Sendable () -> ExitStatus?
    /// For messages: "SIGINT", "SIGTERM", or nil when no signal came.
    public var signalName: @Sendable () -> String?

    public init(requested: @escaping @Sendable () -> Bool, now: @escaping @Sendable () -> Bool,
                exitStatus: @escaping @Sendable () -> ExitStatus? = { nil },
                signalName: @escaping @Sendable () -> String? = { nil }) {
        self.requested = requested
        self.now = now
        self.exitStatus = exitStatus
        self.signalName = signalName
    }

    /// The process's SIGINT/SIGTERM (see `Signals.install`).
    public static let signals = StopToken(
        requested: { Signals.stopRequested }, now: { Signals.stopNow }, exitStatus: { Signals.exitStatus },
        signalName: { Signals.stopSignal.map { $0 == SIGINT ? "SIGINT" : "SIGTERM" } })

    /// Never stops (tests, and tools that have no signals).
    public static let never = StopToken(requested: { false }, now: { false })
}
