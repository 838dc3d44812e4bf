import KafkaBinding
import KafkaCore

/// kmock's body: start the cluster, print the bootstrap list, serve fault commands until a signal.
/// Runs under `runTool`, which turns a failure into its line and exit code.
package func runMock(brokers: Int, topics: [MockTopicSpec], envFile: String?) throws(ToolFailure) -> ExitStatus {
    let cluster: MockCluster
    do { cluster = try MockCluster(brokers: brokers) } catch { throw ToolFailure(error) }
    defer { cluster.destroy() }
    for t in topics {
        if let err = cluster.createTopic(t.name, partitions: t.partitions) {
            throw ToolFailure(.unavailable, "cannot create topic \(t.name): \(err)")
        }
    }
    let bootstrap = cluster.bootstrapServers
    if let envFile {
        let fd: Int32
        do { fd = try SystemCalls.open(envFile, .truncate) } catch {
            throw ToolFailure(.ioError, "cannot write \(envFile): \(SystemCalls.errorText(error.code))")
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
    return .ok
}

