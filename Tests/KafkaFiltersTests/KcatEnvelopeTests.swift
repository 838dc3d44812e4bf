import XCTest
@testable import KafkaCore

/// kcat -J lines as kput --envelope reads them.
final class KcatEnvelopeTests: XCTestCase {
    func decode(_ line: String) throws -> EnvelopeRecord? { try decode(bytes: Array(line.utf8)) }

    func decode(bytes: [UInt8]) throws -> EnvelopeRecord? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        return try KcatEnvelope.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]))
    }

    func testARealKcatLine() throws {
        // As kcat 1.7 writes it (kcat -C -J).
        let line = #"{"topic":"kj","partition":0,"offset":0,"tstype":"create","ts":1796112244653,"broker":1,"headers":["a","1","b","2","n",null],"key":"mykey","payload":"hello\tworld"}"#
        let r = try XCTUnwrap(try decode(line))
        XCTAssertEqual(r.key, Array("mykey".utf8))
        XCTAssertEqual(r.value, Array("hello\tworld".utf8))
        XCTAssertEqual(r.timestamp, 1_796_112_244_653)
        XCTAssertEqual(r.partition, 0)
        XCTAssertEqual(r.headers, [EnvelopeHeader(key: "a", value: Array("1".utf8)), EnvelopeHeader(key: "b", value: Array("2".utf8)),
                                   EnvelopeHeader(key: "n", value: nil)])
    }

    func testNullKeyNullPayloadNoTimestampNoHeaders() throws {
        let r = try XCTUnwrap(try decode(#"{"topic":"t","partition":3,"offset":1,"tstype":"none","ts":-1,"broker":1,"key":null,"payload":null}"#))
        XCTAssertNil(r.key)
        XCTAssertNil(r.value, "a tombstone")
        XCTAssertNil(r.timestamp, "-1: the producer stamps it")
        XCTAssertEqual(r.headers, [])
    }

    func testAPayloadThatIsJSONTextIsItsText() throws {
        let r = try XCTUnwrap(try decode(#"{"key":"","payload":"{\"a\":1}"}"#))
        XCTAssertEqual(r.value, Array(#"{"a":1}"#.utf8))
        XCTAssertEqual(r.key, [], "an empty key is not a null key")
    }

    func testKpullsEnvelopeIsNotKcats() throws {
        XCTAssertNil(try decode(#"{"topic":"t","key":"k","value":{"payload":1}}"#), "\"payload\" nested, not a member")
        XCTAssertNil(try decode(#"{"key":"k","value":"x","payload":"y"}"#), "a value member: kpull's envelope")
        XCTAssertNil(try decode(#"{"key":"k","value":"x"}"#))
        XCTAssertNil(try decode(#"["payload"]"#))
    }

    func testBadKcatLines() {
        for line in [
            #"{"payload":1}"#,
            #"{"payload":"x","headers":["a"]}"#,
            #"{"payload":"x","headers":[1,"v"]}"#,
            #"{"payload":"x","headers":{"a":"b"}}"#,
            #"{"payload":"x","ts":"soon"}"#,
            #"{"payload":"x","key":5}"#,
            #"{"payload":"x""#,
        ] {
            XCTAssertThrowsError(try decode(line), line)
        }
        // kcat writes a binary payload raw: not UTF-8, not JSON, rejected rather than guessed.
        let raw = Array(#"{"payload":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        XCTAssertThrowsError(try decode(bytes: raw))
    }

    func testTheEnvelopeDecoderTakesBoth() {
        let d = EnvelopeLineDecoder(keepPartition: true)
        var got: [([UInt8]?, [UInt8]?, Int32?)] = []
        for line in [#"{"partition":2,"key":"k","payload":"v"}"#, #"{"partition":1,"key":"k","value":"v"}"#] {
            let verdict = Array(line.utf8).withUnsafeBytes { b in
                d.decode(b) { got.append(($0.key.map { Array($0) }, $0.value.map { Array($0) }, $0.partition)) }
            }
            XCTAssertEqual(verdict, .sent)
        }
        XCTAssertEqual(got.map(\.0), [Array("k".utf8), Array("k".utf8)])
        XCTAssertEqual(got.map(\.1), [Array("v".utf8), Array(#""v""#.utf8)], "kcat's payload is text; kpull's value is raw JSON")
        XCTAssertEqual(got.map(\.2), [2, 1])
    }
}
