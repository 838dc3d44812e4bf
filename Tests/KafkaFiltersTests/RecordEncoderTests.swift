import XCTest
@testable import KafkaCore

/// The value-codec seam on kput's side: each input mode tells the encoder where the key and value came
/// from (the raw JSON members), and today's encoder sends the record as decoded.
final class RecordEncoderTests: XCTestCase {
    /// The members a decoder reports for `line`, as text: (key JSON, value JSON).
    func members(_ line: String, _ decode: (UnsafeRawBufferPointer, (OutgoingRecord) -> Void) -> LineVerdict) -> [(String?, String?)] {
        var got: [(String?, String?)] = []
        _ = Array(line.utf8).withUnsafeBytes { bytes in
            decode(bytes) { r in
                let m = LineMembers(line: bytes, key: r.keyToken, value: r.valueToken)
                got.append((m.keyJSON.map { String(decoding: $0, as: UTF8.self) }, m.valueJSON.map { String(decoding: $0, as: UTF8.self) }))
            }
        }
        return got
    }

    func assertMembers(_ got: [(String?, String?)], _ key: String?, _ value: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, 1, file: file, line: line)
        XCTAssertEqual(got.first?.0, key, "key", file: file, line: line)
        XCTAssertEqual(got.first?.1, value, "value", file: file, line: line)
    }

    func testJSONLinesAreTheirOwnValueAndTheKeyIsItsMember() {
        let line = #"{"id":"a\u0062","n":12,"address":{"zip":"x"}}"#
        assertMembers(members(line, JSONLineDecoder().decode), nil, line)
        assertMembers(members(line, JSONLineDecoder(keyField: "id").decode), #""a\u0062""#, line)
        assertMembers(members(line, JSONLineDecoder(keyField: "n").decode), "12", line)
        assertMembers(members(#"{"x":1}"#, JSONLineDecoder(keyField: "id", nullKeyIfMissing: true).decode), nil, #"{"x":1}"#)
    }

    func testTextLinesHaveNoMembers() {
        assertMembers(members("plain {text", TextLineDecoder().decode), nil, nil)
    }

    func testEnvelopeMembersAreTheKeyAndValueAsWritten() {
        let d = EnvelopeLineDecoder()
        assertMembers(members(#"{"key":"k1","value":{"address":{"zip":"x"}},"partition":0}"#, d.decode), #""k1""#, #"{"address":{"zip":"x"}}"#)
        assertMembers(members(#"{"value":"aGk=","value_encoding":"base64"}"#, d.decode), nil, #""aGk=""#)
        assertMembers(members(#"{"key":null,"value":null}"#, d.decode), nil, nil)
        // kcat's -J shape: key and payload.
        assertMembers(members(#"{"topic":"t","key":"k","payload":"p"}"#, d.decode), #""k""#, #""p""#)
    }

    func testThePlainEncoderSendsTheRecordAsDecoded() {
        let encoder = PlainRecordEncoder()
        let line = Array(#"{"a":1}"#.utf8)
        var sent: [[UInt8]] = []
        let refused = line.withUnsafeBytes { bytes in
            encoder.encode(members: LineMembers(line: bytes, value: 0..<bytes.count), at: LinePosition(source: 0, line: 1)) { key, value in
                // Nothing in place of the record's own key and value.
                XCTAssertNil(key)
                XCTAssertNil(value)
                sent.append(Array(bytes))
            }
        }
        XCTAssertNil(refused)
        XCTAssertEqual(sent, [line])
    }

    func testTheLinePositionOfAMessageId() {
        XCTAssertEqual(DeliveryLedger.position(of: DeliveryLedger.id(source: 2, line: 41)), LinePosition(source: 2, line: 41))
    }
}
