/// kput's options as the user gave them, and the rules that say which of them go together (`problem`)
/// and what job they ask for (`job`). Pure values: the executable parses flags into this, nothing more.
package struct ProduceArguments: Sendable, Equatable {
    package var topic: String
    package var partition: Int32?
    package var keyField: String?
    package var key: String?
    /// `-H KEY=VALUE`, as typed.
    package var headers: [String] = []
    package var timestampField: String?
    package var missingKey = "reject"
    package var missingTimestamp = "reject"
    package var partitioner: String?
    package var rate: Double?
    package var text = false
    package var envelope = false
    package var keepPartition = false
    package var rejects: String?
    package var report = false
    package var timeoutSeconds: Double = 120
    package var maxLineBytes = LineReader.defaultMaxLineBytes
    package var files: [String] = []
    /// `--value-schema SPEC`, `--key-schema SPEC` as typed (SchemaSpec).
    package var valueSchema: String?
    package var keySchema: String?
    /// `--acks PATH`: report done lines to the reader listening there.
    package var acks: String?

    package init(topic: String) { self.topic = topic }

    /// Why the options cannot run together: a usage line (exit 64), or a bad topic name (its own line,
    /// `TopicName.problem`).
    package enum Problem: Sendable, Equatable {
        case usage(String)
        case topicName(String)
    }

    /// The first rule the options break, in the order the user most needs to hear them; nil when none.
    package func problem() -> Problem? {
        if text && envelope { return .usage("--text and --envelope cannot be used together") }
        if keepPartition && !envelope { return .usage("--keep-partition needs --envelope") }
        if let acks {
            if !envelope { return .usage("--acks needs --envelope: each line must name its source message (topic, partition, offset)") }
            if acks.isEmpty { return .usage("--acks needs a socket path") }
        }
        if let problem = TopicName.problem(topic) { return .topicName(problem) }
        if keyField != nil && envelope { return .usage("--key-field cannot be used with --envelope (the envelope has the key)") }
        if keyField != nil && text { return .usage("--key-field needs JSON lines, not --text") }
        if key != nil && keyField != nil { return .usage("--key and --key-field cannot be used together") }
        if key != nil && envelope { return .usage("--key cannot be used with --envelope (the envelope has the key)") }
        if timestampField != nil && (text || envelope) {
            return .usage("--timestamp-field needs JSON lines, not --\(text ? "text" : "envelope")")
        }
        guard missingKey == "reject" || missingKey == "null" else { return .usage("--missing-key must be reject or null") }
        guard missingTimestamp == "reject" || missingTimestamp == "now" else {
            return .usage("--missing-timestamp must be reject or now")
        }
        if missingKey != "reject" && keyField == nil { return .usage("--missing-key needs -k/--key-field") }
        if missingTimestamp != "reject" && timestampField == nil { return .usage("--missing-timestamp needs --timestamp-field") }
        for h in headers where Self.header(h) == nil {
            return .usage("--header needs KEY=VALUE (got \"\(h)\")")
        }
        if let partitioner, !ProduceJob.partitioners.contains(partitioner) {
            return .usage("--partitioner must be one of \(ProduceJob.partitioners.joined(separator: ", "))")
        }
        if let rate, !(rate >= 0.001 && rate <= 10_000_000) { return .usage("--rate must be 0.001...10000000 lines per second") }
        if let p = partition, p < 0 { return .usage("--partition must be 0 or more") }
        guard timeoutSeconds > 0, timeoutSeconds <= 86_400 else { return .usage("--timeout must be between 0 and 86400 seconds") }
        guard maxLineBytes >= 16, maxLineBytes <= 1 << 30 else { return .usage("--max-line-bytes must be 16...1073741824") }
        return schemaProblem()
    }

    /// `--value-schema` / `--key-schema`: a SPEC that parses, JSON to encode (not --text), and for the
    /// key a member to take it from (-k, or the envelope's key).
    private func schemaProblem() -> Problem? {
        for (text, field) in [(valueSchema, SchemaField.value), (keySchema, .key)] {
            guard let text else { continue }
            do throws(ToolFailure) { _ = try SchemaSpec.parse(text, option: field.option) } catch { return .usage(error.message) }
            if self.text { return .usage("\(field.option) needs JSON lines or --envelope, not --text") }
        }
        if keySchema != nil && keyField == nil && !envelope {
            return .usage("--key-schema needs -k/--key-field or --envelope (the key it encodes)")
        }
        return nil
    }

    /// `KEY=VALUE` split at its first `=`; nil without one, or with an empty key.
    static func header(_ text: String) -> (name: String, value: [UInt8])? {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
        return (String(text[..<eq]), Array(text[text.index(after: eq)...].utf8))
    }

    /// The job these options ask for (call after `problem()` said nil).
    package var job: ProduceJob {
        var job = ProduceJob(topic: topic)
        job.partition = partition
        job.keyField = keyField
        job.mode = envelope ? .envelope : text ? .text : .json
        job.keepPartition = keepPartition
        job.rejectsPath = rejects
        job.report = report
        job.sources = files.isEmpty ? ["-"] : files
        job.maxLineBytes = maxLineBytes
        job.deliveryTimeoutMs = Int32(timeoutSeconds * 1000)
        job.constantKey = key.map { Array($0.utf8) }
        job.headers = headers.compactMap(Self.header)
        job.timestampField = timestampField
        job.nullKeyIfMissing = missingKey == "null"
        job.nowIfNoTimestamp = missingTimestamp == "now"
        job.partitioner = partitioner
        job.rate = rate
        job.valueSchema = valueSchema.flatMap { try? SchemaSpec.parse($0, option: SchemaField.value.option) }
        job.keySchema = keySchema.flatMap { try? SchemaSpec.parse($0, option: SchemaField.key.option) }
        job.acksPath = acks
        return job
    }
}
