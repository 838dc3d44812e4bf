import KafkaBinding

/// The version every tool prints for --version: ours, and the librdkafka it runs on.
package enum KafkaFiltersInfo {
    package static let version = "0.1.0 (librdkafka \(Librdkafka.versionString))"
}
