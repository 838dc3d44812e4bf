/// The encoder walk's error texts: what was expected, what the JSON had.
extension AvroJSONWalk {
    // MARK: - Messages

    func mismatch(_ index: Int, _ range: Range<Int>) -> AvroEncodeError {
        AvroEncodeError("expected \(describe(index)), got \(got(range))")
    }

    /// "int or null", "int, string or null": null last, as people say it.
    func expectedUnion(_ branches: [Int]) -> String {
        var names = branches.filter { if case .null = schema.nodes[$0] { return false } else { return true } }.map(describe)
        if names.count < branches.count { names.append("null") }
        guard names.count > 1 else { return names.first ?? "nothing" }
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    func describe(_ index: Int) -> String {
        if isDecimal(index) { return "decimal string" }
        switch schema.nodes[index] {
        case .array: return "array"
        case .map: return "map (object)"
        case .record(let name, _): return "record \(name)"
        case .enumeration(let name, _, _): return "enum \(name)"
        case .fixed(let name, let size): return "fixed \(name) (\(size) bytes)"
        case let node: return node.branchName
        }
    }

    /// The value as the user wrote it, up to 40 bytes; containers by their kind.
    func got(_ range: Range<Int>) -> String {
        switch kind(range) {
        case .object: return "an object"
        case .array: return "an array"
        default:
            let limit = 40
            let shown = String(decoding: UnsafeBufferPointer(start: p + range.lowerBound, count: min(range.count, limit)), as: UTF8.self)
            return range.count > limit ? shown + "…" : shown
        }
    }
}
