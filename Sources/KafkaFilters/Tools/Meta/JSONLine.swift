import KafkaCore

/// One JSON object on one line, members in the order they are added. Strings (keys included) go
/// through the project's `JSONString.appendQuoted`, so escaping is the envelope's; numbers are decimal.
struct JSONLine {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    private mutating func key(_ name: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        JSONString.appendQuoted(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func literal(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func add(_ name: String, _ value: String) {
        key(name)
        JSONString.appendQuoted(value, to: &bytes)
    }

    /// `null` when nil.
    mutating func add(_ name: String, _ value: Int64?) {
        key(name)
        literal(value.map { String($0) } ?? "null")
    }

    mutating func add(_ name: String, _ value: Int32) { add(name, Int64(value)) }
    mutating func add(_ name: String, _ value: Int) { add(name, Int64(value)) }

    mutating func add(_ name: String, _ value: Bool) {
        key(name)
        literal(value ? "true" : "false")
    }

    mutating func add(_ name: String, _ values: [Int32]) {
        key(name)
        literal("[" + values.map { String($0) }.joined(separator: ",") + "]")
    }

    /// An array of objects.
    mutating func add(_ name: String, _ objects: [JSONLine]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, o) in objects.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += o.object
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The object without a newline (to nest it).
    var object: [UInt8] { bytes + [UInt8(ascii: "}")] }
    /// The object and its newline.
    var line: [UInt8] { bytes + [UInt8(ascii: "}"), UInt8(ascii: "\n")] }
}
