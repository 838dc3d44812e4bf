/// kput's exit status from what happened in the run, worst first: a signal (130/143), an input or output
/// that failed (74), failed deliveries (75), bad lines (65), else 0 (ExitStatus.worst ranks them).
package struct ProduceOutcome: Sendable, Equatable {
    /// A source could not be opened or read.
    package var inputFailed = false
    /// Lines named as bad (not what the input mode asks for, or too long).
    package var badLines = 0
    /// Messages not sent, or not acknowledged.
    package var failedDeliveries = 0
    /// The rejects file or the --report output could not be written.
    package var outputFailed = false
    /// 130 or 143 when a stop signal came.
    package var signal: ExitStatus?

    package init() {}

    package var status: ExitStatus {
        var status = ExitStatus.ok
        if inputFailed || outputFailed { status = status.worst(.ioError) }
        if badLines > 0 { status = status.worst(.dataError) }
        if failedDeliveries > 0 { status = status.worst(.tempFailure) }
        if let signal { status = status.worst(signal) }
        return status
    }
}
