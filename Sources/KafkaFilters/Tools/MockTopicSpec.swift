import ArgumentParser

/// `name[:partitions]` from kmock's --topic.
package struct MockTopicSpec: Sendable {
    var name: String
    var partitions: Int32
    package init(_ spec: String) throws {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        name = String(parts[0])
        guard !name.isEmpty else { throw ValidationError("--topic needs a name") }
        if parts.count > 1 {
            guard let p = Int32(parts[1]), p > 0, p <= 10_000 else {
                throw ValidationError("--topic \(spec): partitions must be 1...10000")
            }
            partitions = p
        } else {
            partitions = 4
        }
    }
}
