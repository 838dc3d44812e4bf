/// A copy of a schema's program (`AvroProgram`) for the codec's hot paths, made once per schema: its three
/// arrays in memory this object owns, so a decode or encode takes three pointers from one reference (no
/// array is retained or released per message, and a caller holding the schema in a class copies nothing).
/// The decoder's copy (`fieldCommas`) has each record field's text after the first starting with its
/// comma (`,"name":`), so a field is one copy; the encoder's is the program as it is.
package final class AvroPointerProgram: @unchecked Sendable {   // immutable after init
    let ops: UnsafeMutablePointer<AvroProgram.Op>
    let links: UnsafeMutablePointer<AvroProgram.Link>
    let text: UnsafeMutablePointer<UInt8>
    let root: Int

    init(_ program: AvroProgram, root: Int, fieldCommas: Bool) {
        self.root = root
        var links = program.links
        var text = program.text
        for op in program.ops where fieldCommas && op.kind == .record && op.count > 1 {
            for k in (op.first &+ 1)..<(op.first &+ op.count) {
                let start = text.count
                text.append(UInt8(ascii: ","))
                text.append(contentsOf: program.text[links[k].textStart..<(links[k].textStart &+ links[k].textCount)])
                links[k].textStart = start
                links[k].textCount &+= 1
            }
        }
        ops = .allocate(capacity: max(program.ops.count, 1))
        ops.initialize(from: program.ops, count: program.ops.count)
        self.links = .allocate(capacity: max(links.count, 1))
        self.links.initialize(from: links, count: links.count)
        self.text = .allocate(capacity: max(text.count, 1))
        self.text.initialize(from: text, count: text.count)
        opCount = program.ops.count
        linkCount = links.count
    }

    private let opCount: Int
    private let linkCount: Int

    deinit {
        ops.deinitialize(count: opCount)
        ops.deallocate()
        links.deinitialize(count: linkCount)
        links.deallocate()
        text.deallocate()
    }
}
