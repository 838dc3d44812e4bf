import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KafkaBinding
import KafkaCore

/// The options every tool shares: where the cluster is, how to configure librdkafka, how much to say.
package struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.short, .customLong("brokers")],
        help: ArgumentHelp(
            "Bootstrap brokers, host:port[,host:port...].",
            discussion: "Default: -X bootstrap.servers, else $KAFKA_BROKERS, else bootstrap.servers from the -F or default config file, else localhost:9092.",
            valueName: "list"))
    var brokers: String?

    @Option(
        name: [.customShort("X"), .customLong("property")],
        help: ArgumentHelp(
            "Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.", valueName: "key=value"))
    var properties: [String] = []

    @Option(
        name: [.customShort("F"), .customLong("config")],
        help: ArgumentHelp(
            "Read librdkafka properties from a file of key=value lines (# comments).",
            discussion: "Without -F: $KAFKA_FILTERS_CONFIG, else ~/.config/kafka-filters.conf when it exists. -X overrides the file.",
            valueName: "file"),
        completion: .file())
    var configFile: String?

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp("Give up when no broker has answered after this many seconds (exit 69).", valueName: "seconds"))
    var connectTimeout: Double = 10

    @Flag(name: .shortAndLong, help: "Say more: librdkafka's log lines, per-line notes, a summary. Repeat for debug.")
    var verbose: Int

    @Flag(name: .shortAndLong, help: "Say nothing but errors.")
    var quiet = false

    package init() {}

    /// The options as plain values (what `resolve` reads).
    package var arguments: ConnectionArguments {
        ConnectionArguments(
            brokers: brokers, properties: properties, configFile: configFile, connectTimeout: connectTimeout,
            verbose: verbose, quiet: quiet)
    }

    package func validate() throws {
        if let problem = arguments.problem() { throw ValidationError(problem) }
    }

    /// `ConnectionArguments.resolve` of these options.
    package func resolve(tool: String, environment: [String: String] = ProcessEnvironment.all) throws(ToolFailure)
        -> ClientSettings
    {
        try arguments.resolve(tool: tool, environment: environment)
    }
}

/// The connection options as plain values: parsed by `ConnectionOptions` (ArgumentParser), or by
/// `QuickCommandLine` on kput's start (the same values, without the parser's start-up cost).
package struct ConnectionArguments: Equatable, Sendable {
    var brokers: String?
    var properties: [String] = []
    var configFile: String?
    var connectTimeout: Double = 10
    var verbose = 0
    var quiet = false

    /// A usage error among the options (exit 64), nil when they are fine.
    func problem() -> String? {
        for p in properties where !p.contains("=") || p.hasPrefix("=") {
            return "-X expects key=value, got \"\(p.split(separator: "=").first.map(String.init) ?? p)\""
        }
        guard connectTimeout > 0, connectTimeout < 86_400 else {
            return "--connect-timeout must be between 0 and 86400 seconds"
        }
        if quiet && verbose > 0 { return "-q and -v cannot be used together" }
        return nil
    }

    var diagnosticsLevel: Diagnostics.Level {
        if quiet { return .quiet }
        switch verbose {
        case 0: return .normal
        case 1: return .verbose
        default: return .debug
        }
    }

    /// Sets up diagnostics for `tool`, reads `-F` (or the default config file), applies `-X`, picks the
    /// brokers, registers secrets, and checks every property.
    ///
    /// Precedence, later wins: the default config file (only when there is no `-F`), then `-F`, then `-X`.
    /// The brokers: `-b`, else `-X bootstrap.servers`, else `$KAFKA_BROKERS`, else `bootstrap.servers` from
    /// the file, else localhost:9092 (`metadata.broker.list` counts as `bootstrap.servers`).
    package func resolve(tool: String, environment: [String: String] = ProcessEnvironment.all) throws(ToolFailure)
        -> ClientSettings
    {
        Diagnostics.configure(tool: tool, level: diagnosticsLevel)
        var fromFile: [(String, String)] = []
        if let configFile {
            Diagnostics.verbose("config file: \(configFile) (-F)")
            fromFile = try ConfigFile.read(path: configFile)
        } else if let file = DefaultConfigFile.locate(environment: environment) {
            Diagnostics.verbose("config file: \(file.path) (\(file.source); -F replaces it)")
            fromFile = try ConfigFile.read(path: file.path)
        } else {
            Diagnostics.verbose("config file: none (no -F, $KAFKA_FILTERS_CONFIG or ~/.config/kafka-filters.conf)")
        }
        let fromX: [(String, String)] = properties.map { p in
            let parts = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]).trimmed, parts.count > 1 ? String(parts[1]) : "")
        }
        let environmentBrokers = environment["KAFKA_BROKERS"].flatMap { $0.isEmpty ? nil : $0 }
        let (brokerList, brokerSource): (String, String) =
            if let brokers { (brokers, "-b") }
            else if let b = Self.brokers(in: fromX) { (b, "-X bootstrap.servers") }
            else if let environmentBrokers { (environmentBrokers, "$KAFKA_BROKERS") }
            else if let b = Self.brokers(in: fromFile) { (b, "the config file") }
            else { ("localhost:9092", "the default") }
        Diagnostics.verbose("brokers: \(brokerList) (from \(brokerSource))")
        var settings = ClientSettings(brokers: brokerList, connectTimeoutMs: Int32(connectTimeout * 1000))
        for (key, value) in fromFile + fromX where !Self.brokerKeys.contains(key) { settings.set(key, value) }
        for (key, value) in settings.properties where ClientSettings.isSecret(key) {
            Diagnostics.addSecret(value)
        }
        (settings.registry, settings.properties) = try RegistrySettings.split(settings.properties)
        for secret in RegistrySettings.secrets(of: settings.registry) { Diagnostics.addSecret(secret) }
        if settings.value(of: "debug") != nil, diagnosticsLevel < .verbose {
            // librdkafka's debug output is only useful if its log lines are shown.
            Diagnostics.configure(tool: tool, level: .verbose)
        }
        // librdkafka backs off up to 10 s between reconnects; a tool someone is waiting on should notice a
        // restarted broker within a second. -X reconnect.backoff.max.ms overrides it.
        settings.addDefaults([("reconnect.backoff.max.ms", "1000")])
        // With sparse connections (the default) librdkafka connects to a randomly chosen broker at most once
        // per max(11, reconnect.backoff.ms / 2) ms: 50 ms by default. From 2.10 the first Metadata answer
        // closes the bootstrap connections, so every tool's first learned broker waited for that (kpull
        // --no-group -n 1 twice, before its metadata and before its ListOffsets); 20 ms makes it 11 ms. The
        // first retry after a failed connection is then 20 ms, doubling up to reconnect.backoff.max.ms: two
        // more attempts in the first second at a broker that is down. Never above the max the user set.
        let backoffMax = settings.value(of: "reconnect.backoff.max.ms").flatMap { Int($0) } ?? 1000
        settings.addDefaults([("reconnect.backoff.ms", String(max(0, min(20, backoffMax))))])
        do { try settings.check() } catch { throw ToolFailure(error) }
        return settings
    }

    /// librdkafka's two names for the bootstrap list.
    static let brokerKeys: Set<String> = ["bootstrap.servers", "metadata.broker.list"]

    static func brokers(in properties: [(String, String)]) -> String? {
        properties.last { brokerKeys.contains($0.0) && !$0.1.isEmpty }?.1
    }
}

