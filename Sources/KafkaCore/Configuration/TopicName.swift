/// Topic names as Kafka checks them (`org.apache.kafka.common.internals.Topic.validate`): 1 to 249
/// characters of `[A-Za-z0-9._-]`, and not `.` or `..`. Checked before any client is made, so a bad
/// name is one line and exit 64 in every tool, never a librdkafka failure (or crash) later.
package enum TopicName {
    static let maxLength = 249

    /// Why `name` is not a valid topic name, or nil when it is. With `allowPattern`, a name that begins
    /// with `^` is a regex subscription (kpull, kstream) and is not checked here.
    package static func problem(_ name: String, allowPattern: Bool = false) -> String? {
        if allowPattern, name.hasPrefix("^") { return nil }
        if name.isEmpty { return "empty topic name" }
        let shown = printable(name)
        if name == "." || name == ".." { return "topic name \"\(name)\" is not allowed (Kafka refuses \".\" and \"..\")" }
        if name.utf8.count > maxLength {
            return "topic name \"\(shown)\" is \(name.utf8.count) bytes long; Kafka allows at most \(maxLength)"
        }
        for b in name.utf8 {
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            if !ok {
                return "topic name \"\(shown)\" has a character Kafka does not allow (only A-Z a-z 0-9 . _ -)"
            }
        }
        return nil
    }

    /// At most 40 bytes of `name`, control characters and quotes as \xNN: the message stays one line.
    private static func printable(_ name: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in name.utf8.prefix(40) {
            if b < 0x20 || b == 0x7F || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self) + (name.utf8.count > 40 ? "…" : "")
    }
}
