import ArgumentParser
import Foundation
import XCTest

@testable import KafkaFilters
@testable import KafkaCore

/// The default client config file and the precedence of everything that sets a property or the brokers:
/// -X over -F over the default file; -b over -X bootstrap.servers over $KAFKA_BROKERS over the file.
final class DefaultConfigurationTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("defcfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".config"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    @discardableResult
    private func write(_ text: String, _ relative: String, mode: mode_t = 0o600) throws -> String {
        let url = dir.appendingPathComponent(relative)
        try text.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, mode)
        return url.path
    }

    private func resolve(_ args: [String], _ environment: [String: String]) throws -> ClientSettings {
        try ConnectionOptions.parse(args).resolve(tool: "test", environment: environment)
    }

    func testHomeDefaultFileIsReadWhenThereIsNoF() throws {
        try write("client.id=from-home\nbootstrap.servers=home:1\n", ".config/kafka-filters.conf")
        let settings = try resolve([], ["HOME": dir.path])
        XCTAssertEqual(settings.value(of: "client.id"), "from-home")
        XCTAssertEqual(settings.brokers, "home:1", "the file's bootstrap.servers when neither -b nor $KAFKA_BROKERS")
        XCTAssertNil(settings.value(of: "bootstrap.servers"), "brokers are kept apart from the properties")
    }

    func testXDGConfigHomeIsWhereTheDefaultFileLives() throws {
        let xdg = dir.appendingPathComponent("xdg")
        try FileManager.default.createDirectory(at: xdg, withIntermediateDirectories: true)
        try write("client.id=from-xdg\n", "xdg/kafka-filters.conf")
        try write("client.id=from-home\n", ".config/kafka-filters.conf")
        XCTAssertEqual(try resolve([], ["HOME": dir.path, "XDG_CONFIG_HOME": xdg.path]).value(of: "client.id"), "from-xdg")
    }

    func testVariableNamesTheFileAndEmptyMeansNone() throws {
        try write("client.id=from-home\n", ".config/kafka-filters.conf")
        let named = try write("client.id=from-variable\n", "named.conf")
        XCTAssertEqual(try resolve([], ["HOME": dir.path, "KAFKA_FILTERS_CONFIG": named]).value(of: "client.id"), "from-variable")
        XCTAssertNil(try resolve([], ["HOME": dir.path, "KAFKA_FILTERS_CONFIG": ""]).value(of: "client.id"))
        // A file the variable names must exist; the one in ~/.config need not.
        XCTAssertThrowsError(try resolve([], ["KAFKA_FILTERS_CONFIG": dir.appendingPathComponent("missing").path])) { error in
            XCTAssertEqual((error as? ToolFailure)?.status, .configError)
        }
        XCTAssertNil(try resolve([], ["HOME": dir.appendingPathComponent("nowhere").path]).value(of: "client.id"))
    }

    func testFReplacesTheDefaultFileAndXOverridesBoth() throws {
        try write("client.id=from-home\nlinger.ms=9\n", ".config/kafka-filters.conf")
        let f = try write("client.id=from-f\nsocket.timeout.ms=7000\n", "f.conf")
        let withF = try resolve(["-F", f], ["HOME": dir.path])
        XCTAssertEqual(withF.value(of: "client.id"), "from-f")
        XCTAssertNil(withF.value(of: "linger.ms"), "with -F the default file is not read at all")
        let withX = try resolve(["-F", f, "-X", "client.id=from-x"], ["HOME": dir.path])
        XCTAssertEqual(withX.value(of: "client.id"), "from-x")
        XCTAssertEqual(withX.value(of: "socket.timeout.ms"), "7000")
        let defaultAndX = try resolve(["-X", "client.id=from-x"], ["HOME": dir.path])
        XCTAssertEqual(defaultAndX.value(of: "client.id"), "from-x")
        XCTAssertEqual(defaultAndX.value(of: "linger.ms"), "9")
    }

    func testBrokerPrecedence() throws {
        try write("bootstrap.servers=file:1\n", ".config/kafka-filters.conf")
        let f = try write("metadata.broker.list=f:1\n", "f.conf")
        let home = ["HOME": dir.path]
        var env = home
        env["KAFKA_BROKERS"] = "env:1"
        XCTAssertEqual(try resolve([], home).brokers, "file:1")
        XCTAssertEqual(try resolve(["-F", f], home).brokers, "f:1", "metadata.broker.list is the same property")
        XCTAssertEqual(try resolve(["-F", f], env).brokers, "env:1", "$KAFKA_BROKERS over the file's")
        XCTAssertEqual(try resolve(["-X", "bootstrap.servers=x:1"], env).brokers, "x:1", "-X over $KAFKA_BROKERS")
        XCTAssertEqual(try resolve(["-b", "b:1", "-X", "bootstrap.servers=x:1"], env).brokers, "b:1", "-b over everything")
        XCTAssertEqual(try resolve([], [:]).brokers, "localhost:9092")
    }

    func testDefaultFileErrorsAreConfigurationErrorsNamingTheFile() throws {
        let path = try write("linger.ms=1\nnot a pair\n", ".config/kafka-filters.conf")
        XCTAssertThrowsError(try resolve([], ["HOME": dir.path])) { error in
            let failure = error as? ToolFailure
            XCTAssertEqual(failure?.status, .configError)
            XCTAssertTrue(failure?.message.contains("\(path):2:") ?? false, "\(error)")
        }
        try write("no.such.property=1\n", ".config/kafka-filters.conf")
        XCTAssertThrowsError(try resolve([], ["HOME": dir.path])) { error in
            XCTAssertEqual((error as? ToolFailure)?.status, .configError)
        }
    }

    func testSecretsFromTheDefaultFileAreMasked() throws {
        let secret = "pw-\(UUID().uuidString)"
        try write("sasl.password=\(secret)\n", ".config/kafka-filters.conf", mode: 0o644)
        _ = try resolve([], ["HOME": dir.path])
        XCTAssertEqual(Diagnostics.redact("x \(secret) y"), "x ****** y")
    }
}
