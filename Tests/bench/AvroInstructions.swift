// Instruction counts of the Avro codec on issue 22's benchmark record (12 fields, ~140 B of Avro), for
// Scripts/bench-avro-instructions.sh (built with swiftc -O -wmo together with the library's JSON, Envelope
// and Avro sources, not by SwiftPM; run under callgrind).
//   avro-instructions decode|encode natural|avro COUNT
// The script runs each operation twice (two counts) and divides the difference, so start-up cancels out.
// Each run checks its result against the first one, so a broken path cannot produce a flattering figure.
#if canImport(Glibc)
import Glibc
#endif

@main
enum AvroInstructions {
    static func main() {
        let args = CommandLine.arguments
        guard args.count == 4, let count = Int(args[3]), ["decode", "encode"].contains(args[1]),
              ["natural", "avro"].contains(args[2]) else {
            print("usage: avro-instructions decode|encode natural|avro COUNT")
            exit(64)
        }
        let schema = try! AvroSchema(parsing: AvroBenchRecord.schemaText)
        let form: AvroJSONForm = args[2] == "avro" ? .avro : .natural
        var body: [UInt8] = []
        AvroBenchRecord.natural.withUnsafeBytes { try! AvroEncoder.appendBinary(json: $0, schema: schema, to: &body) }
        var json: [UInt8] = []
        body.withUnsafeBytes { try! AvroDecoder.appendJSON(body: $0, schema: schema, form: form, to: &json) }
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        let input = args[1] == "decode" ? body : json
        let expected = args[1] == "decode" ? json : body
        input.withUnsafeBytes { raw in
            for _ in 0..<count {
                out.removeAll(keepingCapacity: true)
                if args[1] == "decode" {
                    try! AvroDecoder.appendJSON(body: raw, schema: schema, form: form, to: &out)
                } else {
                    try! AvroEncoder.appendBinary(json: raw, schema: schema, form: form, to: &out)
                }
            }
        }
        precondition(count == 0 || out == expected, "the result differs from the first one")
        if count == 0 { print(String(decoding: json, as: UTF8.self)) }
    }
}
