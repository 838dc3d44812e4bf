import Foundation
import XCTest
@testable import KafkaCore

/// The hot paths on a ~200-byte line, timed and checked: every run checks what each timed operation
/// produced (the validator's verdicts, the members scanned, the envelope lines and what they decode
/// to), so a broken path fails the test instead of printing a flattering figure.
/// By default a few thousand iterations (a correctness test, timings not meaningful); with JSON_BENCH=1
/// two million, in a release build: `JSON_BENCH=1 swift test -c release --scratch-path .build-json --filter JSONBenchmark`.
/// Repeatable instruction counts of the same paths: Scripts/bench-json-instructions.sh (callgrind).
final class JSONBenchmarkTests: XCTestCase {
    static let line = Array(
        #"{"id":1234567,"user":"alice@example.com","event":"page_view","url":"https://example.com/products/widget-42?ref=home","ts":1700000000123,"tags":["a","b","c"],"score":0.875,"ok":true,"geo":{"lat":52.52,"lon":13.405}}"#
            .utf8)

    func testPrintTimings() throws {
        let benchmarking = ProcessInfo.processInfo.environment["JSON_BENCH"] == "1"
        let line = Self.line
        let iterations = benchmarking ? 2_000_000 : 2_000
        var calls = 0   // how many times each measured body runs its operation, over warm-up and runs

        // The validator tells the benchmark line from a copy broken near its end.
        var broken = line
        broken[broken.count - 1] = UInt8(ascii: "]")
        XCTAssertEqual(JSONTestBytes.validate(broken), JSONScanError(offset: line.count - 1, reason: .unexpectedByte(UInt8(ascii: "]"))))

        let validate = measureNanoseconds(iterations) { count in
            var failures = 0
            line.withUnsafeBytes { buffer in
                for _ in 0..<count where JSONScanner.validate(buffer) != nil { failures += 1 }
            }
            XCTAssertEqual(failures, 0)
        }

        var members = 0
        var scanFailures = 0
        let scan = measureNanoseconds(iterations) { count in
            calls += count
            line.withUnsafeBytes { buffer in
                for _ in 0..<count {
                    do { try JSONScanner.scanObject(buffer) { _, _, _ in members &+= 1 } } catch { scanFailures += 1 }
                }
            }
        }
        XCTAssertEqual(scanFailures, 0)
        XCTAssertEqual(members, 9 * calls, "9 top-level members per scan")
        let names: [String] = line.withUnsafeBytes { buffer in
            var names: [String] = []
            try? JSONScanner.scanObject(buffer) { name, _, _ in
                names.append(String(decoding: JSONScanner.decodeStringContent(buffer, name), as: UTF8.self))
            }
            return names
        }
        XCTAssertEqual(names, ["id", "user", "event", "url", "ts", "tags", "score", "ok", "geo"])

        let key = Array("user-00042".utf8)
        let headers = [EnvelopeHeader(key: "trace-id", value: Array("4bf92f3577b34da6".utf8)),
                       EnvelopeHeader(key: "content-type", value: Array("application/json".utf8))]
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        var offset: Int64 = 0
        let append = measureNanoseconds(iterations) { count in
            key.withUnsafeBytes { keyBuffer in
                line.withUnsafeBytes { valueBuffer in
                    for _ in 0..<count {
                        out.removeAll(keepingCapacity: true)
                        offset &+= 1
                        Envelope.append(topic: "events", partition: 3, offset: offset, timestamp: 1_700_000_000_123,
                                        key: keyBuffer, value: valueBuffer, headers: headers, to: &out)
                    }
                }
            }
        }
        // The last line written: the JSON value embedded raw, everything else as given.
        XCTAssertEqual(out.last, UInt8(ascii: "\n"))
        XCTAssertEqual(try out.dropLast().withUnsafeBytes { try Envelope.decode($0) },
                       EnvelopeRecord(topic: "events", partition: 3, offset: offset, timestamp: 1_700_000_000_123,
                                      key: key, value: line, headers: headers))
        XCTAssertNotNil(out.firstRange(of: Array(",\"value\":".utf8) + line + Array("}\n".utf8)), "value embedded raw, last")
        let textValue = Array(String(repeating: "plain text line with words, ", count: 7).utf8.prefix(200))
        let appendText = measureNanoseconds(iterations) { count in
            textValue.withUnsafeBytes { valueBuffer in
                for _ in 0..<count {
                    out.removeAll(keepingCapacity: true)
                    Envelope.append(topic: "events", partition: 3, offset: 1, timestamp: 1_700_000_000_123,
                                    key: nil, value: valueBuffer, headers: [], to: &out)
                }
            }
        }
        XCTAssertNotNil(out.firstRange(of: Array(#""value_encoding":"text""#.utf8)), "a text value is written as a string")
        let envelopeLine = out
        let expected = EnvelopeRecord(topic: "events", partition: 3, offset: 1, timestamp: 1_700_000_000_123, value: textValue)
        var decodedRight = 0
        calls = 0
        let decode = measureNanoseconds(iterations / 4) { count in
            calls += count
            envelopeLine.withUnsafeBytes { buffer in
                for _ in 0..<count where (try? Envelope.decode(buffer)) == expected { decodedRight += 1 }
            }
        }
        XCTAssertEqual(decodedRight, calls, "every decode gives the record written")
        print(String(format: "JSONBenchmark (%d-byte line): validate %.1f ns, scanObject %.1f ns, "
                     + "Envelope.append JSON value + key + 2 headers %.1f ns, Envelope.append 200-byte text value %.1f ns, "
                     + "Envelope.decode %.1f ns", line.count, validate, scan, append, appendText, decode)
              + (benchmarking ? "" : " (a short run: set JSON_BENCH=1 in a release build for real figures)"))
        XCTAssertGreaterThan(members, 0)
    }

    /// Best of three runs, in ns per iteration.
    private func measureNanoseconds(_ iterations: Int, _ body: (Int) -> Void) -> Double {
        body(iterations / 20)   // warm-up
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            body(iterations)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            best = min(best, elapsed / Double(iterations))
        }
        return best
    }
}
