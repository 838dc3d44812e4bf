import ArgumentParser
import KafkaBinding
import KafkaCore

// Where a failure becomes an exit code (ARCHITECTURE.md, "Errors and exit codes"): here, in the tools,
// not in the core (which knows no argument parser) nor in the binding (which reports KafkaError).

/// Runs a tool body, turning a `ToolFailure` into its diagnostic line and exit code.
package func runTool(_ body: () throws(ToolFailure) -> ExitStatus) throws {
    let status: ExitStatus
    do {
        status = try body()
    } catch {
        Diagnostics.error(error.message)
        throw error.status.exitCode
    }
    if status != .ok { throw status.exitCode }
}

extension ExitStatus {
    var exitCode: ExitCode { ExitCode(rawValue) }
}

extension ToolFailure {
    /// A client that cannot be made: a refused property or client is bad configuration (exit 78), its
    /// text with every secret masked; a mock cluster that does not start is exit 69.
    package init(_ error: ClientSetupError) {
        switch error {
        case .property(let property): self.init(.configError, Diagnostics.redact(property.description))
        case .client(let text): self.init(.configError, text)
        case .mockCluster: self.init(.unavailable, error.description)
        }
    }
}

extension TopicName {
    /// `problem` as an argument error: one line, `tool: problem` (no usage text after it), exit 64.
    package static func validate(_ name: String, allowPattern: Bool = false) throws {
        guard let problem = problem(name, allowPattern: allowPattern) else { return }
        let tool = CommandLine.arguments.first.flatMap { $0.split(separator: "/").last.map(String.init) } ?? "kafka"
        let line = Array("\(tool): \(problem)\n".utf8)
        _ = line.withUnsafeBytes { SystemCalls.writeAll(2, $0) }  // failed: nothing better to do
        throw ExitCode.validationFailure
    }
}
