// libFuzzer target for the JSON scanner and the envelope codec (built by Scripts/fuzz-libfuzzer.sh, not by
// SwiftPM, together with Tests/KafkaFiltersTests/JSONAgreement.swift): no input may trap; kput's validator,
// kput -k's scanObject, the envelope reader's cursor and the token fast paths must agree on every input
// (JSONAgreement.check); the writer must emit valid JSON that reads back to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buf = UnsafeRawBufferPointer(start: data, count: size)
    if let disagreement = JSONAgreement.check(buf) {
        preconditionFailure("JSON entry points disagree: \(disagreement)")
    }
    var out: [UInt8] = []
    Envelope.append(topic: "t", partition: 0, offset: 0, timestamp: nil, key: buf, value: buf, headers: [], to: &out)
    out.withUnsafeBytes { line in
        precondition(JSONScanner.validate(UnsafeRawBufferPointer(rebasing: line.dropLast())) == nil, "writer made invalid JSON")
        let rec = try! Envelope.decode(UnsafeRawBufferPointer(rebasing: line.dropLast()))
        precondition(rec.value == Array(buf) && rec.key == Array(buf), "round trip changed bytes")
    }
    return 0
}
