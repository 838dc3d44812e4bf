/// Issue 22's benchmark record: a 12-field Avro record of ~150 bytes (~280 bytes of natural JSON), the one
/// both Avro drivers measure (Tests/bench/AvroInstructions.swift for callgrind, Tests/fuzz/AvroFuzzDriver.swift
/// for `fuzz-avro.py --bench`), compiled into each by its script.
enum AvroBenchRecord {
    static let schemaText = """
        {"type":"record","name":"Order","namespace":"com.acme","fields":[
          {"name":"id","type":"long"},{"name":"customer","type":"string"},{"name":"email","type":"string"},
          {"name":"quantity","type":"int"},{"name":"price","type":"double"},{"name":"paid","type":"boolean"},
          {"name":"created","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"tags","type":{"type":"array","items":"string"}},
          {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID","SHIPPED"]}},
          {"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
          {"name":"note","type":["null","string"]},
          {"name":"ref","type":{"type":"string","logicalType":"uuid"}}]}
        """
    static let natural = Array(
        #"{"id":1234567890123,"customer":"Ada Lovelace-Byron","email":"ada@analytical.example","quantity":3,"price":19.99,"paid":true,"created":1764806400123,"tags":["gift","express"],"status":"PAID","total":"59.97","note":"leave at the door","ref":"6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"}"#
            .utf8)
}
