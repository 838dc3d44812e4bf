/// Everything needed to configure a librdkafka client, resolved from defaults, `-F`, `-X`, `-b` and
/// `KAFKA_BROKERS`, in that order of precedence (later wins).
package struct ClientSettings: Sendable {
    package var brokers: String
    /// Properties in the order they are applied; a later one overrides an earlier one.
    package var properties: [(key: String, value: String)]
    package var connectTimeoutMs: Int32
    /// The schema registry's keys (`schema.registry.*`, RegistrySettings) from `-F` and `-X`: kept out of
    /// `properties`, since librdkafka refuses keys it does not know.
    package var registry: [String: String] = [:]

    package init(brokers: String, properties: [(key: String, value: String)] = [], connectTimeoutMs: Int32 = 10_000) {
        self.brokers = brokers
        self.properties = properties
        self.connectTimeoutMs = connectTimeoutMs
    }

    /// Keys whose values are secrets: never printed, masked in every diagnostic. Covers every property
    /// librdkafka itself marks sensitive and holds a secret (up to 2.16: sasl.password, ssl.key.password,
    /// ssl.keystore.password, ssl.key.pem, sasl.oauthbearer.client.secret,
    /// sasl.oauthbearer.client.credentials.client.secret, sasl.oauthbearer.config,
    /// sasl.oauthbearer.assertion.private.key.pem and, from 2.11, ...private.key.passphrase).
    package static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("password") || k.contains("passphrase") || k.contains("secret") || k.contains("key.pem")
            || k.contains("oauthbearer.config") || k.contains("jaas") || k.hasSuffix(".key")
            || k.hasSuffix("user.info") || k.hasSuffix("auth.token")  // schema.registry.basic.auth.user.info, ...bearer.auth.token
    }

    /// Adds properties that apply unless the user set the same key.
    package mutating func addDefaults(_ defaults: [(String, String)]) {
        let userKeys = Set(properties.map(\.key))
        let missing = defaults.filter { !userKeys.contains($0.0) }.map { (key: $0.0, value: $0.1) }
        properties = missing + properties
    }

    package mutating func set(_ key: String, _ value: String) {
        properties.append((key: key, value: value))
    }

    /// The effective value of a property, if set.
    package func value(of key: String) -> String? {
        properties.last { $0.key == key }?.value
    }
}
