import Foundation
import XCTest

/// kput with a schema registry (issue 22's write side), end to end: the built kput on kmock, the registry
/// the stand-in (Scripts/registry-standin.py) or SCHEMA_REGISTRY_URL's, and Python confluent_kafka's
/// AvroDeserializer / JSONDeserializer (Tests/witness/registry_consume.py) reading what kput wrote, keys
/// and values, each message's schema found by its id as Confluent's consumers do.
final class RegistryWriteTests: XCTestCase {
    var registries: [RegistryClientTests.Registry] = []

    override func tearDown() {
        registries.forEach { $0.stop() }
        super.tearDown()
    }

    func registry() throws -> RegistryClientTests.Registry {
        let registry = try RegistryClientTests.realRegistry.map { RegistryClientTests.Registry(real: $0) } ?? RegistryClientTests.Registry()
        registries.append(registry)
        return registry
    }

    /// What confluent_kafka's deserializers read from `topic`, in partition and offset order.
    func consume(_ url: String, _ topic: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let script = RegistryClientTests.root.appendingPathComponent("Tests/witness/registry_consume.py").path
        let r = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, url, "consume", brokers, topic]).wait(timeout: 90)
        XCTAssertEqual(r.status, 0, "registry_consume: \(r.stderr)", file: file, line: line)
        return r.jsonLines
    }

    /// The stand-in's (or the real registry's) answer through confluent_kafka's SchemaRegistryClient.
    func registryWitness(_ url: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let script = RegistryClientTests.root.appendingPathComponent("Tests/witness/registry_witness.py").path
        let r = try Child(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, url] + arguments).wait(timeout: 60)
        XCTAssertEqual(r.status, 0, "registry witness: \(r.stderr)", file: file, line: line)
        return try XCTUnwrap(r.jsonLines.first, file: file, line: line)
    }

    func schemaFile(_ text: String, _ name: String) throws -> URL {
        let url = Harness.tempFile(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func kput(_ url: String?, _ topic: String, _ arguments: [String], input: String, timeout: TimeInterval = 60) throws -> RunResult {
        var all = ["-b", brokers, "-t", topic]
        if let url { all += ["--registry", url] }
        return try execute("kput", all + arguments, input: Data(input.utf8), timeout: timeout)
    }

    static let valueSchema = #"""
        {"type":"record","name":"Order","namespace":"kf.write","fields":[
          {"name":"id","type":"long"},
          {"name":"note","type":["null","string"],"default":null},
          {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
          {"name":"attrs","type":{"type":"map","values":"int"}},
          {"name":"raw","type":"bytes"},
          {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
          {"name":"address","type":["null",{"type":"record","name":"Address","fields":[{"name":"zip","type":["int","null"]}]}],"default":null}
        ]}
        """#
    /// -k takes a member of the line, which the value's record has too: the order's id.
    static let keySchema = #"{"type":"long","connect.name":"kf.write.OrderKey"}"#

    // MARK: - @FILE, values and keys

    func testFileSchemasValuesAndKeysReadByAvroDeserializer() throws {
        let registry = try registry()
        let topic = Harness.unique("reg-write")
        try createTopic(topic, partitions: 1)
        let value = try schemaFile(Self.valueSchema, "order.avsc")
        let key = try schemaFile(Self.keySchema, "key.avsc")
        let input = """
            {"id":1,"note":"hi","color":"RED","attrs":{"x":1,"y":-2},"raw":"\\u0000\\u00ffA","at":1700000000000,"price":"12.34","address":{"zip":12345}}
            {"id":2,"note":null,"color":"GREEN","attrs":{},"raw":"","at":0,"price":"-0.05"}

            """
        let r = try kput(registry.url, topic, ["-k", "id", "--value-schema", "@" + value.path, "--key-schema", "@" + key.path], input: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")

        let records = try consume(registry.url, topic)
        XCTAssertEqual(records.count, 2)
        let first = try XCTUnwrap(records.first?["value"] as? [String: Any])
        XCTAssertEqual(first["id"] as? Int, 1)
        XCTAssertEqual(first["note"] as? String, "hi")
        XCTAssertEqual(first["color"] as? String, "RED")
        XCTAssertEqual(first["attrs"] as? [String: Int], ["x": 1, "y": -2])
        XCTAssertEqual(first["raw"] as? String, "\u{0}\u{ff}A")
        XCTAssertEqual(first["at"] as? Int, 1_700_000_000_000)
        XCTAssertEqual(first["price"] as? String, "12.34")
        XCTAssertEqual((first["address"] as? [String: Any])?["zip"] as? Int, 12345)
        XCTAssertEqual(records.first?["key"] as? Int, 1)
        let second = try XCTUnwrap(records.last?["value"] as? [String: Any])
        XCTAssertTrue(second["note"] is NSNull)
        XCTAssertTrue(second["address"] is NSNull, "a missing member takes its default")
        XCTAssertEqual(second["price"] as? String, "-0.05")
        XCTAssertEqual(records.last?["key"] as? Int, 2)

        // Registered under TOPIC-value and TOPIC-key, as Confluent's serializers do.
        let valueID = try XCTUnwrap(records.first?["value_schema_id"] as? Int)
        let keyID = try XCTUnwrap(records.first?["key_schema_id"] as? Int)
        XCTAssertEqual(try registryWitness(registry.url, ["latest", topic + "-value"])["id"] as? Int, valueID)
        XCTAssertEqual(try registryWitness(registry.url, ["latest", topic + "-key"])["id"] as? Int, keyID)
        XCTAssertEqual(records.last?["value_schema_id"] as? Int, valueID)

        // Again: the schema is found there, not registered anew.
        let again = try kput(registry.url, topic, ["-k", "id", "--value-schema", "@" + value.path, "--key-schema", "@" + key.path],
                             input: #"{"id":3,"color":"RED","attrs":{},"raw":"","at":5,"price":"1"}"#)
        XCTAssertEqual(again.status, 0, again.stderr)
        let all = try consume(registry.url, topic)
        XCTAssertEqual(all.count, 3)
        XCTAssertEqual(all.last?["value_schema_id"] as? Int, valueID)
        XCTAssertEqual(try registryWitness(registry.url, ["latest", topic + "-value"])["version"] as? Int, 1)
    }

    // MARK: - SUBJECT, SUBJECT:VERSION, id:N

    func testSubjectVersionAndIDSpecs() throws {
        let registry = try registry()
        let topic = Harness.unique("reg-specs")
        try createTopic(topic, partitions: 1)
        let subject = Harness.unique("specs") + "-value"
        let v1 = #"{"type":"record","name":"S","fields":[{"name":"a","type":"int"}]}"#
        let v2 = #"{"type":"record","name":"S","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"d"}]}"#
        let id1 = try XCTUnwrap(try registryWitness(registry.url, ["register", subject, "AVRO", v1])["id"] as? Int)
        let id2 = try XCTUnwrap(try registryWitness(registry.url, ["register", subject, "AVRO", v2])["id"] as? Int)

        for (spec, input) in [(subject, #"{"a":1,"b":"x"}"#), (subject + ":1", #"{"a":2}"#), ("id:\(id2)", #"{"a":3}"#),
                              (subject + ":latest", #"{"a":4,"b":"y"}"#)] {
            let r = try kput(registry.url, topic, ["--value-schema", spec], input: input)
            XCTAssertEqual(r.status, 0, "\(spec): \(r.stderr)")
        }
        let records = try consume(registry.url, topic)
        XCTAssertEqual(records.map { $0["value_schema_id"] as? Int }, [id2, id1, id2, id2])
        let values = records.map { $0["value"] as? NSDictionary }
        XCTAssertEqual(values, [["a": 1, "b": "x"], ["a": 2], ["a": 3, "b": "d"], ["a": 4, "b": "y"]] as [NSDictionary])
    }

    // MARK: - JSON Schema

    func testJSONSchemaFramingReadByJSONDeserializer() throws {
        let registry = try registry()
        let topic = Harness.unique("reg-json")
        try createTopic(topic, partitions: 1)
        let schema = try schemaFile(#"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"zip":{"type":"integer"}}}"#,
                                    "zip.json")
        let r = try kput(registry.url, topic, ["--value-schema", "@" + schema.path], input: "{\"zip\":1}\n{\"zip\": 2, \"x\":[true]}\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try consume(registry.url, topic)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records.first?["value"] as? [String: Int], ["zip": 1])
        XCTAssertEqual((records.last?["value"] as? [String: Any])?["zip"] as? Int, 2)
        let id = try XCTUnwrap(records.first?["value_schema_id"] as? Int)
        XCTAssertEqual(try registryWitness(registry.url, ["get", String(id)])["schemaType"] as? String, "JSON")
        // The body is the line's JSON text as it stands.
        let raw = try XCTUnwrap(records.last?["value_raw"] as? String)
        XCTAssertEqual(raw, String(format: "00%08x", id) + Data("{\"zip\": 2, \"x\":[true]}".utf8).map { String(format: "%02x", $0) }.joined())

        // A line the schema refuses is a bad line (JSONDeserializer, which validates, would refuse it).
        let rejects = Harness.tempFile("rejects")
        let bad = #"{"zip":"x"}"#
        let again = try kput(registry.url, topic, ["--value-schema", "@" + schema.path, "--rejects", rejects.path],
                             input: "{\"zip\":3}\n" + bad + "\n{\"zip\":4}\n")
        XCTAssertEqual(again.status, 65, again.stderr)
        XCTAssertEqual(again.stderr, #"kput: -:2: $.zip: expected integer, got "x""# + "\n")
        XCTAssertEqual(try String(contentsOf: rejects, encoding: .utf8), bad + "\n")
        XCTAssertEqual(try consume(registry.url, topic).compactMap { ($0["value"] as? [String: Any])?["zip"] as? Int }, [1, 2, 3, 4])
    }

    // MARK: - A bad line

    func testLineThatDoesNotFitIsNamedKeptAndTheRestDelivered() throws {
        let registry = try registry()
        let topic = Harness.unique("reg-bad")
        try createTopic(topic, partitions: 1)
        let schema = try schemaFile(Self.valueSchema, "order.avsc")
        let rejects = Harness.tempFile("rejects")
        let good = #"{"id":1,"color":"RED","attrs":{},"raw":"","at":1,"price":"1.00","address":{"zip":1}}"#
        let bad = #"{"id":2,"color":"RED","attrs":{},"raw":"","at":1,"price":"1.00","address":{"zip":"x"}}"#
        let badKey = #"{"id":"3","color":"RED","attrs":{},"raw":"","at":1,"price":"1.00"}"#
        let notJSON = #"{"id":4,"color":"RED""#
        let r = try kput(registry.url, topic, ["--value-schema", "@" + schema.path, "--rejects", rejects.path],
                         input: [good, bad, badKey, good, notJSON].joined(separator: "\n") + "\n")
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:5: "), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"kput: -:2: $.address.zip: expected int or null, got "x""#), r.stderr)
        XCTAssertTrue(r.stderr.contains(#"kput: -:3: $.id: "#), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 3, r.stderr)
        XCTAssertEqual(try String(contentsOf: rejects, encoding: .utf8), bad + "\n" + badKey + "\n" + notJSON + "\n")
        let records = try consume(registry.url, topic)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records.compactMap { ($0["value"] as? [String: Any])?["id"] as? Int }, [1, 1])
    }

    // MARK: - The envelope's ids: the copy pipeline

    /// `kpull --registry | kput --envelope --registry`: lines with `value_schema_id` / `key_schema_id` and
    /// the natural JSON (as kpull writes them) go back out byte for byte.
    func testEnvelopeWithSchemaIDsCopiesByteForByte() throws {
        let registry = try registry()
        let source = Harness.unique("reg-copy-src")
        let target = Harness.unique("reg-copy-dst")
        try createTopic(source, partitions: 1)
        try createTopic(target, partitions: 1)
        let value = try schemaFile(Self.valueSchema, "order.avsc")
        let key = try schemaFile(Self.keySchema, "key.avsc")
        let input = """
            {"id":7,"note":"ü","color":"GREEN","attrs":{"a":1},"raw":"\\u00e9\\u0001","at":99,"price":"0.10","address":{"zip":null}}
            {"id":8,"color":"RED","attrs":{},"raw":"","at":1,"price":"5"}
            """
        let r = try kput(registry.url, source, ["-k", "id", "--value-schema", "@" + value.path, "--key-schema", "@" + key.path], input: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try consume(registry.url, source)
        XCTAssertEqual(written.count, 2)

        // The lines kpull --registry writes for them: the natural JSON and the ids.
        func json(_ object: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed]), as: UTF8.self) }
        var envelope = ""
        for record in written {
            let keyID = try XCTUnwrap(record["key_schema_id"] as? Int)
            let valueID = try XCTUnwrap(record["value_schema_id"] as? Int)
            envelope += #"{"topic":"\#(source)","partition":0,"key":\#(try json(record["key"]!)),"key_schema_id":\#(keyID),"#
                + #""value":\#(try json(record["value"]!)),"value_schema_id":\#(valueID)}"# + "\n"
        }
        let copy = try kput(registry.url, target, ["--envelope"], input: envelope)
        XCTAssertEqual(copy.status, 0, copy.stderr)
        let copied = try consume(registry.url, target)
        XCTAssertEqual(copied.map { $0["value_raw"] as? String }, written.map { $0["value_raw"] as? String })
        XCTAssertEqual(copied.map { $0["key_raw"] as? String }, written.map { $0["key_raw"] as? String })

        // An id the registry does not know is that line's fault; the others still go.
        let unknown = #"{"value":{"a":1},"value_schema_id":99999}"#
        let mixed = try kput(registry.url, target, ["--envelope"], input: unknown + "\n" + envelope)
        XCTAssertEqual(mixed.status, 65, mixed.stderr)
        XCTAssertTrue(mixed.stderr.contains("kput: -:1: value_schema_id 99999: "), mixed.stderr)
        XCTAssertEqual(try consume(registry.url, target).count, 4)
    }

    /// The copy pipeline itself: `kpull -e --registry R | kput --envelope --registry R`, both forms of
    /// the JSON. Needs kpull's --registry (the read side); skipped where kpull lacks it.
    func testKpullToKputCopiesAnAvroTopicByteForByte() throws {
        let help = try execute("kpull", ["--help"])
        try XCTSkipUnless(help.stdoutText.contains("--registry"), "kpull has no --registry in this build")
        let registry = try registry()
        let source = Harness.unique("reg-pipe-src")
        try createTopic(source, partitions: 1)
        let value = try schemaFile(Self.valueSchema, "order.avsc")
        let key = try schemaFile(Self.keySchema, "key.avsc")
        let input = #"{"id":7,"note":"\u00fc","color":"GREEN","attrs":{"a":1},"raw":"\u00e9\u0001","at":99,"price":"0.10","address":{"zip":null}}"#
            + "\n" + #"{"id":8,"color":"RED","attrs":{},"raw":"","at":1,"price":"5","address":{"zip":3}}"# + "\n"
        let r = try kput(registry.url, source, ["-k", "id", "--value-schema", "@" + value.path, "--key-schema", "@" + key.path], input: input)
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try consume(registry.url, source)
        for form in ["natural", "avro"] {
            let target = Harness.unique("reg-pipe-dst")
            try createTopic(target, partitions: 1)
            let pull = try execute("kpull", ["-b", brokers, "-t", source, "-g", Harness.unique("pipe"), "-e", "--registry", registry.url,
                                             "--avro-json", form] + Harness.fastConsumer)
            XCTAssertEqual(pull.status, 0, pull.stderr)
            XCTAssertEqual(pull.lines.count, 2, pull.stdoutText)
            let put = try kput(registry.url, target, ["--envelope", "--avro-json", form], input: pull.stdoutText)
            XCTAssertEqual(put.status, 0, "\(form): \(put.stderr)\n\(pull.stdoutText)")
            let copied = try consume(registry.url, target)
            XCTAssertEqual(copied.map { $0["value_raw"] as? String }, written.map { $0["value_raw"] as? String }, form)
            XCTAssertEqual(copied.map { $0["key_raw"] as? String }, written.map { $0["key_raw"] as? String }, form)
        }
    }

    // MARK: - Failures before any input is read

    func testRegistryUnreachableIs69BeforeReading() throws {
        let topic = Harness.unique("reg-down")
        try createTopic(topic, partitions: 1)
        let r = try kput("http://127.0.0.1:1", topic, ["--value-schema", "some-subject", "--connect-timeout", "3"], input: #"{"a":1}"#)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kput: schema registry http://127.0.0.1:1"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(try readTopic(topic).count, 0)
    }

    /// An envelope line's id is fetched when first seen: a registry gone by then ends the run (69), the
    /// line named and kept, nothing after it read.
    func testRegistryGoneMidRunStopsReadingWith69() throws {
        let registry = try RegistryClientTests.Registry()
        registries.append(registry)
        let topic = Harness.unique("reg-gone")
        try createTopic(topic, partitions: 1)
        let id = try XCTUnwrap(try registryWitness(registry.url, ["register", Harness.unique("gone") + "-value", "AVRO", #""int""#])["id"] as? Int)
        registry.stop()
        let rejects = Harness.tempFile("rejects")
        let lines = [#"{"value":1,"value_schema_id":\#(id)}"#, #"{"value":2,"value_schema_id":\#(id)}"#]
        let r = try kput(registry.url, topic, ["--envelope", "--rejects", rejects.path, "--connect-timeout", "3"],
                         input: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("kput: -:1: schema registry \(registry.url)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stopped reading after -:1 (the schema registry failed)"), r.stderr)
        XCTAssertEqual(try String(contentsOf: rejects, encoding: .utf8), lines[0] + "\n")
        XCTAssertEqual(try readTopic(topic).count, 0)
    }

    func testUnknownSubjectOrIDIs78AndNoRegistryIs64() throws {
        let registry = try registry()
        let topic = Harness.unique("reg-unknown")
        try createTopic(topic, partitions: 1)
        for spec in [Harness.unique("nobody"), "id:987654", Harness.unique("nobody") + ":3"] {
            let r = try kput(registry.url, topic, ["--value-schema", spec], input: #"{"a":1}"#)
            XCTAssertEqual(r.status, 78, "\(spec): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("kput: --value-schema: schema registry "), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        let none = try kput(nil, topic, ["--value-schema", "x"], input: #"{"a":1}"#)
        XCTAssertEqual(none.status, 64, none.stderr)
        XCTAssertEqual(none.stderr.split(separator: "\n").count, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("--value-schema needs a schema registry"), none.stderr)
        let text = try kput(registry.url, topic, ["--value-schema", "x", "--text"], input: "")
        XCTAssertEqual(text.status, 64, text.stderr)
        XCTAssertEqual(try readTopic(topic).count, 0)
    }

    /// A schema file that the subject's latest version cannot evolve into (BACKWARD, the default of
    /// Confluent's registry and Karapace: a field old records lack, with no default): the registry
    /// refuses it with 409, and kput says so in one line and exits 78 before writing anything. The same
    /// file with a default for that field is taken as the subject's next version.
    func testIncompatibleSchemaIs78AndNothingWritten() throws {
        let registry = try registry()
        let topic = Harness.unique("reg-incompatible")
        try createTopic(topic, partitions: 1)
        let v1 = #"{"type":"record","name":"Item","namespace":"kf.write","fields":[{"name":"id","type":"long"}]}"#
        let v1ID = try XCTUnwrap(try registryWitness(registry.url, ["register", "\(topic)-value", "AVRO", v1])["id"] as? Int)
        let incompatible = try schemaFile(
            #"{"type":"record","name":"Item","namespace":"kf.write","fields":[{"name":"id","type":"long"},{"name":"sku","type":"string"}]}"#,
            "incompatible.avsc")
        let line = #"{"id":1,"sku":"a-1"}"# + "\n"
        let r = try kput(registry.url, topic, ["--value-schema", "@" + incompatible.path], input: line)
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kput: schema registry "), r.stderr)
        XCTAssertTrue(r.stderr.contains("registering a schema under subject \"\(topic)-value\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("HTTP 409") && r.stderr.contains("(error_code 409)"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(try readTopic(topic).count, 0)
        XCTAssertEqual(try registryWitness(registry.url, ["latest", "\(topic)-value"])["id"] as? Int, v1ID, "the subject is as it was")

        let compatible = try schemaFile(
            #"{"type":"record","name":"Item","namespace":"kf.write","fields":[{"name":"id","type":"long"},{"name":"sku","type":"string","default":""}]}"#,
            "compatible.avsc")
        let w = try kput(registry.url, topic, ["--value-schema", "@" + compatible.path], input: line)
        XCTAssertEqual(w.status, 0, w.stderr)
        let latest = try registryWitness(registry.url, ["latest", "\(topic)-value"])
        XCTAssertEqual(latest["version"] as? Int, 2)
        XCTAssertEqual(try consume(registry.url, topic).map { $0["value_schema_id"] as? Int }, [latest["id"] as? Int])
    }

    func testRefusedCredentialsAre78() throws {
        let registry = try RegistryClientTests.Registry(user: "alice:secret")
        registries.append(registry)
        let topic = Harness.unique("reg-auth")
        try createTopic(topic, partitions: 1)
        let r = try kput(registry.url, topic, ["--value-schema", "s", "-X", "schema.registry.basic.auth.user.info=alice:wrong"],
                         input: #"{"a":1}"#)
        XCTAssertEqual(r.status, 78, r.stderr)
        XCTAssertFalse(r.stderr.contains("wrong"), "no secret on stderr: \(r.stderr)")
    }
}
