import XCTest
@testable import KafkaCore

/// The schema registry's rules, without a registry: calls, answers, framing, cache, SPEC, settings, errors.
final class RegistryCallTests: XCTestCase {
    func testPaths() {
        XCTAssertEqual(RegistryCall.schemaByID(7).path, "/schemas/ids/7")
        XCTAssertEqual(RegistryCall.schemaByID(7, subject: "t-value").path, "/schemas/ids/7?subject=t-value")
        XCTAssertEqual(RegistryCall.subjectVersion(subject: "orders-value", version: nil).path, "/subjects/orders-value/versions/latest")
        XCTAssertEqual(RegistryCall.subjectVersion(subject: "orders-value", version: 3).path, "/subjects/orders-value/versions/3")
        let schema = RegistrySchema(text: "\"string\"")
        XCTAssertEqual(RegistryCall.register(subject: "s", schema: schema).path, "/subjects/s/versions")
        XCTAssertEqual(RegistryCall.lookup(subject: "s", schema: schema).path, "/subjects/s")
        XCTAssertEqual(RegistryCall.register(subject: "s", schema: schema).method, .post)
        XCTAssertEqual(RegistryCall.schemaByID(1).method, .get)
        XCTAssertEqual(RegistryCall.schemaByID(1).url(base: "https://r.example:8081/base"), "https://r.example:8081/base/schemas/ids/1")
    }

    func testSubjectsArePercentEncoded() {
        XCTAssertEqual(RegistryCall.subjectVersion(subject: "a/b c:d%é", version: 1).path, "/subjects/a%2Fb%20c%3Ad%25%C3%A9/versions/1")
        XCTAssertEqual(RegistryCall.percentEncoded("A-z_0.9~"), "A-z_0.9~")
    }

