/// How a consume session learns that it should stop, without reading the process's signals itself:
/// the tool passes `Signals.stopToken` (SIGINT/SIGTERM, SIGHUP), a unit test passes its own.
public struct StopToken: Sendable {
    /// A stop has been asked for: finish (write out, commit, leave) and return.
    public let requested: @Sendable () -> Bool
    /// A second stop request: give up waiting (for a commit, a rejoin) at once.
    public let now: @Sendable () -> Bool
    /// True once per request to reopen the output (kstream's SIGHUP) since the last call.
    public let takeHangup: @Sendable () -> Bool
    /// The exit status the stop request stands for (130 after SIGINT, 143 after SIGTERM), if any.
    public let exitStatus: @Sendable () -> ExitStatus?

    public init(
        requested: @escaping @Sendable () -> Bool, now: @escaping @Sendable () -> Bool,
        takeHangup: @escaping @Sendable () -> Bool = { false }, exitStatus: @escaping @Sendable () -> ExitStatus? = { nil }
    ) {
        self.requested = requested
        self.now = now
        self.takeHangup = takeHangup
        self.exitStatus = exitStatus
    }

    /// Never asks to stop.
    public static let never = StopToken(requested: { false }, now: { false })
}
