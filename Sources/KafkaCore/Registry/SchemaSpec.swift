/// What `--value-schema SPEC` / `--key-schema SPEC` name: a subject's latest version, a subject's
/// version, a schema id, or a schema file to register (or find) under the topic's subject.
package enum SchemaSpec: Sendable, Equatable {
    /// `SUBJECT`: its latest version.
    case latest(subject: String)
    /// `SUBJECT:VERSION` (VERSION a positive integer; `SUBJECT:latest` is `.latest`).
    case version(subject: String, version: Int32)
    /// `id:N`.
    case id(Int32)
    /// `@FILE`: a schema file.
    case file(path: String)

    /// Parses SPEC; the error is one line for exit 64, naming `option`. A subject may itself hold ':'
    /// (only a last part that is all digits or `latest` is a version); it cannot start with '@' or `id:`.
    package static func parse(_ text: String, option: String) throws(ToolFailure) -> SchemaSpec {
        let usage = "expected SUBJECT, SUBJECT:VERSION, id:N or @FILE"
        func bad(_ why: String) -> ToolFailure { ToolFailure(.usage, "\(option): \(why), got \"\(text)\"") }
        if text.isEmpty { throw bad(usage) }
        if text.first == "@" {
            let path = String(text.dropFirst())
            if path.isEmpty { throw bad("@ needs a file name") }
            return .file(path: path)
        }
        if text.hasPrefix("id:") {
            let digits = text.dropFirst(3)
            guard let id = positiveInt32(digits) else { throw bad("id:N needs a schema id from 1 to \(Int32.max)") }
            return .id(id)
        }
        if text.last == ":" { throw bad("missing the version after ':' (a number or latest)") }
        if let colon = text.lastIndex(of: ":") {
            let subject = String(text[..<colon])
            let version = text[text.index(after: colon)...]
            if version == "latest" {
                if subject.isEmpty { throw bad(usage) }
                return .latest(subject: subject)
            }
            if version.allSatisfy(\.isASCIIDigit) {
                if subject.isEmpty { throw bad(usage) }
                guard let n = positiveInt32(version) else { throw bad("a version is a number from 1 to \(Int32.max)") }
                return .version(subject: subject, version: n)
            }
        }
        return .latest(subject: text)
    }

    private static func positiveInt32(_ digits: Substring) -> Int32? {
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy(\.isASCIIDigit), let n = Int64(digits),
              n >= 1, n <= Int64(Int32.max) else { return nil }
        return Int32(n)
    }
}

/// Confluent's default subject naming (TopicNameStrategy): `<topic>-value` and `<topic>-key`.
package enum SubjectName {
    package static func value(topic: String) -> String { topic + "-value" }
    package static func key(topic: String) -> String { topic + "-key" }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
