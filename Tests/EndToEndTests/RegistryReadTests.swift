import Foundation
import XCTest

/// kpull and kstream with --registry (issue 22, the read side), built binaries against kmock and the
/// stand-in registry (or SCHEMA_REGISTRY_URL's): Python confluent_kafka's AvroSerializer and
/// JSONSerializer write the topics (keys and values), its AvroDeserializer (with fastavro's json_writer,
/// Avro's JSON encoding) is the witness for what kpull --avro-json avro reads; the natural form is
/// checked against the JSON the issue asks for. Failures: an unknown id and a corrupt body stop before
/// the message with everything before it committed (65), an unreachable registry is 69, refused
/// credentials 78, and no secret reaches stderr.
final class RegistryReadTests: XCTestCase {
    typealias Registry = RegistryClientTests.Registry
    var registries: [Registry] = []

    override func tearDown() {
        registries.forEach { $0.stop() }
        super.tearDown()
    }

    func anyRegistry() throws -> Registry {
        let registry = try RegistryClientTests.realRegistry.map { Registry(real: $0) } ?? Registry()
        registries.append(registry)
        return registry
    }

    func standIn(user: String? = nil) throws -> Registry {
        let registry = try Registry(user: user)
        registries.append(registry)
        return registry
    }

    // MARK: - Schemas and data

