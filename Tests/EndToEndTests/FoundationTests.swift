import Foundation
import XCTest

/// The foundation's acceptance: kmock serves other clients, a line goes in and comes out, bad config is 78.
final class FoundationTests: XCTestCase {
    func testKmockFirstLineIsABootstrapListOtherClientsUse() throws {
        let parts = MockBroker.shared.bootstrap.split(separator: ",")
        XCTAssertEqual(parts.count, 3)
        for p in parts { XCTAssertTrue(p.hasPrefix("127.0.0.1:"), String(p)) }
        let topic = Harness.unique("kmock")
        try witnessProduce(topic, specs: [#"{"value":"eyJ4IjoxfQ=="}"#])
        let records = try readTopic(topic)
        XCTAssertEqual(records.map(\.valueText), [#"{"x":1}"#])
    }

    func testOneLineInOneEnvelopeOut() throws {
        let topic = Harness.unique("f1")
        let put = try execute("kput", ["-b", brokers, "-t", topic], input: Data("{\"a\":1}\n".utf8))
        XCTAssertEqual(put.status, 0, put.stderr)
        XCTAssertEqual(put.stdout.count, 0, "kput is quiet on success")
        let pull = try execute("kpull", ["-b", brokers, "-t", topic, "-g", Harness.unique("g"), "-e"] + Harness.fastConsumer)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertEqual(pull.lines.count, 1)
        let env = try XCTUnwrap(pull.jsonLines.first)
        XCTAssertEqual((env["value"] as? [String: Any])?["a"] as? Int, 1)
        XCTAssertEqual(env["topic"] as? String, topic)
        XCTAssertNotNil(env["offset"] as? Int)
        XCTAssertNotNil(env["timestamp"] as? Int)
        XCTAssertEqual(pull.stderr, "", "kpull is quiet on success")
    }

    func testUnknownPropertyIsAConfigurationErrorInOneLine() throws {
        for tool in ["kput", "kpull", "kstream"] {
            let r = try execute(tool, ["-b", brokers, "-t", "x", "-X", "no.such.property=1"], input: Data())
            XCTAssertEqual(r.status, 78, "\(tool): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("\(tool): "), r.stderr)
            XCTAssertTrue(r.stderr.contains("no.such.property"), r.stderr)
        }
    }

    func testInvalidValueIsAConfigurationError() throws {
        let r = try execute("kput", ["-b", brokers, "-t", "x", "-X", "security.protocol=carrier-pigeon"], input: Data())
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.contains("security.protocol"), r.stderr)
    }

    func testSecretsNeverPrinted() throws {
        let secret = "hunter2-\(UUID().uuidString.prefix(6))"
        let file = Harness.tempFile("client.properties")
        try "# test\nsasl.password=\(secret)\nssl.key.password=\(secret)x\nbogus.key=1\n".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        let r = try execute("kput", ["-b", brokers, "-t", "x", "-F", file.path, "-v"], input: Data())
        XCTAssertEqual(r.status, 78)
        XCTAssertTrue(r.stderr.contains("readable by other users"), r.stderr)
        XCTAssertFalse(r.stderr.contains(secret), r.stderr)
        // An invalid value that librdkafka quotes back must be masked too.
        let r2 = try execute("kput", ["-b", brokers, "-t", "x", "-X", "sasl.password=\(secret)", "-X", "sasl.mechanisms=\(secret)", "-X", "security.protocol=sasl_plaintext"], input: Data(#"{"a":1}"#.utf8), timeout: 30)
        XCTAssertFalse(r2.stderr.contains(secret), r2.stderr)
        XCTAssertFalse(r2.stdoutText.contains(secret))
    }

    func testNoBrokerIsUnavailableWithinTheConnectTimeout() throws {
        let start = Date()
        let r = try execute("kput", ["-b", "127.0.0.1:1", "-t", "x", "--connect-timeout", "2"], input: Data(#"{"a":1}"#.utf8))
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("127.0.0.1:1"), r.stderr)
        XCTAssertFalse(r.stderr.contains("%"), "no raw librdkafka log lines: \(r.stderr)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        let p = try execute("kpull", ["-b", "127.0.0.1:1", "-t", "x", "-e", "--connect-timeout", "2"])
        XCTAssertEqual(p.status, 69, p.stderr)
    }

    func testUsageErrorsExit64() throws {
        let r = try execute("kput", [], input: Data())
        XCTAssertEqual(r.status, 64, r.stderr)
        let r2 = try execute("kpull", ["-t", "x", "-X", "novalue"])
        XCTAssertEqual(r2.status, 64, r2.stderr)
    }

    func testBrokersFromEnvironment() throws {
        let topic = Harness.unique("env")
        let r = try execute("kput", ["-t", topic], input: Data(#"{"e":1}"#.utf8), environment: ["KAFKA_BROKERS": brokers])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try readTopic(topic).count, 1)
    }
}
