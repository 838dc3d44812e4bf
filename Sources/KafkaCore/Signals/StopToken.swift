/// How a long-running part learns that it should stop, passed in rather than read from a global, so the
/// part can be driven by a unit test: the tools pass `StopToken.signals` (the process's SIGINT, SIGTERM
/// and SIGHUP, see `Signals.install`), a test passes its own.
package struct StopToken: Sendable {
    /// A stop has been asked for (first SIGINT or SIGTERM): finish what was read, read no more, commit,
    /// leave, return.
    package let requested: @Sendable () -> Bool
    /// A second stop request: give up waiting (for deliveries, a commit, a rejoin) at once.
    package let now: @Sendable () -> Bool
    /// True once per request to reopen the output (kstream's SIGHUP) since the last call.
    package let takeHangup: @Sendable () -> Bool
    /// The exit status the stop request stands for (130 after SIGINT, 143 after SIGTERM), if any.
    package let exitStatus: @Sendable () -> ExitStatus?
    /// For messages: "SIGINT", "SIGTERM", or nil when no signal came.
    package let signalName: @Sendable () -> String?

    init(
        requested: @escaping @Sendable () -> Bool, now: @escaping @Sendable () -> Bool,
        takeHangup: @escaping @Sendable () -> Bool = { false },
        exitStatus: @escaping @Sendable () -> ExitStatus? = { nil },
        signalName: @escaping @Sendable () -> String? = { nil }
    ) {
        self.requested = requested
        self.now = now
        self.takeHangup = takeHangup
        self.exitStatus = exitStatus
        self.signalName = signalName
    }

    /// The process's signals.
    package static let signals = StopToken(
        requested: { Signals.stopRequested }, now: { Signals.stopNow }, takeHangup: { Signals.takeHangup() },
        exitStatus: { Signals.exitStatus }, signalName: { Signals.stopSignalName })

    /// Never asks to stop.
    package static let never = StopToken(requested: { false }, now: { false })
}
