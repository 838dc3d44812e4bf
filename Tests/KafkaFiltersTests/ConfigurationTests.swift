import ArgumentParser
import Foundation
import XCTest

@testable import KafkaFilters
@testable import KafkaCore

/// Configuration resolution: -F files, -X, KAFKA_BROKERS, precedence, secrets; kmock's command parser.
final class ConfigurationTests: XCTestCase {
    private func write(_ text: String, mode: mode_t = 0o600) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, mode)
        return url.path
    }

    func testConfigFileKeyValueLinesCommentsAndBlanks() throws {
        let path = try write("# comment\n\nlinger.ms = 7\n  client.id=abc=def  \r\n")
        let pairs = try ConfigFile.read(path: path)
        XCTAssertEqual(pairs.map(\.0), ["linger.ms", "client.id"])
        XCTAssertEqual(pairs.map(\.1), ["7", "abc=def"])
    }

    func testConfigFileErrorsNameTheLine() throws {
        let path = try write("linger.ms=1\nnonsense\n")
        XCTAssertThrowsError(try ConfigFile.read(path: path)) { error in
            let failure = error as? ToolFailure
            XCTAssertEqual(failure?.status, .configError)
            XCTAssertTrue(failure?.message.contains(":2:") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try ConfigFile.read(path: "/nonexistent/file")) { error in
            XCTAssertEqual((error as? ToolFailure)?.status, .configError)
        }
    }

    func testPrecedenceDefaultsThenFileThenX() throws {
        let path = try write("linger.ms=7\nclient.id=from-file\n")
        let options = try ConnectionOptions.parse(["-b", "h:1", "-F", path, "-X", "client.id=from-x"])
        var settings = try options.resolve(tool: "test", environment: ["KAFKA_BROKERS": "ignored:1"])
        settings.addDefaults([("linger.ms", "5"), ("batch.num.messages", "100")])
        XCTAssertEqual(settings.brokers, "h:1")
        XCTAssertEqual(settings.value(of: "client.id"), "from-x")
        XCTAssertEqual(settings.value(of: "linger.ms"), "7", "a default never overrides the user")
        XCTAssertEqual(settings.value(of: "batch.num.messages"), "100")
    }

    func testBrokersFromEnvironmentThenDefault() throws {
        let options = try ConnectionOptions.parse([])
        XCTAssertEqual(try options.resolve(tool: "t", environment: ["KAFKA_BROKERS": "e:9"]).brokers, "e:9")
        XCTAssertEqual(try options.resolve(tool: "t", environment: [:]).brokers, "localhost:9092")
        XCTAssertEqual(try options.resolve(tool: "t", environment: ["KAFKA_BROKERS": ""]).brokers, "localhost:9092")
    }

    /// librdkafka's sparse-connect interval is max(11, reconnect.backoff.ms / 2): 20 ms by default here, so a
    /// tool's first learned broker on librdkafka 2.10+ waits 11 ms, not 50; never above the user's max
    /// (librdkafka refuses a backoff over reconnect.backoff.max.ms), and the user's own value wins.
    func testReconnectBackoffDefaultIsShortAndNeverOverTheMax() throws {
        let plain = try ConnectionOptions.parse([]).resolve(tool: "t", environment: [:])
        XCTAssertEqual(plain.value(of: "reconnect.backoff.ms"), "20")
        XCTAssertEqual(plain.value(of: "reconnect.backoff.max.ms"), "1000")
        let lowMax = try ConnectionOptions.parse(["-X", "reconnect.backoff.max.ms=10"]).resolve(tool: "t", environment: [:])
        XCTAssertEqual(lowMax.value(of: "reconnect.backoff.ms"), "10")
        let own = try ConnectionOptions.parse(["-X", "reconnect.backoff.ms=100"]).resolve(tool: "t", environment: [:])
        XCTAssertEqual(own.value(of: "reconnect.backoff.ms"), "100")
    }

    func testUnknownAndInvalidPropertiesAreConfigurationErrors() throws {
        for args in [["-X", "no.such=1"], ["-X", "linger.ms=banana"]] {
            let options = try ConnectionOptions.parse(args)
            XCTAssertThrowsError(try options.resolve(tool: "t", environment: [:])) { error in
                XCTAssertEqual((error as? ToolFailure)?.status, .configError, "\(args)")
            }
        }
        XCTAssertThrowsError(try ConnectionOptions.parse(["-X", "novalue"]), "missing = is a usage error")
    }

    func testSecretsAreRecognisedAndMasked() throws {
        for key in ["sasl.password", "ssl.key.password", "sasl.oauthbearer.client.secret", "ssl.keystore.password", "ssl.key.pem",
                    "sasl.oauthbearer.client.credentials.client.secret", "sasl.oauthbearer.assertion.private.key.pem",
                    "sasl.oauthbearer.assertion.private.key.passphrase", "sasl.oauthbearer.config"] {
            XCTAssertTrue(ClientSettings.isSecret(key), key)
        }
        XCTAssertFalse(ClientSettings.isSecret("sasl.username"))
        let secret = "pw-\(UUID().uuidString)"
        let options = try ConnectionOptions.parse(["-X", "sasl.password=\(secret)"])
        _ = try options.resolve(tool: "t", environment: [:])
        XCTAssertEqual(Diagnostics.redact("auth failed for \(secret)!"), "auth failed for ******!")
    }

    func testMockCommands() throws {
        XCTAssertEqual(try MockCommand(parsing: "down 2"), .down(2))
        XCTAssertEqual(try MockCommand(parsing: "  rtt 1   250 "), .rtt(1, 250))
        XCTAssertEqual(try MockCommand(parsing: "topic t 12"), .topic("t", 12))
        let errors = try MockCommand(parsing: "errors Produce 3 NOT_LEADER_FOR_PARTITION")
        XCTAssertEqual(errors, .errors(api: 0, count: 3, code: 6))
        XCTAssertEqual(try MockCommand(parsing: "errors OffsetCommit 1 25"), .errors(api: 8, count: 1, code: 25))
        for bad in ["", "down", "down x", "errors Nope 1 1", "errors Produce 0 1", "errors Produce 1 NO_SUCH_ERROR", "topic t 0", "fly away"] {
            XCTAssertThrowsError(try MockCommand(parsing: bad), bad)
        }
    }

    func testWorstExitStatus() {
        XCTAssertEqual(ExitStatus.ok.worst(.dataError), .dataError)
        XCTAssertEqual(ExitStatus.dataError.worst(.tempFailure), .tempFailure)
        XCTAssertEqual(ExitStatus.tempFailure.worst(.dataError), .tempFailure)
        XCTAssertEqual(ExitStatus.configError.worst(.terminated), .terminated)
    }
}

