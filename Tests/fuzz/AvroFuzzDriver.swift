// The Swift half of Scripts/fuzz-avro.py (built by it with swiftc from Sources/KafkaCore's JSON, Envelope and
// Avro sources, not by SwiftPM). Reads the cases fastavro wrote, runs the codec on each, writes what Python
// compares, and checks here what needs no oracle: the Avro form re-encodes byte for byte, truncations are
// errors, corrupted and random bodies never crash and decode only to valid JSON.
// Usage: avro-driver CASES-FILE RESULTS-FILE, or avro-driver --bench [N] (Scripts/fuzz-avro.py --bench)
#if canImport(Glibc)
import Glibc
#endif

@main
struct AvroFuzzDriver {
    struct Input {
        let bytes: [UInt8]
        var at = 0
        mutating func u32() -> Int {
            defer { at += 4 }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        mutating func chunk() -> [UInt8] {
            let n = u32()
            defer { at += n }
            return Array(bytes[at..<at + n])
        }
    }

    /// xorshift64*: deterministic per seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func readFile(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    static func decode(_ schema: AvroSchema, _ body: [UInt8], _ form: AvroJSONForm) -> Result<[UInt8], AvroDecodeError> {
        var out: [UInt8] = []
        return body.withUnsafeBytes { raw in
            do throws(AvroDecodeError) {
                try AvroDecoder.appendJSON(body: raw, schema: schema, form: form, to: &out)
                return .success(out)
            } catch {
                return .failure(error)
            }
        }
    }

