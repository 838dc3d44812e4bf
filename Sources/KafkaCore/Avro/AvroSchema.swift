/// A parsed Avro schema: the type of a value, with every named type it defines or refers to.
///
/// Made once per schema (per registry id) with `AvroSchema(parsing:references:)`, then shared by every
/// `AvroDecoder` and `AvroEncoder` call for that id. Immutable, so `Sendable`.
package struct AvroSchema: Sendable {
    /// Every type of the schema; the `Int`s inside nodes index this array.
    package internal(set) var nodes: [AvroNode]
    /// Logical types, parallel to `nodes` (nil for none, or one that was ignored).
    package internal(set) var logicalTypes: [AvroLogicalType?]
    /// The node of the schema's own (top-level) type.
    package internal(set) var root: Int
    /// Every named type by its full name: this schema's definitions and those of its references.
    package internal(set) var namedTypes: [String: Int]
    /// The smallest number of bytes a value of each node takes in binary (0 for null, empty records):
    /// bounds the item counts a decoder accepts from the remaining bytes.
    var minimumSizes: [Int]
    /// The schema flattened for the codec (made again by the parser once the defaults are encoded).
    var program: AvroProgram {
        didSet {
            decoderProgram = AvroPointerProgram(program, root: root, fieldCommas: true)
            encoderProgram = AvroPointerProgram(program, root: root, fieldCommas: false)
        }
    }
    /// The decoder's and the encoder's copies of `program` (`AvroPointerProgram`).
    package private(set) var decoderProgram: AvroPointerProgram
    package private(set) var encoderProgram: AvroPointerProgram

    /// Parses a schema text (JSON: a type name, a type object or a union array).
    /// `references` are schemas this one may refer to by name (the registry's "references", each
    /// parsed first with its own references): their named types are resolved as if defined before this
    /// schema. Throws a clear error for anything the specification does not allow, never traps.
    package init(parsing text: String, references: [AvroSchema] = []) throws(AvroSchemaError) {
        var text = text
        let result: Result<AvroSchema, AvroSchemaError> = text.withUTF8 { utf8 in
            do throws(AvroSchemaError) {
                return .success(try AvroSchemaParser.parse(UnsafeRawBufferPointer(utf8), references: references))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    init(nodes: [AvroNode], logicalTypes: [AvroLogicalType?], root: Int, namedTypes: [String: Int]) {
        self.nodes = nodes
        self.logicalTypes = logicalTypes
        self.root = root
        self.namedTypes = namedTypes
        let minimumSizes = AvroSchema.minimumSizes(nodes)
        self.minimumSizes = minimumSizes
        let program = AvroProgram(nodes: nodes, logicalTypes: logicalTypes, minimumSizes: minimumSizes)
        self.program = program
        self.decoderProgram = AvroPointerProgram(program, root: root, fieldCommas: true)
        self.encoderProgram = AvroPointerProgram(program, root: root, fieldCommas: false)
    }

    /// Least fixed point: start from "unbounded" and relax until nothing changes, so cycles settle.
    private static func minimumSizes(_ nodes: [AvroNode]) -> [Int] {
        let unbounded = Int.max / 4
        var sizes = [Int](repeating: unbounded, count: nodes.count)
        var changed = true
        while changed {
            changed = false
            for index in nodes.indices {
                let size: Int
                switch nodes[index] {
                case .null: size = 0
                case .boolean, .int, .long, .bytes, .string, .enumeration, .array, .map: size = 1
                case .float: size = 4
                case .double: size = 8
                case .fixed(_, let fixedSize): size = fixedSize
                case .record(_, let fields): size = fields.reduce(0) { min(unbounded, $0 + sizes[$1.type]) }
                case .union(let branches): size = 1 + (branches.map { sizes[$0] }.min() ?? 0)
                }
                if size < sizes[index] {
                    sizes[index] = size
                    changed = true
                }
            }
        }
        return sizes
    }
}
