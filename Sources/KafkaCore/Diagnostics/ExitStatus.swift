/// The exit codes every tool uses, from sysexits(3), so scripts can tell "fix your input" from "try later".
package enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case ioError = 74
    case tempFailure = 75
    case configError = 78
    case interrupted = 130
    case terminated = 143

    /// One line per code for man pages and `--help`.
    var meaning: String {
        switch self {
        case .ok: return "success"
        case .usage: return "usage error (bad option or argument)"
        case .dataError: return "bad input data (a line that is not what was asked for)"
        case .unavailable: return "no broker reachable within --connect-timeout, or unknown topic"
        case .ioError: return "I/O error reading input or writing output"
        case .tempFailure: return "temporary failure (a delivery or commit did not succeed in time)"
        case .configError: return "bad configuration (-X, -F, or a librdkafka property)"
        case .interrupted: return "stopped by SIGINT"
        case .terminated: return "stopped by SIGTERM"
        }
    }

    /// The worse of two outcomes: a configuration or connectivity failure outranks bad data,
    /// and anything outranks success. Signals win, since the user asked for them.
    package func worst(_ other: ExitStatus) -> ExitStatus {
        func rank(_ s: ExitStatus) -> Int {
            switch s {
            case .ok: return 0
            case .dataError: return 1
            case .tempFailure: return 2
            case .ioError: return 3
            case .unavailable: return 4
            case .configError: return 5
            case .usage: return 6
            case .interrupted, .terminated: return 7
            }
        }
        return rank(other) > rank(self) ? other : self
    }
}

/// A failure that ends the tool: printed as one diagnostic line, then the process exits with `status`.
package struct ToolFailure: Error, CustomStringConvertible, Sendable, Equatable {
    package var status: ExitStatus
    package var message: String
    package init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }
    package var description: String { message }
}
