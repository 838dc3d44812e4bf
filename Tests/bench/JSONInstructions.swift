// Instruction counts of the JSON and envelope hot paths, for Scripts/bench-json-instructions.sh (built with
// swiftc -O together with the library's JSON and Envelope sources, not by SwiftPM; run under callgrind).
//   json-instructions OPERATION COUNT    runs OPERATION COUNT times on the 200-byte benchmark line
// The script runs each operation twice (two counts) and divides the difference, so start-up cancels out.
// Each run checks its results, so a broken path cannot produce a flattering figure.

let line = Array(
    #"{"id":1234567,"user":"alice@example.com","event":"page_view","url":"https://example.com/products/widget-42?ref=home","ts":1700000000123,"tags":["a","b","c"],"score":0.875,"ok":true,"geo":{"lat":52.52,"lon":13.405}}"#
        .utf8)

@main
enum JSONInstructions {
    static func main() {
        let args = CommandLine.arguments
        guard args.count == 3, let count = Int(args[2]) else {
            print("usage: json-instructions validate|scan|append|decode COUNT")
            exit(64)
        }
        var checks = 0
        switch args[1] {
        case "validate":
            line.withUnsafeBytes { buffer in
                for _ in 0..<count where JSONScanner.validate(buffer) == nil { checks &+= 1 }
            }
            precondition(checks == count)
        case "scan":
            line.withUnsafeBytes { buffer in
                for _ in 0..<count { try? JSONScanner.scanObject(buffer) { _, _, _ in checks &+= 1 } }
            }
            precondition(checks == 9 * count)
        case "append":
            var out: [UInt8] = []
            out.reserveCapacity(1024)
            let key = Array("user-00042".utf8)
            let headers = [EnvelopeHeader(key: "trace-id", value: Array("4bf92f3577b34da6".utf8))]
            key.withUnsafeBytes { k in
                line.withUnsafeBytes { v in
                    for i in 0..<count {
                        out.removeAll(keepingCapacity: true)
                        Envelope.append(topic: "events", partition: 3, offset: Int64(i), timestamp: 1_700_000_000_123,
                                        key: k, value: v, headers: headers, to: &out)
                        checks &+= out.count
                    }
                }
            }
            precondition(count == 0 || checks > 200 * count)
        case "decode":
            var out: [UInt8] = []
            line.withUnsafeBytes { v in
                Envelope.append(topic: "events", partition: 3, offset: 7, timestamp: 1_700_000_000_123,
                                key: nil, value: v, headers: [], to: &out)
            }
            out.withUnsafeBytes { buffer in
                for _ in 0..<count where (try? Envelope.decode(buffer))?.value == line { checks &+= 1 }
            }
            precondition(checks == count)
        default:
            print("unknown operation \(args[1])")
            exit(64)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
