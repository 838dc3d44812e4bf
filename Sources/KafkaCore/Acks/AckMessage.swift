/// The `--acks` channel's protocol: text lines over a Unix stream socket at PATH, the reader (kpull,
/// kstream) listening, the writer (kput) connecting.
///
/// - writer → reader, first: `writer` (a connection that says nothing else, such as a second reader
///   probing whether PATH is live, is dropped).
/// - reader → writer: `ok` (this writer is the one), or `busy` (another writer is connected; it exits 69).
/// - writer → reader: `done TOPIC PARTITION OFFSET`: every line kput read up to the one carrying that
///   source offset of (TOPIC, PARTITION) is acknowledged by the cluster, or was never its input (the
///   done rule: `AckPrefix`). Cumulative: a later one for the same partition supersedes it.
/// - writer → reader: `end`: kput's input ended and every line in it was delivered.
/// - writer → reader: `fail REASON`: a line could not be delivered (a bad line, a failed delivery):
///   nothing after it will ever be done; the writer closes next.
/// A topic name never holds a space (Kafka allows `[a-zA-Z0-9._-]`), so the fields split on spaces.
package enum AckMessage: Equatable, Sendable {
    case writer
    case ok
    case busy
    case done(TopicPartition)
    case end
    case fail(String)

    /// The line, with its newline.
    package var line: String {
        switch self {
        case .writer: return "writer\n"
        case .ok: return "ok\n"
        case .busy: return "busy\n"
        case .done(let tp): return "done \(tp.topic) \(tp.partition) \(tp.offset)\n"
        case .end: return "end\n"
        case .fail(let reason):
            let oneLine = reason.map { $0 == "\n" || $0 == "\r" ? " " : $0 }
            return "fail \(String(oneLine))\n"
        }
    }

    /// One line (without its newline), or nil when it is not a message of this protocol.
    package static func parse(_ line: Substring) -> AckMessage? {
        switch line {
        case "writer": return .writer
        case "ok": return .ok
        case "busy": return .busy
        case "end": return .end
        default: break
        }
        if line.hasPrefix("fail ") { return .fail(String(line.dropFirst(5))) }
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "done", !fields[1].isEmpty,
              let p = Int32(fields[2]), p >= 0, let o = Int64(fields[3]), o >= 0
        else { return nil }
        return .done(TopicPartition(topic: String(fields[1]), partition: p, offset: o))
    }
}

/// Splits what a socket delivers into protocol lines; a line longer than `maxLineBytes` is a broken
/// peer (never sent by kput: its lines are short).
package struct AckLineBuffer {
    private var pending: [UInt8] = []
    package static let maxLineBytes = 4096

    package init() {}

    /// Adds received bytes; returns the complete messages, or nil when the peer broke the protocol (an
    /// unknown or overlong line).
    package mutating func received(_ bytes: some Collection<UInt8>) -> [AckMessage]? {
        pending.append(contentsOf: bytes)
        var messages: [AckMessage] = []
        var start = 0
        while let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let text = String(decoding: pending[start..<nl], as: UTF8.self)
            guard let message = AckMessage.parse(Substring(text)) else { return nil }
            messages.append(message)
            start = nl + 1
        }
        pending.removeFirst(start)
        if pending.count > Self.maxLineBytes { return nil }
        return messages
    }
}
