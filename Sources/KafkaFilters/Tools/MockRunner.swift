import ArgumentParser
import KafkaBinding
import KafkaCore

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

package enum KafkaFiltersInfo {
    package static let version = "0.1.0 (librdkafka \(Librdkafka.versionString))"
}

/// kmock's body: start the cluster, print the bootstrap list, serve fault commands until a signal.
package func runMock(brokers: Int, topics: [MockTopicSpec], envFile: String?) throws {
    let cluster: MockCluster
    do {
        cluster = try MockCluster(brokers: brokers)
    } catch {
        let failure = ToolFailure(error)
        Diagnostics.error(failure.message)
        throw failure.status.exitCode
    }
    defer { cluster.destroy() }
    for t in topics {
        if let err = cluster.createTopic(t.name, partitions: t.partitions) {
            Diagnostics.error("cannot create topic \(t.name): \(err)")
            throw ExitStatus.unavailable.exitCode
        }
    }
    let bootstrap = cluster.bootstrapServers
    if let envFile {
        let fd: Int32
        do { fd = try SystemCalls.open(envFile, .truncate) } catch {
            Diagnostics.error("cannot write \(envFile): \(SystemCalls.errorText(error.code))")
            throw ExitStatus.ioError.exitCode
        }
        let text = Array("KAFKA_BROKERS=\(bootstrap)\n".utf8)
        _ = text.withUnsafeBytes { SystemCalls.writeAll(fd, $0) }
        SystemCalls.close(fd)
    }
    let out = OutputWriter()
    out.append(Array((bootstrap + "\n").utf8))
    try? out.flush()
    Diagnostics.verbose("\(brokers) brokers at \(bootstrap)")
    runMockControlLoop(cluster: cluster)
    Diagnostics.verbose("stopping")
}

