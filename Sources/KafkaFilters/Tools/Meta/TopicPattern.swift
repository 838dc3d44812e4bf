import KafkaCore

/// `kmeta topics PATTERN`: a shell glob (fnmatch(3): `logs-*`), or, starting with `^`, a POSIX extended
/// regular expression, as in librdkafka's subscriptions (kpull -t '^logs-.*'), compiled once.
package final class TopicPattern {
    private let glob: String?
    private let regex: SystemCalls.Regex?

    package init(_ text: String) throws(ToolFailure) {
        if text.hasPrefix("^") {
            glob = nil
            guard let compiled = SystemCalls.Regex(text) else {
                throw ToolFailure(.usage, "invalid regular expression \"\(text)\"")
            }
            regex = compiled
        } else {
            glob = text
            regex = nil
        }
    }

    func matches(_ topic: String) -> Bool {
        if let glob { return SystemCalls.globMatches(glob, topic) }
        return regex?.matches(topic) ?? false
    }
}
