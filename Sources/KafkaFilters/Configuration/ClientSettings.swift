/// Everything needed to configure a librdkafka client, resolved from defaults, `-F`, `-X`, `-b` and
/// `KAFKA_BROKERS`, in that order of precedence (later wins).
public struct ClientSettings: Sendable {
    public var brokers: String
    /// Properties in the order they are applied; a later one overrides an earlier one.
    public var properties: [(key: String, value: String)]
    public var connectTimeoutMs: Int32

    public init(brokers: String, properties: [(key: String, value: String)] = [], connectTimeoutMs: Int32 = 10_000) {
        self.brokers = brokers
        self.properties = properties
        self.connectTimeoutMs = connectTimeoutMs
    }

    /// Keys whose values are secrets: never printed, masked in every diagnostic. Covers every property
    /// librdkafka itself marks sensitive and holds a secret (up to 2.16: sasl.password, ssl.key.password,
    /// ssl.keystore.password, ssl.key.pem, sasl.oauthbearer.client.secret,
    /// sasl.oauthbearer.client.credentials.client.secret, sasl.oauthbearer.config,
    /// sasl.oauthbearer.assertion.private.key.pem and, from 2.11, ...private.key.passphrase).
    public static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("password") || k.contains("passphrase") || k.contains("secret") || k.contains("key.pem")
            || k.contains("oauthbearer.config") || k.contains("jaas") || k.hasSuffix(".key")
    }

    /// Adds properties that apply unless the user set the same key.
    public mutating func addDefaults(_ defaults: [(String, String)]) {
        let userKeys = Set(properties.map(\.key))
        let missing = defaults.filter { !userKeys.contains($0.0) }.map { (key: $0.0, value: $0.1) }
        properties = missing + properties
    }

    public mutating func set(_ key: String, _ value: String) {
        properties.append((key: key, value: value))
    }

    /// The effective value of a property, if set.
    public func value(of key: String) -> String? {
        properties.last { $0.key == key }?.value
    }

    /// Builds librdkafka's conf; an unknown or invalid property is a configuration error (exit 78).
    func makeConfig() throws(ToolFailure) -> RDKafkaConfig {
        let config = RDKafkaConfig()
        do {
            try config.set("bootstrap.servers", brokers)
            for (key, value) in properties {
                try config.set(key, value)
            }
        } catch {
            throw ToolFailure(.configError, Diagnostics.redact(error.description))
        }
        return config
    }

    /// Checks every property against librdkafka without connecting.
    public func check() throws(ToolFailure) {
        _ = try makeConfig()
    }
}
