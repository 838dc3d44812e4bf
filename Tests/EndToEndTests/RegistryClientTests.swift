import Foundation
import KafkaCore
import KafkaFilters
import KafkaRegistry
import XCTest

/// The schema registry client (KafkaRegistry's SchemaRegistry) over real HTTP and TCP, against the stand-in
/// (Scripts/registry-standin.py, a child process) or, when SCHEMA_REGISTRY_URL is set, a real registry;
/// Python confluent_kafka's SchemaRegistryClient (Tests/witness/registry_witness.py) is the foreign client
/// both ways. Not yet through the tools: their wiring comes next (issue 22).
final class RegistryClientTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let realRegistry = ProcessInfo.processInfo.environment["SCHEMA_REGISTRY_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// A registry for one test: the stand-in with the options given, or the real one.
    final class Registry {
        let url: String
        let child: Child?
        let tlsDir: URL?

        init(user: String? = nil, token: String? = nil, tls: Bool = false) throws {
            var arguments = [RegistryClientTests.root.appendingPathComponent("Scripts/registry-standin.py").path]
            if let user { arguments += ["--user", user] }
            if let token { arguments += ["--token", token] }
            tlsDir = tls ? Harness.tempFile("tls") : nil
            if let tlsDir { arguments += ["--tls-dir", tlsDir.path] }
            let child = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
            self.child = child
            let started = child.waitFor(timeout: 60) { !child.stdoutLines.isEmpty || !child.process.isRunning }
            guard started, let port = child.stdoutLines.first.flatMap({ Int($0) }) else {
                throw XCTSkip("the stand-in registry did not start: \(child.stderrText)")
            }
            url = "\(tls ? "https" : "http")://127.0.0.1:\(port)"
        }

        /// The real registry of SCHEMA_REGISTRY_URL.
        init(real: String) {
            url = real
            child = nil
            tlsDir = nil
        }

        var caFile: String? { tlsDir?.appendingPathComponent("ca.pem").path }

        func stop() {
            child?.signal(SIGTERM)
            child?.wait(timeout: 10)
        }
    }

    var registries: [Registry] = []

    override func tearDown() {
        registries.forEach { $0.stop() }
        super.tearDown()
    }

    /// The registry for protocol tests: the real one when set, else a plain stand-in.
    func anyRegistry() throws -> Registry {
        let registry = try Self.realRegistry.map { Registry(real: $0) } ?? Registry()
        registries.append(registry)
        return registry
    }

    /// A stand-in with options (auth, TLS) a real registry's URL does not tell us about.
    func standIn(user: String? = nil, token: String? = nil, tls: Bool = false) throws -> Registry {
        let registry = try Registry(user: user, token: token, tls: tls)
        registries.append(registry)
        return registry
    }

    func client(_ url: String, _ keys: [String: String] = [:], timeoutMs: Int32 = 10_000) throws -> SchemaRegistry {
        var registry = keys
        registry[RegistrySettings.urlKey] = url
        let settings = try XCTUnwrap(try RegistrySettings.from(registry))
        return try SchemaRegistry(settings, connectTimeoutMs: timeoutMs)
    }

    /// Python confluent_kafka's SchemaRegistryClient, one action; its JSON line.
    func witness(_ url: String, _ arguments: [String], userInfo: String? = nil, ca: String? = nil,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        var options: [String] = []
        if let userInfo { options += ["--user-info", userInfo] }
        if let ca { options += ["--ca", ca] }
        let script = Self.root.appendingPathComponent("Tests/witness/registry_witness.py").path
        let r = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script] + options + [url] + arguments).wait(timeout: 60)
        XCTAssertEqual(r.status, 0, "registry witness \(arguments.first ?? ""): \(r.stderr)", file: file, line: line)
        return try XCTUnwrap(r.jsonLines.first, "registry witness printed nothing: \(r.stderr)", file: file, line: line)
    }

    func avroRecord(_ name: String) -> String {
        #"{"type":"record","name":"\#(name)","namespace":"kf.test","fields":[{"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":null}]}"#
    }

    /// A schema's text as the registry answered it, compared with what went up as JSON: a registry keeps
    /// the schema, not its spelling (Karapace 3.16 answers with sorted keys, no spaces and \u escapes,
    /// Confluent's in Avro's own order; the stand-in answers as Karapace does), so the content must be
    /// equal, not the bytes.
    static func assertSameSchemaText(_ actual: String?, _ expected: String, _ message: String = "",
                                     file: StaticString = #filePath, line: UInt = #line) {
        func parsed(_ text: String?) -> NSObject? {
            text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) as? NSObject }
        }
        guard let want = parsed(expected) else { return XCTFail("not JSON: \(expected)", file: file, line: line) }
        XCTAssertEqual(parsed(actual), want, "\(message) (the registry answered \(actual ?? "nothing"))", file: file, line: line)
    }

    /// A schema as the registry answered it against the one that went up: type and references equal, the
    /// text equal as JSON (assertSameSchemaText).
    static func assertSameSchema(_ actual: RegistrySchema, _ expected: RegistrySchema, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.type, expected.type, file: file, line: line)
        XCTAssertEqual(actual.references, expected.references, file: file, line: line)
        assertSameSchemaText(actual.text, expected.text, file: file, line: line)
    }

    /// Skips the test on a real registry that refuses Avro schema references: Karapace before 4.0 takes
    /// references for PROTOBUF schemas only (422, error_code 44302). It asks by registering a schema that
    /// names a type from another subject; the stand-in is never asked (it takes references, as Confluent's
    /// registry does), so there the test always runs.
    static func skipWhereAvroReferencesAreRefused() throws {
        guard let url = realRegistry else { return }
        let settings = try XCTUnwrap(try RegistrySettings.from([RegistrySettings.urlKey: url]))
        let probe = try SchemaRegistry(settings, connectTimeoutMs: 10_000)
        let named = Harness.unique("kf-ref-probe") + "-value"
        _ = try probe.register(subject: named, schema: RegistrySchema(text: #"{"type":"fixed","name":"Probe","namespace":"kf.probe","size":1}"#))
        do {
            _ = try probe.register(subject: Harness.unique("kf-ref-probe-user") + "-value", schema: RegistrySchema(
                text: #""kf.probe.Probe""#, references: [SchemaReference(name: "kf.probe.Probe", subject: named, version: 1)]))
        } catch {
            let message = error.failure().message
            guard message.contains("error_code 44302") else { throw error }
            throw XCTSkip("\(url) refuses Avro schema references (Karapace before 4.0 takes them for PROTOBUF only): \(message)")
        }
    }

    func failure(_ body: () throws -> Void) -> RegistryError? {
        do {
            try body()
            return nil
        } catch let error as RegistryError {
            return error
        } catch {
            XCTFail("not a RegistryError: \(error)")
            return nil
        }
    }

    // MARK: - The protocol, both ways

    func testWhatWeRegisterConfluentKafkaReads() throws {
        let registry = try anyRegistry()
        let subject = Harness.unique("ours") + "-value"
        let schema = RegistrySchema(text: avroRecord("Ours"))
        let ours = try client(registry.url)
        let id = try ours.register(subject: subject, schema: schema)
        XCTAssertEqual(try ours.register(subject: subject, schema: schema), id, "the same schema twice: the same id")

        let read = try witness(registry.url, ["get", String(id)])
        Self.assertSameSchemaText(read["schema"] as? String, schema.text)
        XCTAssertEqual(read["schemaType"] as? String, "AVRO")
        let latest = try witness(registry.url, ["latest", subject])
        XCTAssertEqual(latest["id"] as? Int, Int(id))
        XCTAssertEqual(latest["version"] as? Int, 1)
        XCTAssertEqual(try witness(registry.url, ["lookup", subject, "AVRO", schema.text])["id"] as? Int, Int(id))

        // A schema of some size (12 KB, escapes and non-ASCII in it) goes up and comes back byte for byte.
        let fields = (0..<300).map { #"{"name":"f\#($0)","type":"string","doc":"é \\\"q\\\" \\n"}"# }.joined(separator: ",")
        let big = RegistrySchema(text: #"{"type":"record","name":"Big","fields":["# + fields + "]}")
        XCTAssertGreaterThan(big.text.utf8.count, 12_000)
        let bigID = try ours.register(subject: subject + "-big", schema: big)
        Self.assertSameSchemaText(try witness(registry.url, ["get", String(bigID)])["schema"] as? String, big.text)

        let json = RegistrySchema(type: .json, text: #"{"type":"object","properties":{"a":{"type":"integer"}}}"#)
        let jsonID = try ours.register(subject: subject + "-json", schema: json)
        XCTAssertEqual(try witness(registry.url, ["get", String(jsonID)])["schemaType"] as? String, "JSON")
    }

    func testWhatConfluentKafkaRegistersWeRead() throws {
        let registry = try anyRegistry()
        let subject = Harness.unique("theirs") + "-value"
        let v1 = avroRecord("Theirs")
        let v2 = #"{"type":"record","name":"Theirs","namespace":"kf.test","fields":[{"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":null},{"name":"n","type":"int","default":0}]}"#
        let id1 = try XCTUnwrap(try witness(registry.url, ["register", subject, "AVRO", v1])["id"] as? Int)
        let id2 = try XCTUnwrap(try witness(registry.url, ["register", subject, "AVRO", v2])["id"] as? Int)
        XCTAssertNotEqual(id1, id2)

        let ours = try client(registry.url)
        let byID = try ours.schema(id: Int32(id1))
        Self.assertSameSchema(byID.schema, RegistrySchema(type: .avro, text: v1))
        XCTAssertEqual(byID.id, Int32(id1))
        let latest = try ours.latest(subject: subject)
        XCTAssertEqual(latest.id, Int32(id2))
        XCTAssertEqual(latest.version, 2)
        XCTAssertEqual(latest.subject, subject)
        Self.assertSameSchemaText(latest.schema.text, v2)
        XCTAssertEqual(try ours.version(subject: subject, version: 1).id, Int32(id1))
        XCTAssertEqual(try ours.lookup(subject: subject, schema: RegistrySchema(text: v1)).id, Int32(id1))

        let jsonSubject = Harness.unique("theirs-json") + "-value"
        let jsonText = #"{"type":"object","properties":{"zip":{"type":"integer"}}}"#
        let jsonID = try XCTUnwrap(try witness(registry.url, ["register", jsonSubject, "JSON", jsonText])["id"] as? Int)
        Self.assertSameSchema(try ours.schema(id: Int32(jsonID)).schema, RegistrySchema(type: .json, text: jsonText))
    }

    /// A schema referring to a type registered under another subject: the references go up, come back
    /// (to confluent_kafka too), and `referenced(by:)` fetches what they name, references of references included.
    func testReferences() throws {
        try Self.skipWhereAvroReferencesAreRefused()
        let registry = try anyRegistry()
        let base = Harness.unique("base") + "-value"
        let middle = Harness.unique("middle") + "-value"
        let top = Harness.unique("top") + "-value"
        let ours = try client(registry.url)
        let baseText = #"{"type":"record","name":"Base","namespace":"kf.test","fields":[{"name":"a","type":"int"}]}"#
        let baseID = try ours.register(subject: base, schema: RegistrySchema(text: baseText))
        let middleSchema = RegistrySchema(
            text: #"{"type":"record","name":"Middle","namespace":"kf.test","fields":[{"name":"b","type":"kf.test.Base"}]}"#,
            references: [SchemaReference(name: "kf.test.Base", subject: base, version: 1)])
        let middleID = try ours.register(subject: middle, schema: middleSchema)
        let topSchema = RegistrySchema(
            text: #"{"type":"record","name":"Top","namespace":"kf.test","fields":[{"name":"m","type":"kf.test.Middle"}]}"#,
            references: [SchemaReference(name: "kf.test.Middle", subject: middle, version: 1)])
        let topID = try ours.register(subject: top, schema: topSchema)

        let theirs = try witness(registry.url, ["get", String(topID)])
        Self.assertSameSchemaText(theirs["schema"] as? String, topSchema.text)
        let references = try XCTUnwrap(theirs["references"] as? [[String: Any]])
        XCTAssertEqual(references.count, 1)
        XCTAssertEqual(references.first?["name"] as? String, "kf.test.Middle")
        XCTAssertEqual(references.first?["subject"] as? String, middle)
        XCTAssertEqual(references.first?["version"] as? Int, 1)

        let fresh = try client(registry.url)
        let read = try fresh.schema(id: topID)
        Self.assertSameSchema(read.schema, topSchema)
        let resolved = try fresh.referenced(by: read.schema)
        XCTAssertEqual(Set(resolved.keys), ["kf.test.Middle", "kf.test.Base"])
        XCTAssertEqual(resolved["kf.test.Middle"]?.id, middleID)
        Self.assertSameSchema(try XCTUnwrap(resolved["kf.test.Middle"]?.schema), middleSchema)
        XCTAssertEqual(resolved["kf.test.Base"]?.id, baseID)
        Self.assertSameSchemaText(resolved["kf.test.Base"]?.schema.text, baseText)
        XCTAssertEqual(fresh.requests, 3)
        _ = try fresh.referenced(by: read.schema)
        XCTAssertEqual(fresh.requests, 3, "references are fetched once per run")
    }

    /// Each schema is fetched once per run, however often it is asked for.
    func testEachSchemaIsFetchedOnce() throws {
        let registry = try anyRegistry()
        let subject = Harness.unique("cached") + "-value"
        let id = try XCTUnwrap(try witness(registry.url, ["register", subject, "AVRO", avroRecord("Cached")])["id"] as? Int)
        let ours = try client(registry.url)
        for _ in 0..<100 { _ = try ours.schema(id: Int32(id)) }
        XCTAssertEqual(ours.requests, 1)
        for _ in 0..<10 { _ = try ours.latest(subject: subject) }
        XCTAssertEqual(ours.requests, 2)
        _ = try ours.version(subject: subject, version: 1)
        XCTAssertEqual(ours.requests, 3)
    }

    // MARK: - Failures and their exits

    func testUnknownIdIs65AndUnknownSubjectIs69() throws {
        let registry = try anyRegistry()
        let ours = try client(registry.url)
        let unknown = try XCTUnwrap(failure { _ = try ours.schema(id: 2_000_000_000) })
        XCTAssertEqual(unknown.facts.kind, .unknownSchema)
        XCTAssertEqual(unknown.failure().status, .dataError)
        XCTAssertTrue(unknown.failure().message.contains("schema id 2000000000"), unknown.failure().message)
        let subject = try XCTUnwrap(failure { _ = try ours.latest(subject: Harness.unique("nobody")) })
        XCTAssertEqual(subject.failure().status, .unavailable)
        XCTAssertTrue(subject.failure().message.contains("40401"), subject.failure().message)
    }

    func testUnreachableIs69Or75WhenRetried() throws {
        // A port nothing listens on: the stand-in's, once it is stopped.
        let gone = try standIn()
        gone.stop()
        let refused = try XCTUnwrap(failure { _ = try self.client(gone.url, timeoutMs: 2_000).schema(id: 1) })
        XCTAssertEqual(refused.facts.kind, .transport)
        XCTAssertEqual(refused.failure(), ToolFailure(.unavailable, refused.failure().message))
        XCTAssertEqual(refused.failure(retried: true).status, .tempFailure)
        let message = refused.failure().message
        XCTAssertTrue(message.hasPrefix("schema registry \(gone.url) did not answer within 2s (schema id 1): "), message)
        XCTAssertFalse(message.contains("\n"))

        // A port that accepts and never answers: given up after the timeout.
        let silent = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c",
            "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(8)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)"])
        defer { silent.signal(SIGTERM); silent.wait(timeout: 10) }
        XCTAssertTrue(silent.waitFor(timeout: 30) { !silent.stdoutLines.isEmpty })
        let port = try XCTUnwrap(silent.stdoutLines.first)
        let timedOut = try XCTUnwrap(failure { _ = try self.client("http://127.0.0.1:\(port)", timeoutMs: 1_000).schema(id: 1) })
        XCTAssertEqual(timedOut.facts.kind, .timeout)
        XCTAssertEqual(timedOut.failure().status, .unavailable)
    }

    func testBasicAuth() throws {
        let registry = try standIn(user: "key:hunter2")
        let subject = Harness.unique("auth") + "-value"
        let id = try XCTUnwrap(try witness(registry.url, ["register", subject, "AVRO", avroRecord("Auth")], userInfo: "key:hunter2")["id"] as? Int)
        let byKey = try client(registry.url, [RegistrySettings.userInfoKey: "key:hunter2"])
        Self.assertSameSchemaText(try byKey.schema(id: Int32(id)).schema.text, avroRecord("Auth"))
        let inURL = try client(registry.url.replacingOccurrences(of: "http://", with: "http://key:hunter2@"))
        XCTAssertEqual(try inURL.latest(subject: subject).id, Int32(id))

        for ours in [try client(registry.url), try client(registry.url, [RegistrySettings.userInfoKey: "key:wrong-password"])] {
            let refused = try XCTUnwrap(failure { _ = try ours.schema(id: Int32(id)) })
            XCTAssertEqual(refused.failure().status, .configError)
            XCTAssertTrue(refused.failure().message.contains("refused the credentials"), refused.failure().message)
        }
    }

    func testBearerToken() throws {
        let registry = try standIn(token: "tok-123")
        let ours = try client(registry.url, [RegistrySettings.bearerTokenKey: "tok-123"])
        let id = try ours.register(subject: Harness.unique("bearer") + "-value", schema: RegistrySchema(text: avroRecord("Bearer")))
        Self.assertSameSchemaText(try ours.schema(id: id).schema.text, avroRecord("Bearer"))
        let wrong = try client(registry.url, [RegistrySettings.bearerTokenKey: "tok-456"])
        XCTAssertEqual(try XCTUnwrap(failure { _ = try wrong.schema(id: id) }).failure().status, .configError)
    }

    /// HTTPS with certificate checks: the right CA works (for confluent_kafka too), no CA is refused with one line, 78.
    func testHTTPSChecksTheCertificate() throws {
        let registry = try standIn(user: "key:hunter2", tls: true)
        let ca = try XCTUnwrap(registry.caFile)
        let subject = Harness.unique("tls") + "-value"
        let id = try XCTUnwrap(try witness(registry.url, ["register", subject, "AVRO", avroRecord("Tls")], userInfo: "key:hunter2", ca: ca)["id"] as? Int)
        let ours = try client(registry.url, [RegistrySettings.userInfoKey: "key:hunter2", RegistrySettings.caLocationKey: ca])
        Self.assertSameSchemaText(try ours.schema(id: Int32(id)).schema.text, avroRecord("Tls"))
        let registered = try ours.register(subject: subject + "-2", schema: RegistrySchema(text: avroRecord("Tls2")))
        Self.assertSameSchemaText(try witness(registry.url, ["get", String(registered)], userInfo: "key:hunter2", ca: ca)["schema"] as? String, avroRecord("Tls2"))

        let noCA = try client(registry.url, [RegistrySettings.userInfoKey: "key:hunter2"])
        let refused = try XCTUnwrap(failure { _ = try noCA.schema(id: Int32(id)) })
        let message = refused.failure().message
        XCTAssertEqual(refused.failure().status, .configError, message)
        XCTAssertTrue(message.hasPrefix("schema registry \(registry.url) (schema id \(id)): TLS: "), message)
        XCTAssertTrue(message.contains("certificate"), message)
        XCTAssertFalse(message.contains("\n") || message.contains("hunter2"), message)

        // A CA file that is not there: a configuration error too, not a silent fall-back to the system's.
        let missingCA = try client(registry.url, [RegistrySettings.caLocationKey: "/nonexistent/ca.pem"])
        XCTAssertEqual(try XCTUnwrap(failure { _ = try missingCA.schema(id: Int32(id)) }).failure().status, .configError)
    }

    // MARK: - Secrets

    /// A URL holding user:password, and the user-info key, never reach a message.
    func testSecretsNeverAppearInMessages() throws {
        let gone = try standIn()
        gone.stop()
        let url = gone.url.replacingOccurrences(of: "http://", with: "http://key:hunter2@")
        let settings = try XCTUnwrap(try RegistrySettings.from([RegistrySettings.urlKey: url]))
        XCTAssertFalse(settings.url.contains("hunter2"))
        let ours = try SchemaRegistry(settings, connectTimeoutMs: 2_000)
        let refused = try XCTUnwrap(failure { _ = try ours.schema(id: 1) })
        XCTAssertFalse(refused.failure().message.contains("hunter2"), refused.failure().message)
        XCTAssertTrue(refused.failure().message.contains(gone.url), refused.failure().message)
        XCTAssertEqual(Diagnostics.redact("password=hunter2 and key:hunter2"), "password=****** and ******")
    }

    /// The tools read the registry's keys from -F (and keep them from librdkafka, which would refuse them:
    /// exit 78 "unknown property"); the user info, a secret, is never printed, even at -v, and the file
    /// readable by others is warned about as for other secrets.
    func testConfigFileKeysAreKeptFromLibrdkafkaAndNeverPrinted() throws {
        let config = Harness.tempFile("registry.conf")
        try """
            schema.registry.url=http://key:urlsecret@127.0.0.1:1
            schema.registry.basic.auth.user.info=key:hunter2
            schema.registry.bearer.auth.token=tok-secret
            """.write(to: config, atomically: true, encoding: .utf8)
        chmod(config.path, 0o644)
        let r = try execute("kmeta", ["topics", "-b", "127.0.0.1:1", "--connect-timeout", "1", "-F", config.path, "-v"], timeout: 60)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertFalse(r.stderr.contains("unknown property"), r.stderr)
        for secret in ["hunter2", "urlsecret", "tok-secret"] { XCTAssertFalse(r.stderr.contains(secret), r.stderr) }
        XCTAssertTrue(r.stderr.contains("readable by other users"), r.stderr)

        try "schema.registry.typo=1\n".write(to: config, atomically: true, encoding: .utf8)
        let typo = try execute("kmeta", ["topics", "-b", "127.0.0.1:1", "--connect-timeout", "1", "-F", config.path], timeout: 60)
        XCTAssertEqual(typo.status, 78, typo.stderr)
        XCTAssertTrue(typo.stderr.contains("unknown property \"schema.registry.typo\""), typo.stderr)
    }
}
