/// The one mapping from an error's facts to what a tool does with it: the exit status and the line it
/// says (ARCHITECTURE.md, "Errors and exit codes"). kput, kpull, kstream and kmeta ask it; each passes
/// the context, never its own copy of "unknown topic → 69, not authorized → 78".
package enum ErrorMap {
    /// Where the error happened; it picks the wording, and for `connecting` the status too.
    package enum Context: Sendable, Equatable {
        /// Looking for the cluster (and `topic`, when one is named) before any work: nothing was read or
        /// sent yet. `access` says what the tool wanted of the topic ("read", "write to"), for the
        /// authorization message.
        case connecting(brokers: String, timeoutMs: Int32, topic: String? = nil, access: String? = nil)
        /// A topic's own entry in the cluster's metadata.
        case topic(String)
        /// A question with its own wording ("the brokers did not list their groups within 5s").
        case request(String)
        /// A call to the schema registry at `url` (printable: no credentials), for `call` ("schema id 7").
        /// `retried`: the tool would try again, so an unreachable registry is 75, not 69.
        case registry(url: String, call: String, timeoutMs: Int32, retried: Bool = false)
    }

    /// What to do with an error event that arrives while the tool works (consumers).
    package enum Verdict: Sendable, Equatable {
        /// End the tool: this status, this line.
        case fail(ToolFailure)
        /// The client reconnects on its own: wait for the cluster, saying so once per outage.
        case waitOut
        /// Nothing to act on: say it at -v and go on.
        case note
    }

    /// The exit status of an error that ends a tool, by its class: the cluster is not there (or has no
    /// such topic, or cannot answer the request) is 69, the configuration is at fault (credentials, ACLs,
    /// TLS) is 78, anything else failed for now and may work later: 75.
    package static func status(_ facts: ErrorFacts) -> ExitStatus {
        switch facts.kind {
        case .transport, .allBrokersDown, .timeout, .unknownTopic, .unsupported, .unknownSubject: return .unavailable
        case .authorization, .configuration: return .configError
        case .unknownSchema: return .dataError
        case .other: return .tempFailure
        }
    }

    /// The failure that ends a tool on `facts` in `context`.
    package static func failure(_ facts: ErrorFacts, _ context: Context) -> ToolFailure {
        switch context {
        case .connecting(let brokers, let timeoutMs, let topic, let access):
            if facts.kind == .unknownTopic, let topic { return ToolFailure(.unavailable, "topic \"\(topic)\" does not exist") }
            if facts.kind == .authorization {
                if let topic, let access { return ToolFailure(.configError, "not authorized to \(access) \"\(topic)\": \(facts.text)") }
                return ToolFailure(.configError, "not authorized: \(facts.text)")
            }
            // Whatever else the first answer was, no broker gave the one asked for: the cluster is not there.
            return ToolFailure(status(facts) == .configError ? .configError : .unavailable,
                "no broker answered within \(seconds(timeoutMs)) (tried \(brokers)): \(facts.text)")
        case .topic(let name):
            if facts.kind == .unknownTopic { return ToolFailure(.unavailable, "topic \"\(name)\" does not exist") }
            return ToolFailure(status(facts), "topic \"\(name)\": \(facts.text) (\(facts.name))")
        case .request(let what):
            return ToolFailure(status(facts), "\(what): \(facts.text)")
        case .registry(let url, let call, let timeoutMs, let retried):
            let registry = "schema registry \(url)"
            if facts.isUnreachable {
                return ToolFailure(retried ? .tempFailure : .unavailable,
                    "\(registry) did not answer within \(seconds(timeoutMs)) (\(call)): \(facts.text)")
            }
            switch facts.kind {
            case .authorization: return ToolFailure(.configError, "\(registry) refused the credentials (\(call)): \(facts.text)")
            case .unknownSchema: return ToolFailure(.dataError, "\(registry) does not know \(call): \(facts.text)")
            case .unknownSubject: return ToolFailure(.unavailable, "\(registry) does not know \(call): \(facts.text)")
            default: return ToolFailure(status(facts), "\(registry) (\(call)): \(facts.text)")
            }
        }
    }

    /// An error event during the run: a fatal error, an unknown topic or a refusal ends the tool; a lost
    /// connection is waited out (the client reconnects); the rest is only said at -v.
    package static func duringRun(_ facts: ErrorFacts) -> Verdict {
        if facts.isFatal { return .fail(ToolFailure(.tempFailure, "fatal: \(facts.text)")) }
        switch facts.kind {
        case .unknownTopic: return .fail(ToolFailure(.unavailable, facts.text))
        case .authorization: return .fail(ToolFailure(.configError, "not authorized: \(facts.text)"))
        case .transport, .allBrokersDown: return .waitOut
        default: return .note
        }
    }

    /// A timeout as users write it: "5s", "1.5s".
    package static func seconds(_ ms: Int32) -> String {
        ms % 1000 == 0 ? "\(ms / 1000)s" : "\(Double(ms) / 1000)s"
    }
}