/// The streaming line reader: bounded memory, CRLF, a last line without newline, over-long lines in pieces.
final class LineReaderTests: XCTestCase {
    private func lines(of data: Data, max: Int = 16, chunk: Int = 8) throws -> [String] {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeFD = fds[1]
        let writer = Thread {
            data.withUnsafeBytes { buf in
                var off = 0
                while off < buf.count {
                    let n = Glibc.write(writeFD, buf.baseAddress! + off, buf.count - off)
                    if n <= 0 { break }
                    off += n
                }
            }
            close(writeFD)
        }
        writer.start()
        defer { close(fds[0]) }
        var out: [String] = []
        let reader = LineReader(fd: fds[0], maxLineBytes: max, chunkSize: chunk)
        try reader.forEach { n, item in
            switch item {
            case .line(let b): out.append("\(n):\(String(decoding: b, as: UTF8.self))")
            case .overlong(let b, let first, let last):
                out.append("\(n):long\(first ? "<" : "")\(String(decoding: b, as: UTF8.self))\(last ? ">" : "")")
            }
            return true
        }
        return out
    }

    func testLinesCRLFAndLastLineWithoutNewline() throws {
        XCTAssertEqual(try lines(of: Data("a\r\nbb\n\nccc".utf8)), ["1:a", "2:bb", "3:", "4:ccc"])
    }

    func testOverlongLineComesInPiecesAndTheNextLineIsIntact() throws {
        let long = String(repeating: "x", count: 40)
        let got = try lines(of: Data("ok\n\(long)\nafter\n".utf8))
        XCTAssertEqual(got.first, "1:ok")
        XCTAssertEqual(got.last, "3:after")
        let pieces = got.dropFirst().dropLast()
        XCTAssertTrue(pieces.allSatisfy { $0.hasPrefix("2:long") }, "\(got)")
        XCTAssertTrue(pieces.first!.hasPrefix("2:long<"))
        XCTAssertTrue(pieces.last!.hasSuffix(">"))
        let joined = pieces.map { $0.dropFirst("2:long".count).replacingOccurrences(of: "<", with: "").replacingOccurrences(of: ">", with: "") }.joined()
        XCTAssertEqual(joined, long, "every byte of the long line is handed out once")
    }

    func testEmptyInput() throws {
        XCTAssertEqual(try lines(of: Data()), [])
    }
}
