/// The encoder walk's unions: the wrapped form `{"branch": value}`, else the first branch that takes the value.
extension AvroJSONWalk {
    // MARK: - Unions

    mutating func union(_ index: Int, _ branches: [Int], _ range: Range<Int>, _ kind: JSONKind, depth: Int,
                                to out: inout AvroOutput) throws(AvroEncodeError) {
        let mark = out.count
        if kind == .object, !forDefault, let (k, inner) = wrapped(branches, range) {
            out.long(Int64(k))
            do throws(AvroEncodeError) {
                try value(branches[k], inner, depth: depth &+ 1, to: &out)
                return
            } catch {
                out.truncate(to: mark)
                if form == .avro || error.isSyntax { throw error.adding(.key(schema.nodes[branches[k]].branchName)) }
            }
        }
        if form == .avro, !forDefault, kind != .null {
            throw AvroEncodeError("expected {\"branch\": value} for \(expectedUnion(branches)), got \(got(range))")
        }
        var deepFailure: AvroEncodeError?
        var candidates = 0
        // An integer goes to an int or long branch before a float or double one, an object to a record
        // branch before a map: two passes, the first over those preferred branches only.
        let integral = kind == .number && AvroNumbers.integer(p, range) != nil
        let twoPasses = integral || kind == .object
        for pass in twoPasses ? 0...1 : 1...1 {
            for (k, branch) in branches.enumerated() where takes(branch, kind) && !yieldsToDouble(branch, branches, range, kind) {
                let preferred: Bool
                switch schema.nodes[branch] {
                case .int, .long, .record: preferred = true
                default: preferred = false
                }
                if twoPasses, preferred != (pass == 0) { continue }
                candidates &+= 1
                out.long(Int64(k))
                do throws(AvroEncodeError) {
                    try value(branch, range, depth: depth &+ 1, to: &out)
                    return
                } catch {
                    out.truncate(to: mark)
                    if error.isSyntax { throw error }
                    if !error.reversedPath.isEmpty, deepFailure == nil { deepFailure = error }
                }
            }
        }
        // One branch of the value's kind whose inside did not fit: its error says more than a list.
        if candidates == 1, let deepFailure { throw deepFailure }
        throw AvroEncodeError("expected \(expectedUnion(branches)), got \(got(range))")
    }

    /// `{"name": value}` with `name` a branch's name: that branch and the value's range.
    func wrapped(_ branches: [Int], _ range: Range<Int>) -> (Int, Range<Int>)? {
        var cursor = entries(range)
        guard let entry = try? next(&cursor, range), (try? next(&cursor, range)) == nil else { return nil }
        for (k, branch) in branches.enumerated() {
            var name = schema.nodes[branch].branchName
            if name.withUTF8({ nameEquals(entry.name, $0) }) { return (k, entry.value) }
        }
        return nil
    }

    /// A float branch passes over a number when the union has a double branch, as fastavro's writer
    /// does: the double holds it exactly, and reads back as the same JSON number (a float's shortest
    /// text is the float's, so 2^53 would come back as 9.007199e+15).
    func yieldsToDouble(_ branch: Int, _ branches: [Int], _ range: Range<Int>, _ kind: JSONKind) -> Bool {
        guard kind == .number, case .float = schema.nodes[branch] else { return false }
        return branches.contains { if case .double = schema.nodes[$0] { return true } else { return false } }
    }

    /// Whether a branch could take a JSON value of this kind at all (the trial decides the rest).
    func takes(_ branch: Int, _ kind: JSONKind) -> Bool {
        switch schema.nodes[branch] {
        case .null: return kind == .null
        case .boolean: return kind == .true || kind == .false
        case .int, .long: return kind == .number
        case .float, .double: return kind == .number || kind == .string
        case .string, .enumeration: return kind == .string
        // A decimal in a union takes only a string: a number there is a float's, double's, int's or long's.
        case .bytes, .fixed: return kind == .string
        case .record, .map: return kind == .object
        case .array: return kind == .array
        case .union: return false
        }
    }
}
