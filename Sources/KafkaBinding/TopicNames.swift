import Crdkafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaCore

/// The names of the topics seen, each with a small id, found per message by the `rd_kafka_topic_t`
/// pointer's bit pattern (the pointer itself never leaves the binding). An entry is trusted only while
/// `rd_kafka_topic_name` still reads the same bytes, so a topic handle freed and its address reused for
/// another topic cannot mislabel a message; a byte compare of the name costs far less than building a
/// String.
struct TopicNames {
    private struct Entry {
        var handle: UInt
        let name: String
        let bytes: [UInt8]
    }
    private var entries: [Entry] = []
    private var last = 0

    mutating func lookup(_ rkt: OpaquePointer?) -> (id: Int, name: String) {
        guard let rkt else { return lookupSlow(nil) }
        let bits = UInt(bitPattern: rkt)
        if last < entries.count, entries[last].handle == bits, matches(last, rd_kafka_topic_name(rkt)) {
            return (last, entries[last].name)
        }
        for i in entries.indices where entries[i].handle == bits && matches(i, rd_kafka_topic_name(rkt)) {
            last = i
            return (i, entries[i].name)
        }
        return lookupSlow(rkt)
    }

    private func matches(_ i: Int, _ cName: UnsafePointer<CChar>) -> Bool {
        entries[i].bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { strcmp(cName, $0) == 0 }
        }
    }

    private mutating func lookupSlow(_ rkt: OpaquePointer?) -> (id: Int, name: String) {
        let name = rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let bits = rkt.map { UInt(bitPattern: $0) } ?? 0
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i].handle = bits
            last = i
            return (i, name)
        }
        entries.append(Entry(handle: bits, name: name, bytes: Array(name.utf8) + [0]))
        last = entries.count - 1
        return (last, name)
    }
}
