import XCTest
@testable import KafkaCore

/// The envelope contract: decode(append(...)) gives back key, value, headers and timestamp exactly,
/// for any bytes, and every line is one valid JSON document terminated by its only newline.
final class EnvelopeRoundTripTests: XCTestCase {
    func testRandomRecordsRoundTrip() throws {
        var generator = JSONDocumentGenerator(seed: 0xE7E1_0BE5)
        var forms: [Envelope.ValueForm: Int] = [:]
        for iteration in 0..<4_000 {
            let key = payload(&generator)
            let value = payload(&generator)
            let headers = (0..<generator.rng.below(4)).map { _ in
                EnvelopeHeader(key: headerName(&generator), value: payload(&generator))
            }
            let timestamp: Int64? = generator.rng.pick([nil, -1, 0, 1_700_000_000_123, Int64.max,
                                                        Int64(generator.rng.below(1 << 40))])
            let partition = Int32(generator.rng.below(100)) - 1
            let offset = Int64(bitPattern: generator.rng.next())
            let topic = headerName(&generator)

            var line: [UInt8] = Array("garbage-from-previous-line".utf8)
            let start = line.count
            withOptional(key) { keyBuffer in
                withOptional(value) { valueBuffer in
                    Envelope.append(topic: topic, partition: partition, offset: offset, timestamp: timestamp,
                                    key: keyBuffer, value: valueBuffer, headers: headers, to: &line)
                }
            }
            line.removeFirst(start)
            if let value { forms[value.withUnsafeBytes { Envelope.classify($0) }, default: 0] += 1 }

            let context = "iteration \(iteration), line hex: \(JSONTestBytes.hex(line))"
            XCTAssertEqual(line.last, 0x0A, context)
            XCTAssertEqual(line.filter { $0 == 0x0A }.count, 1, context)
            XCTAssertNil(JSONTestBytes.validate(line), context)
            XCTAssertTrue(JSONTestBytes.foundationAccepts(line), context)

            let record = try line.withUnsafeBytes { try Envelope.decode($0) }
            XCTAssertEqual(record.topic, topic, context)
            XCTAssertEqual(record.partition, partition, context)
            XCTAssertEqual(record.offset, offset, context)
            XCTAssertEqual(record.timestamp, timestamp.flatMap { $0 >= 0 ? $0 : nil }, context)
            XCTAssertEqual(record.key, key, context)
            XCTAssertEqual(record.value, value, context)
            XCTAssertEqual(record.headers, headers, context)
        }
        // Every representation must actually be exercised.
        XCTAssertGreaterThan(forms[.json, default: 0], 300)
        XCTAssertGreaterThan(forms[.text, default: 0], 300)
        XCTAssertGreaterThan(forms[.binary, default: 0], 300)
    }

    private func withOptional(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Void) {
        if let bytes { bytes.withUnsafeBytes { body($0) } } else { body(nil) }
    }

    /// Keys, values and header values: nil, empty, "null", binary, text with controls and newlines,
    /// JSON (sometimes not embeddable), invalid UTF-8.
    private func payload(_ generator: inout JSONDocumentGenerator) -> [UInt8]? {
        switch generator.rng.below(11) {
        case 0: return nil
        case 1: return []
        case 2: return Array(generator.rng.pick(["null", " null", "null\n", "\"null\"", "[null]", "nul"]).utf8)
        case 3: return generator.rng.bytes(generator.rng.below(40))
        case 4:
            return (0..<generator.rng.below(30)).map { _ in
                generator.rng.chance(30) ? UInt8(generator.rng.below(0x20)) : generator.rng.pick(Array("ab \"\\/{}\n\r\t".utf8))
            }
        case 5:
            var text: [UInt8] = []
            for _ in 0..<generator.rng.below(10) { text += JSONTestBytes.utf8(generator.randomScalar()) }
            return text
        case 6:
            var doc = generator.document(maxDepth: 4)
            if generator.rng.chance(30) { doc.insert(0x0A, at: generator.rng.below(doc.count + 1)) }
            return doc
        case 7:
            return generator.mutate(generator.document(maxDepth: 3))
        default:
            return generator.document(maxDepth: 3)
        }
    }

    private func headerName(_ generator: inout JSONDocumentGenerator) -> String {
        switch generator.rng.below(4) {
        case 0: return ""
        case 1: return String(decoding: generator.rng.bytes(generator.rng.below(12)), as: UTF8.self)   // lossy, as the binding does
        case 2: return "x-\(generator.rng.below(1000))\n\"\\\u{0}é😀"
        default: return generator.rng.pick(["trace-id", "content-type", "h", "h"])
        }
    }
}
