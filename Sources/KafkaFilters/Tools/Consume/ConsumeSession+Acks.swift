import KafkaBinding
import KafkaCore

/// `--acks`: the session's state for the channel from kput (the rules: `DoneGate` in the committer).
struct AcksState {
    let listener: AcksListener
    /// Partitions paused because too many lines are written and not yet done.
    var paused: Set<TopicPartition> = []
    /// The output is closed and the session waits for kput's `end`.
    var awaitingEnd = false

    /// How long a finished reader waits for kput's `end` after closing its output: kput's default
    /// --timeout (120 s) for its last deliveries, plus a margin.
    static let endWaitMs: UInt64 = 180_000
    /// How long a finished reader waits for a kput that never connected (kput waits 10 s for a reader).
    static let firstWriterWaitMs: UInt64 = 10_000
}

extension ConsumeSession {
    /// Takes kput's reports: done offsets go on to be committed (or stored); a channel that ends while
    /// lines are still being written ends the run (exit 75): kput died, failed a line, or its input ended
    /// before ours did (the filter exited), and nothing more can be known to be done.
    func serveAcks() {
        guard let listener = acks?.listener else { return }
        committer.done(listener.poll(), consumer)
        guard let ending = listener.ending, acks?.awaitingEnd == false, lifecycle.stopReason == nil else { return }
        switch ending {
        case .closed:
            fail(.tempFailure, "--acks \(listener.path): kput went away without saying its input was delivered; nothing more is committed (what is not done will be read again)")
        case .failed(let reason):
            fail(.tempFailure, "--acks \(listener.path): kput: \(reason); nothing more is committed (what is not done will be read again)")
        case .end:
            fail(.tempFailure, "--acks \(listener.path): kput's input ended before this output did (did the filter exit?); nothing more is committed (what is not done will be read again)")
        }
    }

    /// Past the bound of lines written and not yet done: pauses every assigned partition (the consumer
    /// keeps polling, so the group keeps this member) until kput reports enough done.
    func holdBackWhileUndone() {
        guard acks != nil else { return }
        if committer.undoneFull {
            let toPause = partitions.assigned.subtracting(acks!.paused)
            if !toPause.isEmpty {
                pausedEver = true
                if let error = consumer.pause(Array(toPause), true) { Diagnostics.verbose("--acks: pause: \(error)") }
                acks!.paused.formUnion(toPause)
                Diagnostics.verbose("--acks: \(committer.undone) lines written and not yet done; holding back")
            }
            // Wait a little for kput while serving the consumer (rebalances, and any message fetched
            // before the pause, which is taken as usual: nothing is skipped).
            _ = SystemCalls.waitForInput(-1, timeoutMs: 10)
            serveAcks()
            committer.afterWriteOut(consumer, linesWritten: sink.linesWritten)
        } else if !acks!.paused.isEmpty {
            let resume = Array(acks!.paused.intersection(partitions.assigned).subtracting(backlogPaused))
            if let error = consumer.pause(resume, false) { Diagnostics.verbose("--acks: resume: \(error)") }
            acks!.paused = []
        }
    }

    /// Partitions taken away: forgotten by the done rule (what was done was committed before they went).
    func forgetAcks(_ keys: [TopicPartition]) {
        committer.forget(keys)
        acks?.paused.subtract(keys)
    }

    /// The end of a run with --acks that stopped on its own terms (-e, -n, a signal): closes the output so
    /// the filter and kput finish, then waits (at most `AcksState.endWaitMs`, or until a second signal) for
    /// kput's `end`, and then counts every line written as done: the last lines the filter dropped are
    /// committed too. Without `end` (kput died, a line failed), only what was reported done is committed,
    /// exit 75.
    func awaitAcksEnd() {
        guard let listener = acks?.listener else { return }
        writeOut()
        if lifecycle.stopReason != nil {
            // Stopped by a failure or a closed output: the filter may not have read all that was written.
            serveAcks()
            let undone = committer.undone
            if undone > 0, lifecycle.status == .ok {
                fail(.tempFailure, "--acks \(listener.path): \(undone) lines written are not reported done; they will be read again")
            }
            return
        }
        acks!.awaitingEnd = true
        sink.writer.closeOutput()
        // Nothing more is fetched: the session only waits for kput and serves rebalances.
        let all = Array(partitions.assigned.subtracting(acks!.paused))
        _ = consumer.pause(all, true)
        acks!.paused.formUnion(all)
        let started = MonotonicClock.now
        let deadline = started + AcksState.endWaitMs * 1_000_000
        while listener.ending == nil, MonotonicClock.now < deadline, !stop.now() {
            // No kput has connected: it has as long to appear as it waits for a reader itself.
            if !listener.hadWriter, MonotonicClock.now &- started > AcksState.firstWriterWaitMs * 1_000_000 { break }
            serveAcks()
            committer.afterWriteOut(consumer, linesWritten: sink.linesWritten)
            if listener.ending != nil { break }
            // Messages fetched before the pause are not written (the output is closed): not committed.
            consumer.poll(timeoutMs: 50) { event in
                switch event {
                case .message: break
                default: notice(event)
                }
            }
        }
        switch listener.ending {
        case .end:
            committer.ended(consumer)
            Diagnostics.verbose("--acks: kput delivered its whole input")
        case .failed(let reason):
            fail(.tempFailure, "--acks \(listener.path): kput: \(reason); what is not done will be read again")
        case .closed:
            fail(.tempFailure, "--acks \(listener.path): kput went away without saying its input was delivered; what is not done will be read again")
        case nil:
            if stop.now() {
                Diagnostics.warning("--acks \(listener.path): stopped waiting for kput (second signal); what is not done will be read again")
            } else if !listener.hadWriter {
                fail(.tempFailure, "--acks \(listener.path): no kput --acks connected; nothing was committed")
            } else {
                fail(.tempFailure, "--acks \(listener.path): kput did not finish within \(AcksState.endWaitMs / 1000) s; what is not done will be read again")
            }
        }
    }
}
