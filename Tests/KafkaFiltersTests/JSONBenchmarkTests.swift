import Foundation
import XCTest
@testable import KafkaFilters

/// Prints ns per ~200-byte line for the hot paths. Skipped unless JSON_BENCH=1; meaningful only in
/// release builds: `JSON_BENCH=1 swift test -c release --scratch-path .build-json --filter JSONBenchmark`.
final class JSONBenchmarkTests: XCTestCase {
    static let line = Array(
        #"{"id":1234567,"user":"alice@example.com","event":"page_view","url":"https://example.com/products/widget-42?ref=home","ts":1700000000123,"tags":["a","b","c"],"score":0.875,"ok":true,"geo":{"lat":52.52,"lon":13.405}}"#
            .utf8)

    func testPrintTimings() throws {
        guard ProcessInfo.processInfo.environment["JSON_BENCH"] == "1" else {
            throw XCTSkip("set JSON_BENCH=1 (and build with -c release) to run the benchmark")
        }
        let line = Self.line
        let iterations = 2_000_000

        let validate = measureNanoseconds(iterations) { count in
            var failures = 0
            line.withUnsafeBytes { buffer in
                for _ in 0..<count where JSONScanner.validate(buffer) != nil { failures += 1 }
            }
            XCTAssertEqual(failures, 0)
        }

        var members = 0
        let scan = measureNanoseconds(iterations) { count in
            line.withUnsafeBytes { buffer in
                for _ in 0..<count { try? JSONScanner.scanObject(buffer) { _, _, _ in members &+= 1 } }
            }
        }

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
        let envelopeLine = out
        let decode = measureNanoseconds(iterations / 4) { count in
            envelopeLine.withUnsafeBytes { buffer in
                for _ in 0..<count { _ = try? Envelope.decode(buffer) }
            }
        }
        print(String(format: "JSONBenchmark (%d-byte line): validate %.1f ns, scanObject %.1f ns, "
                     + "Envelope.append JSON value + key + 2 headers %.1f ns, Envelope.append 200-byte text value %.1f ns, "
                     + "Envelope.decode %.1f ns", line.count, validate, scan, append, appendText, decode))
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