    func testBodies() {
        XCTAssertNil(RegistryCall.schemaByID(1).body)
        let avro = RegistrySchema(text: "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}")
        XCTAssertEqual(String(decoding: RegistryCall.register(subject: "s", schema: avro).body!, as: UTF8.self),
                       #"{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"}"#)
        let json = RegistrySchema(type: .json, text: "{\"type\":\"object\"}\n",
                                  references: [SchemaReference(name: "other.json", subject: "other", version: 2)])
        XCTAssertEqual(String(decoding: RegistryCall.lookup(subject: "s", schema: json).body!, as: UTF8.self),
                       #"{"schema":"{\"type\":\"object\"}\n","schemaType":"JSON","references":[{"name":"other.json","subject":"other","version":2}]}"#)
    }

    /// The body we send is read back by our own answer reader (the registry echoes the same members).
    func testBodyReadsBack() throws {
        let schema = RegistrySchema(type: .protobuf, text: "syntax = \"proto3\";\nmessage M { string a = 1; }",
                                    references: [SchemaReference(name: "a.proto", subject: "a", version: 1)])
        let read = try RegistryAnswer.schema(RegistryCall.body(schema), id: 9)
        XCTAssertEqual(read, RegisteredSchema(id: 9, schema: schema))
    }
}

final class RegistryAnswerTests: XCTestCase {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testSchemaByIDAnswerDefaultsToAvro() throws {
        let answer = try RegistryAnswer.schema(bytes(#"{"schema":"\"string\"","unknown":[1,{"x":2}]}"#), id: 4)
        XCTAssertEqual(answer, RegisteredSchema(id: 4, schema: RegistrySchema(type: .avro, text: "\"string\"")))
    }

    func testSubjectVersionAnswer() throws {
        let answer = try RegistryAnswer.schema(bytes(#"""
            {"subject":"t-value","version":3,"id":12,"schemaType":"JSON","schema":"{\"type\":\"object\"}",
             "references":[{"name":"n","subject":"s","version":1}]}
            """#))
        XCTAssertEqual(answer.id, 12)
        XCTAssertEqual(answer.subject, "t-value")
        XCTAssertEqual(answer.version, 3)
        XCTAssertEqual(answer.schema.type, .json)
        XCTAssertEqual(answer.schema.text, #"{"type":"object"}"#)
        XCTAssertEqual(answer.schema.references, [SchemaReference(name: "n", subject: "s", version: 1)])
        XCTAssertEqual(try RegistryAnswer.schema(bytes(#"{"id":1,"schema":"x","schemaType":"PROTOBUF"}"#)).schema.type, .protobuf)
    }

    func testMalformedAnswers() {
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"id":1}"#))) {
            XCTAssertEqual(($0 as? RegistryAnswer.Malformed)?.description, "malformed answer: no member \"schema\"")
        }
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"schema":"x"}"#)))  // no id, none asked
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"id":1,"schema":"x","schemaType":"XML"}"#)))
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"id":"1","schema":"x"}"#)))
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"id":1.5,"schema":"x"}"#)))
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"id":4294967296,"schema":"x"}"#)))
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"{"id":1,"schema":"x","references":[{"name":"n"}]}"#)))
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"[1]"#)))
        XCTAssertThrowsError(try RegistryAnswer.schema(bytes(#"<html>"#)))
        XCTAssertThrowsError(try RegistryAnswer.registeredID(bytes(#"{"version":1}"#)))
        XCTAssertEqual(try RegistryAnswer.registeredID(bytes(#" {"id": 2147483647} "#)), Int32.max)
    }

    func testErrorAnswers() {
        let unknownID = RegistryAnswer.failure(status: 404, body: bytes(#"{"error_code":40403,"message":"Schema 9 not found"}"#))
        XCTAssertEqual(unknownID.kind, .unknownSchema)
        XCTAssertEqual(unknownID.text, "HTTP 404: Schema 9 not found (error_code 40403)")
        XCTAssertEqual(RegistryAnswer.failure(status: 404, body: bytes(#"{"error_code":40401,"message":"Subject not found."}"#)).kind, .unknownSubject)
        XCTAssertEqual(RegistryAnswer.failure(status: 404, body: bytes(#"{"error_code":40402,"message":"Version not found."}"#)).kind, .unknownSubject)
        XCTAssertEqual(RegistryAnswer.failure(status: 404, body: bytes("<html>nope</html>")).kind, .configuration)
        XCTAssertEqual(RegistryAnswer.failure(status: 401, body: bytes(#"{"error_code":401,"message":"Unauthorized"}"#)).kind, .authorization)
        XCTAssertEqual(RegistryAnswer.failure(status: 403, body: []).kind, .authorization)
        XCTAssertEqual(RegistryAnswer.failure(status: 403, body: []).text, "HTTP 403")
        XCTAssertEqual(RegistryAnswer.failure(status: 409, body: []).kind, .configuration)
        XCTAssertEqual(RegistryAnswer.failure(status: 301, body: []).kind, .configuration)
        XCTAssertEqual(RegistryAnswer.failure(status: 422, body: []).kind, .configuration)
        let busy = RegistryAnswer.failure(status: 503, body: [])
        XCTAssertEqual(busy.kind, .other)
        XCTAssertTrue(busy.isRetriable)
    }
}

final class RegistryFramingTests: XCTestCase {
    func testJoinAndSplit() {
        let framed = RegistryFraming.join(id: 0x0102_0304, body: [9, 8])
        XCTAssertEqual(framed, [0, 1, 2, 3, 4, 9, 8])
        let split = RegistryFraming.split(framed)
        XCTAssertEqual(split?.id, 0x0102_0304)
        XCTAssertEqual(split.map { Array($0.body) }, [9, 8])
        XCTAssertEqual(RegistryFraming.split([0, 0, 0, 0, 1]).map { Array($0.body) }, [])
        XCTAssertEqual(RegistryFraming.split([0, 0, 0, 0, 1])?.id, 1)
        XCTAssertEqual(RegistryFraming.split([0, 0xFF, 0xFF, 0xFF, 0xFF])?.id, -1)
    }

    func testNotFramed() {
        XCTAssertNil(RegistryFraming.split([0, 0, 0, 1]))  // too short
        XCTAssertNil(RegistryFraming.split([1, 0, 0, 0, 1, 2]))  // not the magic byte
        XCTAssertNil(RegistryFraming.split(Array("{\"a\":1}".utf8)))
        XCTAssertNil(RegistryFraming.split([]))
    }
}

final class RegistrySchemaCacheTests: XCTestCase {
    func testBoundAndLeastRecentlyUsed() {
        var cache = SchemaCache<String>(capacity: 3)
        cache.insert(id: 1, "a")
        cache.insert(id: 2, "b")
        cache.insert(id: 3, "c")
        XCTAssertEqual(cache.schema(id: 1), "a")  // 2 is now the least recently used
        cache.insert(id: 4, "d")
        XCTAssertEqual(cache.count, 3)
        XCTAssertNil(cache.schema(id: 2))
        XCTAssertEqual(cache.schema(id: 1), "a")
        XCTAssertEqual(cache.schema(id: 3), "c")
        XCTAssertEqual(cache.schema(id: 4), "d")
        cache.insert(id: 4, "d2")  // replacing evicts nothing
        XCTAssertEqual(cache.count, 3)
        XCTAssertEqual(cache.schema(id: 1), "a")
    }

    func testSubjectVersions() {
        var cache = SchemaCache<String>(capacity: 2)
        let latest = SchemaCache<String>.SubjectVersion("s", nil)
        cache.insert(latest, id: 5)
        cache.insert(.init("s", 1), id: 4)
        XCTAssertEqual(cache.id(of: latest), 5)
        cache.insert(.init("t", 1), id: 6)
        XCTAssertNil(cache.id(of: .init("s", 1)))
        XCTAssertEqual(cache.id(of: latest), 5)
        XCTAssertEqual(SchemaCache<String>.defaultCapacity, 1_000)
    }

    func testDefaultBoundHolds() {
        var cache = SchemaCache<Int32>()
        for id in Int32(1)...1_500 { cache.insert(id: id, id) }
        XCTAssertEqual(cache.count, 1_000)
        XCTAssertNil(cache.schema(id: 500))
        XCTAssertEqual(cache.schema(id: 501), 501)
    }
}

final class RegistrySchemaSpecTests: XCTestCase {
    func parse(_ s: String) throws -> SchemaSpec { try SchemaSpec.parse(s, option: "--value-schema") }

    func testForms() throws {
        XCTAssertEqual(try parse("orders-value"), .latest(subject: "orders-value"))
        XCTAssertEqual(try parse("orders-value:latest"), .latest(subject: "orders-value"))
        XCTAssertEqual(try parse("orders-value:3"), .version(subject: "orders-value", version: 3))
        XCTAssertEqual(try parse("id:42"), .id(42))
        XCTAssertEqual(try parse("@schemas/order.avsc"), .file(path: "schemas/order.avsc"))
        XCTAssertEqual(try parse("ns:orders"), .latest(subject: "ns:orders"))  // a subject may hold ':'
        XCTAssertEqual(try parse("ns:orders:2"), .version(subject: "ns:orders", version: 2))
        XCTAssertEqual(try parse("id:\(Int32.max)"), .id(Int32.max))
    }

    func testErrorsAreOneUsageLine() {
        let cases: [(String, String)] = [
            ("", #"--value-schema: expected SUBJECT, SUBJECT:VERSION, id:N or @FILE, got """#),
            ("@", #"--value-schema: @ needs a file name, got "@""#),
            ("id:", #"--value-schema: id:N needs a schema id from 1 to 2147483647, got "id:""#),
            ("id:x", #"--value-schema: id:N needs a schema id from 1 to 2147483647, got "id:x""#),
            ("id:0", #"--value-schema: id:N needs a schema id from 1 to 2147483647, got "id:0""#),
            ("id:2147483648", #"--value-schema: id:N needs a schema id from 1 to 2147483647, got "id:2147483648""#),
            ("orders:", #"--value-schema: missing the version after ':' (a number or latest), got "orders:""#),
            ("orders:0", #"--value-schema: a version is a number from 1 to 2147483647, got "orders:0""#),
            (":3", #"--value-schema: expected SUBJECT, SUBJECT:VERSION, id:N or @FILE, got ":3""#),
        ]
        for (spec, message) in cases {
            XCTAssertThrowsError(try parse(spec), spec) {
                XCTAssertEqual($0 as? ToolFailure, ToolFailure(.usage, message), spec)
            }
        }
    }

    func testSubjectNames() {
        XCTAssertEqual(SubjectName.value(topic: "orders"), "orders-value")
        XCTAssertEqual(SubjectName.key(topic: "orders"), "orders-key")
    }
}

final class RegistrySettingsTests: XCTestCase {
    func testKeysAreSplitFromLibrdkafkasProperties() throws {
        let (registry, rest) = try RegistrySettings.split([
            (key: "security.protocol", value: "SSL"),
            (key: "schema.registry.url", value: "http://a:8081"),
            (key: "schema.registry.basic.auth.user.info", value: "u:p"),
            (key: "schema.registry.url", value: "https://b:8081/"),
            (key: "schema.registry.bearer.auth.token", value: "tok"),
            (key: "schema.registry.ssl.ca.location", value: "/ca.pem"),
        ])
        XCTAssertEqual(rest.map(\.key), ["security.protocol"])
        let settings = try RegistrySettings.from(registry)
        XCTAssertEqual(settings, RegistrySettings(url: "https://b:8081", userInfo: "u:p", bearerToken: "tok", caLocation: "/ca.pem"))
        XCTAssertEqual(try RegistrySettings.from(registry, url: "http://c:1")?.url, "http://c:1")
    }

    func testUnknownRegistryKeyIsAConfigurationError() {
        XCTAssertThrowsError(try RegistrySettings.split([(key: "schema.registry.basic.auth.credentials.source", value: "USER_INFO")])) {
            XCTAssertEqual(($0 as? ToolFailure)?.status, .configError)
        }
    }

    func testNoURL() throws {
        XCTAssertNil(try RegistrySettings.from([:]))
        XCTAssertThrowsError(try RegistrySettings.from(["schema.registry.basic.auth.user.info": "u:p"])) {
            XCTAssertEqual(($0 as? ToolFailure)?.status, .configError)
        }
    }

    func testURLs() throws {
        let parsed = try RegistryURL.parse("https://key:s%40cret@r.example:8081/prefix/")
        XCTAssertEqual(parsed.url, "https://r.example:8081/prefix")
        XCTAssertEqual(parsed.userInfo, "key:s@cret")
        for bad in ["r.example:8081", "ftp://r", "http://", "http://a,http://b", "http://a?x=1"] {
            XCTAssertThrowsError(try RegistryURL.parse(bad), bad) { XCTAssertEqual(($0 as? ToolFailure)?.status, .configError) }
        }
        XCTAssertEqual(RegistryURL.redacted("https://key:hunter2@r:1/p"), "https://key:******@r:1/p")
        XCTAssertEqual(RegistryURL.redacted("https://r:1/p@x"), "https://r:1/p@x")
    }

    /// A bad URL holding a password is refused without printing the password.
    func testBadURLNeverPrintsThePassword() {
        XCTAssertThrowsError(try RegistryURL.parse("http://key:hunter2@a,http://b")) {
            let message = ($0 as? ToolFailure)?.message ?? ""
            XCTAssertFalse(message.contains("hunter2"), message)
            XCTAssertTrue(message.contains("key:******@a"), message)
        }
    }

    func testSecrets() throws {
        XCTAssertTrue(ClientSettings.isSecret("schema.registry.basic.auth.user.info"))
        XCTAssertTrue(ClientSettings.isSecret("schema.registry.bearer.auth.token"))
        XCTAssertFalse(ClientSettings.isSecret("schema.registry.url"))
        XCTAssertEqual(Set(RegistrySettings.secrets(of: [
            "schema.registry.url": "https://k:urlpass@r", "schema.registry.basic.auth.user.info": "u:pw",
            "schema.registry.bearer.auth.token": "tok",
        ])), ["k:urlpass", "urlpass", "u:pw", "pw", "tok"])
        let settings = try XCTUnwrap(RegistrySettings.from(["schema.registry.url": "https://k:urlpass@r"]))
        XCTAssertEqual(settings.userInfo, "k:urlpass")
        XCTAssertFalse(settings.url.contains("urlpass"))
        XCTAssertThrowsError(try RegistrySettings.from(["schema.registry.url": "http://r", "schema.registry.basic.auth.user.info": "nocolon"]))
    }
}

final class RegistryErrorMapTests: XCTestCase {
    func failure(_ facts: ErrorFacts, retried: Bool = false) -> ToolFailure {
        RegistryError(facts, call: "schema id 7", url: "https://r:8081", timeoutMs: 5000).failure(retried: retried)
    }

    func testStatuses() {
        let refused = ErrorFacts(.transport, text: "Failed to connect to r port 8081: Connection refused")
        XCTAssertEqual(failure(refused), ToolFailure(.unavailable,
            "schema registry https://r:8081 did not answer within 5s (schema id 7): Failed to connect to r port 8081: Connection refused"))
        XCTAssertEqual(failure(refused, retried: true).status, .tempFailure)
        XCTAssertEqual(failure(ErrorFacts(.timeout, text: "t")).status, .unavailable)
        XCTAssertEqual(failure(RegistryAnswer.failure(status: 401, body: [])),
                       ToolFailure(.configError, "schema registry https://r:8081 refused the credentials (schema id 7): HTTP 401"))
        XCTAssertEqual(failure(RegistryAnswer.failure(status: 404, body: Array(#"{"error_code":40403,"message":"Schema 7 not found"}"#.utf8))),
                       ToolFailure(.dataError, "schema registry https://r:8081 does not know schema id 7: HTTP 404: Schema 7 not found (error_code 40403)"))
        XCTAssertEqual(failure(RegistryAnswer.failure(status: 404, body: Array(#"{"error_code":40401}"#.utf8))).status, .unavailable)
        XCTAssertEqual(failure(ErrorFacts(.configuration, text: "TLS: SSL certificate problem")).status, .configError)
        XCTAssertEqual(failure(RegistryAnswer.failure(status: 500, body: [])).status, .tempFailure)
        XCTAssertEqual(ErrorMap.status(ErrorFacts(.unknownSchema, text: "")), .dataError)
        XCTAssertEqual(ErrorMap.status(ErrorFacts(.unknownSubject, text: "")), .unavailable)
    }
}