    /// A value record with every kind the natural form changes: a union, an enum, a map, bytes, fixed,
    /// logical types (timestamp-millis, decimal), a nested record in a union, an array of doubles.
    static let valueSchema = #"""
        {"type":"record","name":"Order","namespace":"kf.read","fields":[
         {"name":"id","type":"long"},
         {"name":"note","type":["null","string","int"]},
         {"name":"state","type":{"type":"enum","name":"State","symbols":["NEW","PAID","SENT"]}},
         {"name":"counts","type":{"type":"map","values":"int"}},
         {"name":"raw","type":"bytes"},
         {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
         {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
         {"name":"ship","type":["null",{"type":"record","name":"Address","fields":[{"name":"city","type":"string"},{"name":"zip","type":["null","int"]}]}]},
         {"name":"weights","type":{"type":"array","items":"double"}},
         {"name":"tag","type":{"type":"fixed","name":"Tag","size":2}},
         {"name":"ratio","type":"float"}]}
        """#
    static let keySchema = #"{"type":"record","name":"OrderKey","namespace":"kf.read","fields":[{"name":"region","type":"string"},{"name":"n","type":["null","long"]}]}"#

    /// What the witness writes, in Avro's JSON encoding (its json_reader's input).
    static let messages = [
        #"{"key":{"region":"eu","n":{"long":1}},"value":{"id":1,"note":{"string":"first"},"state":"PAID","counts":{"a":1,"b":-2},"raw":"\u0000\u00ff","at":1700000000000,"price":"\u0001\u0002","ship":{"kf.read.Address":{"city":"Zürich","zip":{"int":8001}}},"weights":[1.5,-0.25],"tag":"ab","ratio":0.5}}"#,
        #"{"key":{"region":"us","n":null},"value":{"id":2,"note":{"int":7},"state":"NEW","counts":{},"raw":"","at":0,"price":"\u00ff\u0000","ship":null,"weights":[],"tag":"\u0000\u0001","ratio":-2.0}}"#,
        #"{"key":{"region":"ap","n":{"long":-3}},"value":{"id":-3,"note":null,"state":"SENT","counts":{"x":2147483647},"raw":"a\"b","at":-1,"price":"\u0000","ship":{"kf.read.Address":{"city":"","zip":null}},"weights":[1e300],"tag":"zz","ratio":0.0}}"#,
    ]

    /// The same messages as kpull's natural form writes them (the issue's mapping): unions as their
    /// value, enums as symbols, maps as objects, bytes/fixed as code points, timestamp-millis as the
    /// integer, the decimal as an exact decimal string.
    static let natural = [
        (#"{"region":"eu","n":1}"#,
         #"{"id":1,"note":"first","state":"PAID","counts":{"a":1,"b":-2},"raw":"\u0000\u00ff","at":1700000000000,"price":"2.58","ship":{"city":"Zürich","zip":8001},"weights":[1.5,-0.25],"tag":"ab","ratio":0.5}"#),
        (#"{"region":"us","n":null}"#,
         #"{"id":2,"note":7,"state":"NEW","counts":{},"raw":"","at":0,"price":"-2.56","ship":null,"weights":[],"tag":"\u0000\u0001","ratio":-2.0}"#),
        (#"{"region":"ap","n":-3}"#,
         #"{"id":-3,"note":null,"state":"SENT","counts":{"x":2147483647},"raw":"a\"b","at":-1,"price":"0.00","ship":{"city":"","zip":null},"weights":[1e300],"tag":"zz","ratio":0.0}"#),
    ]

    func registryWitness(_ registry: Registry, _ arguments: [String], input: String? = nil, userInfo: String? = nil,
                         references: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        var options: [String] = []
        if let userInfo { options += ["--user-info", userInfo] }
        if let references { options += ["--references", references] }
        let script = RegistryClientTests.root.appendingPathComponent("Tests/witness/registry_witness.py").path
        var stdin: Child.Stdin = .null
        if let input {
            let url = Harness.tempFile("registry-witness-in")
            try Data((input + "\n").utf8).write(to: url)
            stdin = .file(url)
        }
        let r = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script] + options + [registry.url] + arguments, stdin: stdin).wait(timeout: 90)
        XCTAssertEqual(r.status, 0, "registry witness \(arguments.first ?? ""): \(r.stderr)", file: file, line: line)
        return r
    }

    /// A one-partition topic holding `messages` written by AvroSerializer, keys and values.
    func avroTopic(_ registry: Registry, _ messages: [String] = RegistryReadTests.messages, userInfo: String? = nil) throws -> String {
        let topic = Harness.unique("avro")
        try createTopic(topic, partitions: 1)
        try registryWitness(registry, ["produce", brokers, topic, "AVRO", Self.valueSchema, Self.keySchema],
                            input: messages.joined(separator: "\n"), userInfo: userInfo)
        return topic
    }

    func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> NSObject? {
        let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? NSObject
        XCTAssertNotNil(parsed, "not JSON: \(text)", file: file, line: line)
        return parsed
    }

    func kpull(_ arguments: [String], timeout: TimeInterval = 60) throws -> RunResult {
        try execute("kpull", ["-b", brokers] + arguments + Harness.fastConsumer, timeout: timeout)
    }

    // MARK: - Avro

    /// kpull --avro-json avro reads what confluent_kafka's AvroDeserializer reads, key and value, with
    /// the ids the serializer registered.
    func testAvroKeysAndValuesAsTheDeserializerReadsThem() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry)
        let witness = try registryWitness(registry, ["read", brokers, topic]).jsonLines
        XCTAssertEqual(witness.count, Self.messages.count)

        let r = try kpull(["--registry", registry.url, "--avro-json", "avro", "-t", topic, "-e"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let ours = r.jsonLines
        XCTAssertEqual(ours.count, witness.count, r.stdoutText)
        for (mine, theirs) in zip(ours, witness) {
            XCTAssertEqual(mine["offset"] as? Int, theirs["offset"] as? Int)
            for member in ["key", "value"] {
                XCTAssertEqual(mine[member] as? NSObject, theirs[member] as? NSObject, "\(member) at offset \(mine["offset"] ?? "?")")
                XCTAssertEqual(mine["\(member)_schema_id"] as? Int, theirs["\(member)_schema_id"] as? Int)
                XCTAssertNotNil(mine["\(member)_schema_id"] as? Int)
            }
            XCTAssertNil(mine["value_encoding"])
        }
        XCTAssertNotEqual(ours.first?["key_schema_id"] as? Int, ours.first?["value_schema_id"] as? Int, "key and value: two schemas")
    }

    /// The default natural form: what jq users expect (the issue's mapping), key and value.
    func testAvroNaturalForm() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry)
        let r = try kpull(["--registry", registry.url, "-t", topic, "-e"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.lines.count, Self.natural.count, r.stdoutText)
        for (line, expected) in zip(r.lines, Self.natural) {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(o["key"] as? NSObject, json(expected.0), line)
            XCTAssertEqual(o["value"] as? NSObject, json(expected.1), line)
            XCTAssertTrue(line.contains(#""value_schema_id":"#) && line.contains(#""key_schema_id":"#), line)
        }

        // --format value: the decoded values alone, one per line.
        let values = try kpull(["--registry", registry.url, "-t", topic, "-e", "--format", "value", "-g", Harness.unique("v")])
        XCTAssertEqual(values.status, 0, values.stderr)
        XCTAssertEqual(values.lines.map { json($0) }, Self.natural.map { json($0.1) })
    }

    /// Without --registry the same topic reads as before (the framed bytes as base64).
    func testWithoutRegistryAsBefore() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry, [Self.messages[0]])
        let r = try kpull(["-t", topic, "-e"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try XCTUnwrap(r.jsonLines.first)
        XCTAssertEqual(o["value_encoding"] as? String, "base64")
        XCTAssertNil(o["value_schema_id"])
    }

    // MARK: - JSON Schema, Protobuf

    func testJSONSchemaValuesEmbeddedWithTheirId() throws {
        let registry = try anyRegistry()
        let topic = Harness.unique("jsonschema")
        try createTopic(topic, partitions: 1)
        let schema = #"{"$schema":"http://json-schema.org/draft-07/schema#","title":"Reading","type":"object","properties":{"sensor":{"type":"string"},"v":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}}}}"#
        let docs = [#"{"sensor":"a","v":1.5,"tags":["x","y"]}"#, #"{"sensor":"b","v":-2,"tags":[]}"#]
        try registryWitness(registry, ["produce", brokers, topic, "JSON", schema], input: docs.map { #"{"value":\#($0)}"# }.joined(separator: "\n"))
        let r = try kpull(["--registry", registry.url, "-t", topic, "-e"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.jsonLines.compactMap { $0["value"] as? NSObject }, docs.map { json($0) })
        let ids = Set(r.jsonLines.compactMap { $0["value_schema_id"] as? Int })
        XCTAssertEqual(ids.count, 1, r.stdoutText)
        let registered = try registryWitness(registry, ["get", String(try XCTUnwrap(ids.first))]).jsonLines.first
        XCTAssertEqual(registered?["schemaType"] as? String, "JSON")
    }

    /// Protobuf-framed values: base64 as before, with their id, and one note per run however many.
    func testProtobufAsBeforeWithItsIdAndOneNote() throws {
        let registry = try anyRegistry()
        let proto = "syntax = \"proto3\";\npackage kf.read;\nmessage Ping { int64 n = 1; }\n"
        let subject = Harness.unique("proto") + "-value"
        let id = try XCTUnwrap(try registryWitness(registry, ["register", subject, "PROTOBUF", proto]).jsonLines.first?["id"] as? Int)
        let topic = Harness.unique("proto")
        try createTopic(topic, partitions: 1)
        var framed = Data([0]) + withUnsafeBytes(of: UInt32(id).bigEndian) { Data($0) }
        framed += Data([0, 0x08, 0x96, 0x01])  // message index 0, then n = 150
        try witnessProduce(topic, specs: [witnessSpec(value: framed, partition: 0), witnessSpec(value: framed, partition: 0)])
        let r = try kpull(["--registry", registry.url, "-t", topic, "-e"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.jsonLines.count, 2)
        for o in r.jsonLines {
            XCTAssertEqual(o["value_encoding"] as? String, "base64")
            XCTAssertEqual((o["value"] as? String).flatMap { Data(base64Encoded: $0) }, framed)
            XCTAssertEqual(o["value_schema_id"] as? Int, id)
        }
        XCTAssertEqual(r.stderr.components(separatedBy: "is Protobuf").count - 1, 1, "one note: \(r.stderr)")
    }

    // MARK: - Failures

    /// An id the registry does not know, after good messages: kpull stops before it, exit 65 naming the
    /// id and the position, and the group's committed offset is exactly that message's.
    func testUnknownIdStopsBeforeItWithEverythingBeforeCommitted() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry)
        let unknown: UInt32 = 2_147_480_000
        var framed = Data([0]) + withUnsafeBytes(of: unknown.bigEndian) { Data($0) }
        framed += Data([2, 4])
        try witnessProduce(topic, specs: [witnessSpec(value: framed, partition: 0)])
        try registryWitness(registry, ["produce", brokers, topic, "AVRO", Self.valueSchema, Self.keySchema], input: Self.messages[0])

        let group = Harness.unique("g")
        let r = try kpull(["--registry", registry.url, "-t", topic, "-g", group, "-e"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertEqual(r.lines.count, 3, "the three before it, not the one after: \(r.stdoutText)")
        XCTAssertTrue(r.stderr.contains("schema id \(unknown)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(topic)[0] offset 3"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("kpull: ") }.count, 1, r.stderr)
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[0], 3, "committed exactly up to the bad message")

        // The next run starts at the bad message again: still 65, nothing more written.
        let again = try kpull(["--registry", registry.url, "-t", topic, "-g", group, "-e"])
        XCTAssertEqual(again.status, 65, again.stderr)
        XCTAssertEqual(again.lines.count, 0)
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[0], 3)
    }

    /// A body its schema does not decode (truncated, or a union branch out of range): 65, named with the
    /// position, the id and the decoder's reason; never a crash; everything before it committed.
    func testCorruptAvroBodyStopsBeforeIt() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry, [Self.messages[0]])
        let first = try kpull(["--registry", registry.url, "-t", topic, "-e", "-g", Harness.unique("ids")])
        let id = try XCTUnwrap(first.jsonLines.first?["value_schema_id"] as? Int)
        var framed = Data([0]) + withUnsafeBytes(of: UInt32(id).bigEndian) { Data($0) }
        framed += Data([2, 0x0a])  // id 1, then the union's branch 5 of 3
        try witnessProduce(topic, specs: [witnessSpec(value: framed, partition: 0)])
        var truncated = Data([0]) + withUnsafeBytes(of: UInt32(id).bigEndian) { Data($0) }
        truncated += Data([2, 2])  // id 1, "note" a string with no length
        try witnessProduce(topic, specs: [witnessSpec(value: truncated, partition: 0)])

        let group = Harness.unique("g")
        let r = try kpull(["--registry", registry.url, "-t", topic, "-g", group, "-e"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertEqual(r.reason, .exit)
        XCTAssertEqual(r.lines.count, 1)
        XCTAssertTrue(r.stderr.contains("\(topic)[0] offset 1: value with schema id \(id) does not decode: Avro body at byte"), r.stderr)
        XCTAssertTrue(r.stderr.contains("union branch 5 out of range"), r.stderr)
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[0], 1)

        let second = try kpull(["--registry", registry.url, "-t", topic, "-e", "-o", "2", "-p", "0"])
        XCTAssertEqual(second.status, 65, second.stderr)
        XCTAssertTrue(second.stderr.contains("\(topic)[0] offset 2: value with schema id \(id) does not decode"), second.stderr)
    }

    /// A registry nobody answers at: one line naming it, exit 69 within --connect-timeout, nothing committed.
    func testUnreachableRegistryIs69() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry, [Self.messages[0]])
        let gone = try standIn()
        gone.stop()
        let group = Harness.unique("g")
        let r = try kpull(["--registry", gone.url, "--connect-timeout", "3", "-t", topic, "-g", group, "-e"])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertEqual(r.lines.count, 0)
        let said = r.stderr.split(separator: "\n").filter { $0.hasPrefix("kpull: ") }
        XCTAssertEqual(said.count, 1, r.stderr)
        XCTAssertTrue(said.first?.contains("schema registry \(gone.url) did not answer within 3s") ?? false, r.stderr)
        XCTAssertLessThan(try committed(group: group, topic: topic).offsets[0] ?? -1, 0, "nothing written, nothing committed")
    }

    /// Credentials refused (401): 78; the right ones from -F read the topic; no secret on stderr, even at -v.
    func testRefusedCredentialsAre78AndNoSecretIsPrinted() throws {
        let registry = try standIn(user: "reader:hunter2")
        let topic = try avroTopic(registry, [Self.messages[0]], userInfo: "reader:hunter2")
        let config = Harness.tempFile("registry-read.conf")
        try "schema.registry.url=\(registry.url)\nschema.registry.basic.auth.user.info=reader:wrong-secret\n"
            .write(to: config, atomically: true, encoding: .utf8)
        chmod(config.path, 0o600)
        let refused = try kpull(["-F", config.path, "-t", topic, "-e", "-v"])
        XCTAssertEqual(refused.status, 78, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("refused the credentials"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("wrong-secret"), refused.stderr)

        let inURL = registry.url.replacingOccurrences(of: "http://", with: "http://reader:url-secret@")
        let refusedURL = try kpull(["--registry", inURL, "-t", topic, "-e", "-v"])
        XCTAssertEqual(refusedURL.status, 78, refusedURL.stderr)
        XCTAssertFalse(refusedURL.stderr.contains("url-secret"), refusedURL.stderr)

        try "schema.registry.url=\(registry.url)\nschema.registry.basic.auth.user.info=reader:hunter2\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let read = try kpull(["-F", config.path, "-t", topic, "-e", "-v", "-g", Harness.unique("ok")])
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(read.jsonLines.first?["value"] as? NSObject, json(Self.natural[0].1))
        XCTAssertFalse(read.stderr.contains("hunter2"), read.stderr)
    }

    // MARK: - kstream

    func testKStreamDecodes() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry)
        let child = try Child(Harness.tool("kstream"), ["-b", brokers, "-t", topic, "-g", Harness.unique("s"), "--from", "beginning",
                                                        "--registry", registry.url] + Harness.fastConsumer)
        XCTAssertTrue(child.waitFor(timeout: 60) { child.stdoutLines.count >= Self.natural.count || !child.process.isRunning }, child.stderrText)
        child.signal(SIGTERM)
        let r = child.wait(timeout: 30)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.jsonLines.map { $0["value"] as? NSObject }, Self.natural.map { json($0.1) })
        XCTAssertEqual(r.jsonLines.map { $0["key"] as? NSObject }, Self.natural.map { json($0.0) })
    }

    /// kstream stops the same way: before the unknown id, exit 65, the lines before it stored and committed.
    func testKStreamStopsBeforeAnUnknownId() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry, Array(Self.messages.prefix(2)))
        var framed = Data([0]) + withUnsafeBytes(of: UInt32(2_147_480_001).bigEndian) { Data($0) }
        framed += Data([2])
        try witnessProduce(topic, specs: [witnessSpec(value: framed, partition: 0)])
        let group = Harness.unique("s")
        let r = try execute("kstream", ["-b", brokers, "-t", topic, "-g", group, "--from", "beginning", "--registry", registry.url] + Harness.fastConsumer)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertEqual(r.lines.count, 2, r.stdoutText)
        XCTAssertTrue(r.stderr.contains("\(topic)[0] offset 2: ") && r.stderr.contains("schema id 2147480001"), r.stderr)
        XCTAssertEqual(try committed(group: group, topic: topic).offsets[0], 2)
    }

    // MARK: - The example

    /// examples/avro-to-jq.sh on an Avro topic (run here rather than in ExamplesTests: it needs the registry).
    func testExampleAvroToJq() throws {
        let registry = try anyRegistry()
        let topic = try avroTopic(registry)
        let script = ExamplesTests.examples.appendingPathComponent("avro-to-jq.sh")
        var env: [String: String] = ["KAFKA_BROKERS": brokers, "SCHEMA_REGISTRY_URL": registry.url]
        env["PATH"] = Harness.binDir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["bash", script.path, topic, Harness.unique("ex")], environment: env).wait(timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = r.lines
        XCTAssertEqual(out.count, 4, r.stdoutText)
        let paid = try XCTUnwrap(out.dropFirst().first)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(paid.utf8)) as? [String: Any])
        XCTAssertEqual(o["key"] as? NSObject, json(Self.natural[0].0), paid)
        XCTAssertEqual(o["id"] as? Int, 1)
        XCTAssertEqual(o["price"] as? String, "2.58")
        XCTAssertNotNil(o["schema"] as? Int)
        XCTAssertEqual(out.last, #"[{"state":"NEW","orders":1},{"state":"PAID","orders":1},{"state":"SENT","orders":1}]"#)
    }

    // MARK: - Schema references

    /// A type of its own subject, named by the value schema through a reference.
    static let referencedAddress = #"{"type":"record","name":"Address","namespace":"kf.ref","fields":[{"name":"city","type":"string"},{"name":"zip","type":["null","int"]}]}"#
    static let shipment = #"""
        {"type":"record","name":"Shipment","namespace":"kf.ref","fields":[
         {"name":"id","type":"long"},
         {"name":"to","type":"Address"},
         {"name":"from","type":["null","kf.ref.Address"]},
         {"name":"stops","type":{"type":"array","items":"Address"}}]}
        """#

    /// A value schema naming a type registered under another subject (a schema reference): what
    /// AvroSerializer wrote with it, kpull decodes (the referenced type fetched from the registry), and
    /// kput encodes with the subject's latest version what confluent_kafka's AvroDeserializer reads back.
    func testSchemaReferencesReadAndWritten() throws {
        try RegistryClientTests.skipWhereAvroReferencesAreRefused()
        let registry = try anyRegistry()
        let addresses = Harness.unique("kf-ref-address")
        try registryWitness(registry, ["register", addresses, "AVRO", Self.referencedAddress])
        let references = #"[{"name":"kf.ref.Address","subject":"\#(addresses)","version":1}]"#
        let topic = Harness.unique("avro-ref")
        try createTopic(topic, partitions: 1)
        let produced = [
            #"{"value":{"id":1,"to":{"city":"Oslo","zip":{"int":150}},"from":{"kf.ref.Address":{"city":"Bergen","zip":null}},"stops":[]}}"#,
            #"{"value":{"id":2,"to":{"city":"","zip":null},"from":null,"stops":[{"city":"Lund","zip":{"int":22100}},{"city":"Ystad","zip":null}]}}"#,
        ]
        try registryWitness(registry, ["produce", brokers, topic, "AVRO", Self.shipment], input: produced.joined(separator: "\n"),
                            references: references)
        let natural = [
            #"{"id":1,"to":{"city":"Oslo","zip":150},"from":{"city":"Bergen","zip":null},"stops":[]}"#,
            #"{"id":2,"to":{"city":"","zip":null},"from":null,"stops":[{"city":"Lund","zip":22100},{"city":"Ystad","zip":null}]}"#,
        ]

        let r = try kpull(["--registry", registry.url, "-t", topic, "-e"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.jsonLines.map { $0["value"] as? NSObject }, natural.map { json($0) }, r.stdoutText)
        let id = try XCTUnwrap(r.jsonLines.first?["value_schema_id"] as? Int)

        // The write side: the subject AvroSerializer registered (TOPIC-value, with its reference).
        let copy = Harness.unique("avro-ref-copy")
        try createTopic(copy, partitions: 1)
        let w = try execute("kput", ["-b", brokers, "-t", copy, "--registry", registry.url, "--value-schema", "\(topic)-value"],
                            input: Data((natural.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(w.status, 0, w.stderr)
        let script = RegistryClientTests.root.appendingPathComponent("Tests/witness/registry_consume.py").path
        let read = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, registry.url, "consume", brokers, copy]).wait(timeout: 90)
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertEqual(read.jsonLines.map { $0["value"] as? NSObject }, natural.map { json($0) }, read.stdoutText)
        XCTAssertEqual(read.jsonLines.map { $0["value_schema_id"] as? Int }, [id, id], "kput wrote with the id AvroSerializer registered")
    }
}
