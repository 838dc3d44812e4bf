import Crdkafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// librdkafka built with Cyrus SASL (Debian's 2.0.2 is) calls `sasl_client_init` at its first
/// `rd_kafka_new` in a process, and that loads every plugin in the SASL plugin directory (libdb and
/// Kerberos among their dependencies): rd_kafka_new took 4-15 ms here, 1.3 ms without (kcat alike). Of
/// those plugins librdkafka uses only GSSAPI (`sasl.mechanisms=GSSAPI`, its default mechanism under
/// `security.protocol=sasl_*`); PLAIN, SCRAM and OAUTHBEARER are its own. So a client that will not use
/// GSSAPI points libsasl2's plugin path at a directory that does not exist, before the first client
/// is made: `sasl_client_init` then loads nothing and succeeds.
///
/// Decided once per process, by its first client (the plugins are loaded once per process); the tools
/// make all their clients from one configuration. On a librdkafka without Cyrus (the confluent-kafka
/// wheel's) libsasl2 is not loaded and nothing is done.
enum CyrusSASL {
    private typealias SetPath = @convention(c) (Int32, UnsafeMutablePointer<CChar>?) -> Int32
    /// `SASL_PATH_TYPE_PLUGIN` (sasl.h).
    private static let pluginPathType: Int32 = 0
    nonisolated(unsafe) private static var decided = false

    /// Call before each `rd_kafka_new`, with the client's final configuration.
    static func skipPluginsUnlessGSSAPI(_ conf: OpaquePointer) {
        guard !decided else { return }
        decided = true
        guard !usesGSSAPI(conf) else { return }
        // A nil handle is RTLD_DEFAULT: libsasl2 is there if librdkafka links it.
        guard let address = dlsym(nil, "sasl_set_path") else { return }
        let setPath = unsafeBitCast(address, to: SetPath.self)
        var path = Array("/nonexistent/kafka-filters/sasl2".utf8CString)
        // libsasl2 keeps the pointer: hand it a copy that lives as long as the process.
        let kept = UnsafeMutablePointer<CChar>.allocate(capacity: path.count)
        kept.initialize(from: &path, count: path.count)
        _ = setPath(pluginPathType, kept)
    }

    /// GSSAPI is in use when the protocol is SASL and the mechanism is GSSAPI (librdkafka's default).
    static func usesGSSAPI(_ conf: OpaquePointer) -> Bool {
        let proto = (value(conf, "security.protocol") ?? "plaintext").lowercased()
        guard proto.hasPrefix("sasl") else { return false }
        let mechanism = value(conf, "sasl.mechanisms") ?? "GSSAPI"
        return mechanism.uppercased() == "GSSAPI"
    }

    private static func value(_ conf: OpaquePointer, _ key: String) -> String? {
        var size = 0
        guard rd_kafka_conf_get(conf, key, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, key, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(cString: buffer)
    }
}
