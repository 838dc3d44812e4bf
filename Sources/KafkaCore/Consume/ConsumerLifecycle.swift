/// The lifecycle of kpull's and kstream's consumer, as a state machine that never touches librdkafka
/// (after swift-kafka-client's `KafkaConsumer.StateMachine`): the session tells it what happened, it
/// answers what to do, and the session does it. Each rule here was once a flag in the session; each has a
/// unit test in ConsumerLifecycleTests, named by the phase it belongs to.
///
/// Phases: `starting` (waiting for the topics, subscribing or assigning) → `running` (messages become
/// lines) → `stopping` (a failure or a closed output: nothing more is taken, the loop ends) → `finishing`
/// (the final write-out and commit; no message is taken, no partition placed) → `closed`. A signal is not
/// a phase of its own: the loop asks the stop token, and the run goes on to `finishing` as for any stop.
///
/// The cluster link, as librdkafka reports it: `connected`; `lost` (a transport error: librdkafka
/// reconnects, and it is said once per outage); `unreachable` (librdkafka said every broker was down, and
/// no message has arrived since: at the stop the final commit is not sent and the close is skipped).
package struct ConsumerLifecycle {
    package enum Phase: Equatable, Sendable {
        case starting, running, stopping, finishing, closed
    }

    package enum Link: Equatable, Sendable {
        case connected, lost, unreachable
    }

    /// How the consumer came by its partitions.
    package enum Membership: Equatable, Sendable {
        /// None yet (still starting, or the start stopped).
        case none
        /// Subscribed: a group assigns them, and rebalances move them.
        case subscribed
        /// -p or --no-group: assigned by the tool itself (no rebalances).
        case assignedByTool
    }

    /// What the session is to do, as the transitions answer it.
    package enum Action: Equatable, Sendable {
        /// Warn once: the cluster was lost; librdkafka reconnects on its own.
        case sayLinkLost
        /// Warn: brokers are reachable again.
        case sayLinkBack
        /// Every named topic appeared after the start: reopen the consumer reading new partitions from
        /// their beginning (`auto.offset.reset=earliest`), and place them there.
        case readNewTopicsFromBeginning
    }

    /// How the run ends, decided when it starts finishing.
    package struct Ending: Equatable, Sendable {
        package enum Commit: Equatable, Sendable {
            /// Nothing to commit: no group, or no partitions were ever had.
            case none
            /// The final commit, retried (`afterFinalCommitFailure`).
            case final
            /// No broker answers: no commit is sent (it could not be made, and librdkafka's teardown
            /// would wait for it); lines written since the last commit will be read again (exit 75).
            case abandonUnreachable
        }
        package var commit: Commit
        /// librdkafka's close (its final auto-commit and LeaveGroup, each waiting for a coordinator);
        /// false with the cluster unreachable.
        package var leaveGroup: Bool
    }

    /// What to do after a final commit failed.
    package enum FinalCommitStep: Equatable, Sendable {
        case giveUp
        /// The group is rebalancing: keep serving the rebalance (fetching nothing written) until this
        /// member is assigned again; the assignment commits in the new generation.
        case awaitRejoin
        /// Pause, then try again.
        case retryAfterPause
    }

    package private(set) var phase = Phase.starting
    package private(set) var link = Link.connected
    package private(set) var membership = Membership.none
    /// The worst outcome so far.
    package private(set) var status = ExitStatus.ok
    /// The first reason the run stopped (a failure, or the output closed).
    package private(set) var stopReason: String?

    /// When the run started (monotonic ns), for the summary.
    package let startedAt: UInt64

    package init(startedAt: UInt64 = 0) { self.startedAt = startedAt }

    // MARK: - starting

    /// The named topics were looked up: `appeared` of the `named` topics (patterns included) did not
    /// exist at the start and were waited for. When every one of them appeared after the start and the
    /// read starts at the end, each of their messages is newer than the start: "from the end as of the
    /// start" is their beginning. (A group starts at the end when it gets the partitions, seconds after
    /// the topic appeared, and would skip what a producer wrote meanwhile.) With some topic there before,
    /// its end stays the start, and the new ones keep that too.
    package func topicsFound(appeared: Int, named: Int, from: StartPosition) -> Action? {
        appeared > 0 && appeared == named && from == .end ? .readNewTopicsFromBeginning : nil
    }

    /// The consumer has its topics (subscribed) or its partitions (assigned by the tool): reading starts.
    package mutating func started(_ membership: Membership) {
        self.membership = membership
        if phase == .starting { phase = .running }
    }

    // MARK: - running

    /// Whether a message that arrived becomes a line: only while running.
    @inlinable package var takesMessages: Bool {
        if case .running = phase { return true }
        return false
    }

    /// The hot path's check: nothing to tell `messageArrived` while connected.
    @inlinable package var isConnected: Bool {
        if case .connected = link { return true }
        return false
    }

    /// A message arrived: the cluster answers. Returns what to say (the link was lost).
    package mutating func messageArrived() -> Action? {
        let was = link
        link = .connected
        return was == .lost || was == .unreachable ? .sayLinkBack : nil
    }

    /// librdkafka reported a transport error (`allBrokersDown`: it said every broker was down).
    package mutating func transportFailed(allBrokersDown: Bool) -> Action? {
        let was = link
        if allBrokersDown { link = .unreachable } else if link == .connected { link = .lost }
        return was == .connected ? .sayLinkLost : nil
    }

    /// A failure: the run stops with at least `status` (a failure while finishing only worsens it).
    package mutating func failed(_ status: ExitStatus, _ reason: String) {
        self.status = self.status.worst(status)
        stop(reason)
    }

    /// The run stops without a failure (the reader of the output went away).
    package mutating func stop(_ reason: String) {
        if stopReason == nil { stopReason = reason }
        if phase == .starting || phase == .running { phase = .stopping }
    }

    /// A stop reason was given (the loop ends).
    package var isStopping: Bool { stopReason != nil }

    // MARK: - rebalances

    /// Partitions were assigned: whether to look up and place where they start (and -e's plan). Not
    /// while finishing: the final commit only serves the rebalance, it reads nothing more.
    package var placesAssignedPartitions: Bool { phase != .finishing && phase != .closed }

    /// Partitions are being revoked: whether to commit what was written from them first. Not while
    /// finishing (the final commit has been made or given up on), not while rejoining (a commit between
    /// JoinGroup and SyncGroup restarts the join), not for a lost assignment (the group has moved on and
    /// refuses it), and not with no broker reachable (a synchronous commit only waits for a coordinator).
    package func commitsBeforeRevoke(rejoining: Bool, lost: Bool) -> Bool {
        placesAssignedPartitions && !rejoining && !lost && link != .unreachable
    }

    /// Buffered lines are written out (and their offsets stored or committed) only until finishing
    /// starts: the final write-out comes before it.
    package var writesOut: Bool { placesAssignedPartitions }

    // MARK: - finishing

    /// The loop ended: the final write-out and commit. `commits`: the tool commits (a group, not
    /// --no-group).
    package mutating func finish(commits: Bool) -> Ending {
        phase = .finishing
        let hadPartitions = membership != .none
        if hadPartitions && commits {
            return link == .unreachable ? Ending(commit: .abandonUnreachable, leaveGroup: false) : Ending(commit: .final, leaveGroup: true)
        }
        return Ending(commit: .none, leaveGroup: link != .unreachable)
    }

    /// How long the final commit keeps trying (rejoins included): the session timeout and 5 s, at least
    /// 10 s, at most a minute.
    package static func finalCommitPatienceMs(sessionTimeoutMs: Int) -> Int {
        min(max(sessionTimeoutMs + 5_000, 10_000), 60_000)
    }

    /// The `failures`-th final commit failed (`rebalancing`: the group is between generations; `fatal`:
    /// librdkafka's fatal error). Each try can wait seconds for a coordinator: one is enough once the
    /// cluster was lost, five otherwise; past the deadline, a fatal error, or a second SIGINT/SIGTERM
    /// (`stopNow`) end the tries at once.
    package func afterFinalCommitFailure(failures: Int, rebalancing: Bool, fatal: Bool, pastDeadline: Bool, stopNow: Bool)
        -> FinalCommitStep
    {
        let tries = link == .connected ? 5 : 1
        if pastDeadline || fatal || stopNow || (!rebalancing && failures >= tries) { return .giveUp }
        return rebalancing && membership == .subscribed ? .awaitRejoin : .retryAfterPause
    }

    /// The consumer is closed. kpull reports the signal that stopped it (`signal`, 130/143); for kstream
    /// (`signalIsExitStatus` false) a signal is the normal way to stop. Returns the exit status.
    package mutating func closed(signal: ExitStatus?, signalIsExitStatus: Bool) -> ExitStatus {
        phase = .closed
        if signalIsExitStatus, let signal { status = status.worst(signal) }
        return status
    }
}
