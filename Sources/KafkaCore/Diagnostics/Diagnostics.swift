#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Everything a tool says to a person goes through here: one line per problem on stderr, prefixed with
/// the tool's name, with every configured secret masked. stdout is never touched, it carries data.
package enum Diagnostics {
    package enum Level: Int, Sendable, Comparable {
        case quiet = 0, normal = 1, verbose = 2, debug = 3
        package static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    private struct State: Sendable {
        var tool = "kafka"
        var level = Level.normal
        var secrets: [String] = []
    }

    // librdkafka calls our log callback from its own threads, so the state is behind a mutex.
    private static let state = Mutex(State())

    package static func configure(tool: String, level: Level) {
        state.withLock {
            $0.tool = tool
            $0.level = level
        }
    }

    /// Values that must never be printed (passwords, keys). Every line is scrubbed of them.
    package static func addSecret(_ value: String) {
        guard !value.isEmpty else { return }
        state.withLock { $0.secrets.append(value) }
    }

    package static var level: Level { state.withLock { $0.level } }
    static var tool: String { state.withLock { $0.tool } }

    /// A problem the user must see (shown unless --quiet... errors are shown even then).
    package static func error(_ message: String) { emit(message, minimum: .quiet) }
    /// A warning or a notice: hidden by -q.
    package static func warning(_ message: String) { emit(message, minimum: .normal) }
    /// Detail shown only with -v.
    package static func verbose(_ message: String) { emit(message, minimum: .verbose) }

    package static func redact(_ text: String) -> String {
        mask(text, state.withLock { $0.secrets })
    }

    private static func mask(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "******")
        }
        return out
    }

    private static func emit(_ message: String, minimum: Level) {
        let (tool, level, secrets) = state.withLock { ($0.tool, $0.level, $0.secrets) }
        guard level >= minimum else { return }
        let text = mask(message, secrets)
        // One write(2) per line so lines from librdkafka's threads never interleave mid-line.
        var line = Array("\(tool): \(text)".utf8)
        line.removeAll { $0 == 0x0A || $0 == 0x0D }
        line.append(0x0A)
        _ = line.withUnsafeBytes { SystemCalls.writeAll(2, $0) }  // stderr failed: nothing better to do
    }

    /// True when stderr is a terminal: progress and summaries are shown only then (or with -v).
    package static var stderrIsTerminal: Bool { SystemCalls.isTerminal(2) }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        let t = Array(target.utf8)
        let u = self.utf8
        guard t.count <= u.count, let first = t.first else { return nil }
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == first {
                var j = i
                var k = 0
                while k < t.count, j != u.endIndex, u[j] == t[k] {
                    j = u.index(after: j)
                    k += 1
                }
                if k == t.count { return i..<j }
            }
            i = u.index(after: i)
        }
        return nil
    }
}

extension Diagnostics {
    /// A duration for summaries: "1.234s".
    package static func seconds(_ s: Double) -> String {
        let ms = Int(s * 1000)
        return "\(ms / 1000).\(String(ms % 1000 + 1000).dropFirst())s"
    }
}