/// The client config file read when no `-F` is given: `$KAFKA_FILTERS_CONFIG` when set (empty: none),
/// else `$XDG_CONFIG_HOME/kafka-filters.conf` (`~/.config/kafka-filters.conf`) when it exists. Same
/// syntax as `-F`, shared by every tool (as kcat reads `$KCAT_CONFIG` or `~/.config/kcat.conf`).
enum DefaultConfigFile {
    static let variable = "KAFKA_FILTERS_CONFIG"
    static let name = "kafka-filters.conf"

    /// The file to read and why, or nil. A file named by the variable must exist (reading it fails
    /// otherwise); the one under the home directory is optional.
    static func locate(environment: [String: String]) -> (path: String, source: String)? {
        if let path = environment[variable] {
            return path.isEmpty ? nil : (path, "$\(variable)")
        }
        let base: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else if let home = environment["HOME"], !home.isEmpty {
            base = home + "/.config"
        } else {
            return nil
        }
        let path = base + "/" + name
        return access(path, F_OK) == 0 ? (path, "default") : nil
    }
}

/// `-F` files: `key=value` per line, `#` comments, blank lines ignored.
enum ConfigFile {
    static func read(path: String) throws(ToolFailure) -> [(String, String)] {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path: path, limit: 1 << 20)
        } catch {
            throw ToolFailure(.configError, "cannot read config file \(path): \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ToolFailure(.configError, "\(path): not UTF-8 text")
        }
        var result: [(String, String)] = []
        var holdsSecret = false
        // "\r\n" is one Character in Swift: split on it too, or a CRLF file reads as a single line.
        for (n, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = String(rawLine).trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw ToolFailure(.configError, "\(path):\(n + 1): expected key=value")
            }
            let key = String(line[..<eq]).trimmed
            let value = String(line[line.index(after: eq)...]).trimmed
            if ClientSettings.isSecret(key) { holdsSecret = true }
            result.append((key, value))
        }
        if holdsSecret, FileBytes.isReadableByOthers(path: path) {
            Diagnostics.warning("\(path) holds a password or key and is readable by other users (chmod 600 it)")
        }
        return result
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}

/// The process environment without Foundation.
enum ProcessEnvironment {
    static var all: [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                result[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return result
    }
}
