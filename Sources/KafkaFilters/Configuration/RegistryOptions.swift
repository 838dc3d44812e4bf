import ArgumentParser
import KafkaCore
import KafkaRegistry

/// The schema registry's options on kpull, kstream and kput (issue 22): where it is and which JSON form
/// Avro takes. Credentials and a CA file come from the client config file (`-F`, the default one, or
/// `-X`) under Confluent's keys (RegistrySettings); `--registry` overrides `schema.registry.url`.
package struct RegistryOptions: ParsableArguments {
    @Option(
        name: .customLong("registry"),
        help: ArgumentHelp(
            "Schema registry URL, http[s]://host[:port][/path].",
            discussion: "Default: schema.registry.url from -F, the default config file or -X. Credentials: schema.registry.basic.auth.user.info (user:password) or schema.registry.bearer.auth.token; a CA file for HTTPS: schema.registry.ssl.ca.location.",
            valueName: "url"))
    var registry: String?

    @Option(
        name: .customLong("avro-json"),
        help: ArgumentHelp(
            "How Avro is written as JSON: natural (a union as its value) or avro (Avro's JSON encoding, a union as {\"type\": value}).",
            valueName: "form"))
    var avroJSON: AvroJSONFormArgument = .natural

    package init() {}

    /// The options as plain values.
    package var arguments: RegistryArguments { RegistryArguments(registry: registry, avroJSON: avroJSON) }

    /// The form Avro is read and written in.
    package var form: AvroJSONForm { avroJSON.form }

    /// The registry's settings, from `--registry` and the registry's keys in `client` (nil: no registry).
    package func settings(from client: ClientSettings) throws(ToolFailure) -> RegistrySettings? {
        try arguments.settings(from: client)
    }

    /// A client for the registry the options and `client` name, or nil when none is named. Makes no
    /// request yet: the first schema asked for is the first call.
    package func open(_ client: ClientSettings) throws(ToolFailure) -> SchemaRegistry? {
        try arguments.open(client)
    }
}

/// The registry options as plain values (from `RegistryOptions`, or `QuickCommandLine`).
package struct RegistryArguments: Equatable, Sendable {
    var registry: String?
    var avroJSON: AvroJSONFormArgument = .natural

    /// The form Avro is read and written in.
    package var form: AvroJSONForm { avroJSON.form }

    /// The registry's settings, from `--registry` and the registry's keys in `client` (nil: no registry).
    package func settings(from client: ClientSettings) throws(ToolFailure) -> RegistrySettings? {
        try RegistrySettings.from(client.registry, url: registry)
    }

    /// A client for the registry the options and `client` name, or nil when none is named. Makes no
    /// request yet: the first schema asked for is the first call.
    package func open(_ client: ClientSettings) throws(ToolFailure) -> SchemaRegistry? {
        guard let settings = try settings(from: client) else { return nil }
        return try SchemaRegistry(settings, connectTimeoutMs: client.connectTimeoutMs)
    }
}

/// `--avro-json natural|avro`.
package enum AvroJSONFormArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case natural
    case avro

    package var form: AvroJSONForm {
        switch self {
        case .natural: return .natural
        case .avro: return .avro
        }
    }
}