    static func encode(_ schema: AvroSchema, _ json: [UInt8], _ form: AvroJSONForm) -> Result<[UInt8], AvroEncodeError> {
        var out: [UInt8] = []
        return json.withUnsafeBytes { raw in
            do throws(AvroEncodeError) {
                try AvroEncoder.appendBinary(json: raw, schema: schema, form: form, to: &out)
                return .success(out)
            } catch {
                return .failure(error)
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    /// `avro-driver --bench [N]`: ns per record to decode (natural JSON) and encode a 12-field record of
    /// ~150 bytes, the shape of issue 22's benchmark; the best of five timed loops of N records each.
    static func bench(_ n: Int) {
        let schema = try! AvroSchema(parsing: AvroBenchRecord.schemaText)
        let json = AvroBenchRecord.natural
        var body: [UInt8] = []
        json.withUnsafeBytes { try! AvroEncoder.appendBinary(json: $0, schema: schema, to: &body) }
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        func clock() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
        }
        var bestDecode = Double.infinity, bestEncode = Double.infinity
        var decodedBytes = 0
        for _ in 0..<5 {
            var t0 = clock()
            body.withUnsafeBytes { raw in
                for _ in 0..<n {
                    out.removeAll(keepingCapacity: true)
                    try! AvroDecoder.appendJSON(body: raw, schema: schema, to: &out)
                }
            }
            bestDecode = min(bestDecode, (clock() - t0) / Double(n))
            decodedBytes = out.count
            t0 = clock()
            json.withUnsafeBytes { raw in
                for _ in 0..<n {
                    out.removeAll(keepingCapacity: true)
                    try! AvroEncoder.appendBinary(json: raw, schema: schema, to: &out)
                }
            }
            bestEncode = min(bestEncode, (clock() - t0) / Double(n))
        }
        print("12-field record, \(body.count) B Avro, \(decodedBytes) B natural JSON: decode \(Int(bestDecode.rounded())) ns/record"
              + " (\(Int((1e9 / bestDecode).rounded())) records/s), encode \(Int(bestEncode.rounded())) ns/record"
              + " (\(Int((1e9 / bestEncode).rounded())) records/s); best of 5 loops of \(n)")
    }

    static func main() {
        let args = CommandLine.arguments
        if args.count > 1, args[1] == "--bench" {
            bench(args.count > 2 ? Int(args[2]) ?? 1_000_000 : 1_000_000)
            return
        }
        var input = Input(bytes: readFile(args[1]))
        var schemas: [AvroSchema?] = []
        var failures = 0
        func fail(_ message: String) {
            failures += 1
            if failures <= 10 { fputs("fuzz-avro: FAIL \(message)\n", stderr) }
        }
        for _ in 0..<input.u32() {
            let text = String(decoding: input.chunk(), as: UTF8.self)
            do {
                schemas.append(try AvroSchema(parsing: text))
            } catch {
                fail("schema fastavro accepted: \(error): \(text)")
                schemas.append(nil)
            }
        }
        let count = input.u32()
        var random = Random(state: UInt64(input.u32()) &* 0x9E37_79B9_7F4A_7C15 | 1)
        // Corrupted schema texts: a truncation and a changed byte of each, plus a swap of two JSON
        // tokens' bytes; any may be refused, none may crash.
        var schemaMutants = 0, schemaMutantsParsed = 0
        input.at = 4
        for _ in 0..<schemas.count {
            let text = input.chunk()
            for _ in 0..<3 {
                var bad = text
                if bad.isEmpty { break }
                switch random.below(3) {
                case 0: bad.removeSubrange(random.below(bad.count)...)
                case 1: bad[random.below(bad.count)] = Array(#"{}[]",:0123456789-"abnx"#.utf8)[random.below(22)]
                default: bad.insert(contentsOf: Array(#"{"type":"record","name":"Q","fields":[]}"#.utf8), at: random.below(bad.count))
                }
                schemaMutants += 1
                if (try? AvroSchema(parsing: String(decoding: bad, as: UTF8.self))) != nil { schemaMutantsParsed += 1 }
            }
        }
        _ = input.u32()
        _ = input.u32()
        var results: [UInt8] = []
        func put(_ bytes: [UInt8]) {
            let n = UInt32(bytes.count)
            results.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
            results.append(contentsOf: bytes)
        }
        func text(_ result: Result<[UInt8], AvroDecodeError>) -> [UInt8] {
            switch result {
            case .success(let json):
                if let error = json.withUnsafeBytes({ JSONScanner.validate($0) }) {
                    fail("decoded to invalid JSON: \(error): \(String(decoding: json, as: UTF8.self))")
                }
                return json
            case .failure(let error): return Array("decode error: \(error)".utf8)
            }
        }
        var stats = (avroExact: 0, truncations: 0, corrupted: 0, corruptedValid: 0, garbage: 0, garbageValid: 0)
        for k in 0..<count {
            let index = input.u32()
            let body = input.chunk(), natural = input.chunk(), avro = input.chunk()
            guard let schema = schemas[index] else {
                put([]); put([]); put([])
                continue
            }
            put(text(decode(schema, body, .natural)))
            put(text(decode(schema, body, .avro)))
            switch encode(schema, avro, .avro) {
            case .success(let bytes) where bytes == body: stats.avroExact += 1
            case .success(let bytes): fail("case \(k): Avro JSON encoded to \(hex(bytes)), fastavro wrote \(hex(body)): \(String(decoding: avro, as: UTF8.self))")
            case .failure(let error): fail("case \(k): Avro JSON did not encode: \(error): \(String(decoding: avro, as: UTF8.self))")
            }
            switch encode(schema, natural, .natural) {
            case .success(let bytes) where bytes == body: put(Array("=".utf8))
            case .success(let bytes): put(text(decode(schema, bytes, .natural)))
            case .failure(let error): put(Array("encode error: \(error)".utf8))
            }
            // A strict prefix of a body never decodes: the decoder reads exactly what the writer wrote.
            if !body.isEmpty {
                stats.truncations += 1
                let cut = Array(body[0..<random.below(body.count)])
                if case .success(let json) = decode(schema, cut, .natural) {
                    fail("case \(k): truncation to \(cut.count) bytes decoded: \(String(decoding: json, as: UTF8.self))")
                }
            }
            // Corrupted: a byte changed, inserted or removed; then random bytes. Errors or valid JSON, never a crash.
            var bad = body
            switch random.below(3) {
            case 0 where !bad.isEmpty: bad[random.below(bad.count)] ^= UInt8(1 + random.below(255))
            case 1: bad.insert(UInt8(random.below(256)), at: random.below(bad.count + 1))
            default: if !bad.isEmpty { bad.remove(at: random.below(bad.count)) }
            }
            stats.corrupted += 1
            for form in [AvroJSONForm.natural, .avro] {
                if case .success = decode(schema, bad, form) { stats.corruptedValid += 1 }
                _ = text(decode(schema, bad, form))
            }
            let garbage = (0..<random.below(24)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            stats.garbage += 1
            if case .success = decode(schema, garbage, .natural) { stats.garbageValid += 1 }
            _ = text(decode(schema, garbage, .natural))
        }
        guard let out = fopen(args[2], "wb") else { fatalError("cannot write \(args[2])") }
        _ = results.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) }
        fclose(out)
        print("Avro JSON re-encoded byte for byte \(stats.avroExact) of \(count); \(stats.truncations) truncations all errors;"
              + " \(stats.corrupted) corrupted bodies (\(stats.corruptedValid) of \(2 * stats.corrupted) decodes still valid, all JSON)"
              + " and \(stats.garbage) random ones (\(stats.garbageValid) valid) without a crash;"
              + " \(schemaMutants) corrupted schema texts (\(schemaMutantsParsed) still schemas) without a crash"
              + (failures > 0 ? "; FAIL: \(failures) driver checks failed" : ""))
    }
}
