/// A schema flattened for the codec's hot loops: plain values in three contiguous arrays, read through
/// unsafe buffer pointers taken once per value, so walking a value retains and releases nothing (the
/// `AvroNode` enum carries arrays and strings, and every switch over it retained them).
///
/// `ops` parallels `AvroSchema.nodes`. A record's fields, an enum's symbols and a union's branches are runs
/// of `links`; each link's text (a field's `"name":`, a symbol's `"SYMBOL"`, a branch's `{"name":`) is a
/// run of `text`, ready to append.
struct AvroProgram: Sendable {
    enum Kind: UInt8, Sendable {
        case null, boolean, int, long, float, double, bytes, string, record, enumeration, array, map, union, fixed
    }

    struct Op: Sendable {
        var kind: Kind
        /// A decimal logical type (bytes or fixed), with `precision` and `scale`.
        var isDecimal = false
        var precision = 0
        var scale = 0
        /// Fixed: its size. Record, enum, union: the number of links.
        var count = 0
        /// Record, enum, union: the first link. Array, map: the items' or values' node.
        var first = 0
        /// The smallest number of bytes a value takes in binary (`AvroSchema.minimumSizes`).
        var minimumSize = 0
    }

    struct Link: Sendable {
        /// The field's type, the branch's node (0 for an enum's symbol).
        var node: Int
        var textStart: Int
        var textCount: Int
        /// A field's encoded default, a run of `text` (`defaultStart` -1: none encoded yet).
        var defaultStart = -1
        var defaultCount = 0
        /// A field's default as JSON, a run of `text` (-1: none), for defaults needed while the
        /// defaults themselves are being encoded.
        var defaultJSONStart = -1
        var defaultJSONCount = 0
    }

    var ops: [Op] = []
    var links: [Link] = []
    var text: [UInt8] = []

    init(nodes: [AvroNode], logicalTypes: [AvroLogicalType?], minimumSizes: [Int]) {
        ops.reserveCapacity(nodes.count)
        for index in nodes.indices {
            var op = Op(kind: .null)
            switch nodes[index] {
            case .null: op.kind = .null
            case .boolean: op.kind = .boolean
            case .int: op.kind = .int
            case .long: op.kind = .long
            case .float: op.kind = .float
            case .double: op.kind = .double
            case .bytes: op.kind = .bytes
            case .string: op.kind = .string
            case .fixed(_, let size):
                op.kind = .fixed
                op.count = size
            case .array(let items):
                op.kind = .array
                op.first = items
            case .map(let values):
                op.kind = .map
                op.first = values
            case .record(_, let fields):
                op.kind = .record
                op.first = links.count
                op.count = fields.count
                for field in fields {
                    addLink(field.type, field.jsonKey)
                    if let json = field.defaultJSON {
                        links[links.count &- 1].defaultJSONStart = text.count
                        links[links.count &- 1].defaultJSONCount = json.count
                        text.append(contentsOf: json)
                    }
                    if let binary = field.defaultBinary {
                        links[links.count &- 1].defaultStart = text.count
                        links[links.count &- 1].defaultCount = binary.count
                        text.append(contentsOf: binary)
                    }
                }
            case .enumeration(_, _, let quoted):
                op.kind = .enumeration
                op.first = links.count
                op.count = quoted.count
                for symbol in quoted { addLink(0, symbol) }
            case .union(let branches):
                op.kind = .union
                op.first = links.count
                op.count = branches.count
                for branch in branches {
                    var wrapper: [UInt8] = [UInt8(ascii: "{")]
                    JSONString.appendQuoted(nodes[branch].branchName, to: &wrapper)
                    wrapper.append(UInt8(ascii: ":"))
                    addLink(branch, wrapper)
                }
            }
            if case .decimal(let precision, let scale) = logicalTypes[index] {
                op.isDecimal = true
                op.precision = precision
                op.scale = scale
            }
            op.minimumSize = minimumSizes[index]
            ops.append(op)
        }
    }

    private mutating func addLink(_ node: Int, _ bytes: [UInt8]) {
        links.append(Link(node: node, textStart: text.count, textCount: bytes.count))
        text.append(contentsOf: bytes)
    }

    /// Calls `body` with the three arrays' storage.
    @inline(__always)
    func withPointers<R>(_ body: (UnsafePointer<Op>, UnsafePointer<Link>, UnsafePointer<UInt8>) -> R) -> R {
        ops.withUnsafeBufferPointer { ops in
            links.withUnsafeBufferPointer { links in
                text.withUnsafeBufferPointer { text in
                    body(ops.baseAddress.unsafelyUnwrapped,
                         links.baseAddress ?? UnsafePointer(bitPattern: 8).unsafelyUnwrapped,
                         text.baseAddress ?? UnsafePointer(bitPattern: 8).unsafelyUnwrapped)
                }
            }
        }
    }
}
