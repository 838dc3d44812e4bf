import ArgumentParser
import KafkaCore

/// kput's command line read without ArgumentParser, for the command lines scripts and cron jobs type
/// (`kput -b B -t T -k id -X k=v file`): ArgumentParser's parse builds its view of the options by
/// reflection at every start (Mirror over the option groups, generic metadata, protocol-conformance scans
/// of the whole statically linked runtime, a second parse of its own for `--generate-completion-script`),
/// 16M of the 26M instructions of a one-line run, ~6 ms here; kcat's getopt takes 0.3 ms.
///
/// It reads only what it is sure to read as ArgumentParser does, and gives up (nil) on anything else, so
/// that ArgumentParser then parses the whole command line as before, errors, usage and help included:
/// - each option as its own word, its value the next word (`-t T`, `--topic T`; not `--topic=T`, `-tT`,
///   or grouped flags such as `-vv`); a value starting with `-` is left to ArgumentParser;
/// - an option that takes one value, or a flag other than `-v`, given twice;
/// - any word starting with `-` that is not one of kput's options below (`--help`, `--version`, `--`,
///   `-` ...), a value ArgumentParser would refuse (`-p x`), no `-t`;
/// - options that fail validation (ConnectionArguments.problem, ProduceArguments.problem).
/// Any other word is an input file, in order. Values are converted with ArgumentParser's own
/// `init?(argument:)`. QuickCommandLineTests compares it with ArgumentParser over many command lines,
/// and checks that every option of kput is known here: a new option must be added to both.
package enum QuickCommandLine {
    /// kput's options that take a value, by every name they have, with their canonical (long) name.
    static let kputValueOptions: [String: String] = [
        "-b": "--brokers", "--brokers": "--brokers",
        "-X": "--property", "--property": "--property",
        "-F": "--config", "--config": "--config",
        "--connect-timeout": "--connect-timeout",
        "--registry": "--registry", "--avro-json": "--avro-json",
        "-t": "--topic", "--topic": "--topic",
        "-p": "--partition", "--partition": "--partition",
        "-k": "--key-field", "--key-field": "--key-field",
        "--key": "--key",
        "-H": "--header", "--header": "--header",
        "--timestamp-field": "--timestamp-field",
        "--missing-key": "--missing-key", "--missing-timestamp": "--missing-timestamp",
        "--partitioner": "--partitioner", "--rate": "--rate",
        "-z": "--compression", "--compression": "--compression",
        "--rejects": "--rejects", "--acks": "--acks", "--timeout": "--timeout",
        "--max-line-bytes": "--max-line-bytes",
        "--value-schema": "--value-schema", "--key-schema": "--key-schema",
    ]

    /// kput's flags, by every name they have, with their canonical name.
    static let kputFlags: [String: String] = [
        "-v": "--verbose", "--verbose": "--verbose",
        "-q": "--quiet", "--quiet": "--quiet",
        "--text": "--text", "--envelope": "--envelope", "--keep-partition": "--keep-partition",
        "--report": "--report",
    ]

    /// kput's command line (the words after the program name), or nil: ArgumentParser's to read.
    package static func kput<Words: Collection<String>>(_ words: Words) -> KPutCommandLine? {
        var connection = ConnectionArguments()
        var registry = RegistryArguments()
        var produce = ProduceArguments(topic: "")
        var topic: String?
        var compression: String?
        var seen: Set<String> = []
        var index = words.startIndex
        while index != words.endIndex {
            let word = words[index]
            words.formIndex(after: &index)
            guard word.hasPrefix("-") else {
                produce.files.append(word)
                continue
            }
            if let flag = kputFlags[word] {
                if flag == "--verbose" {
                    connection.verbose += 1
                    continue
                }
                guard seen.insert(flag).inserted else { return nil }
                switch flag {
                case "--quiet": connection.quiet = true
                case "--text": produce.text = true
                case "--envelope": produce.envelope = true
                case "--keep-partition": produce.keepPartition = true
                case "--report": produce.report = true
                default: return nil
                }
                continue
            }
            guard let option = kputValueOptions[word], index != words.endIndex else { return nil }
            let value = words[index]
            words.formIndex(after: &index)
            guard !value.hasPrefix("-") else { return nil }
            if option == "--property" {
                connection.properties.append(value)
                continue
            }
            if option == "--header" {
                produce.headers.append(value)
                continue
            }
            guard seen.insert(option).inserted else { return nil }
            switch option {
            case "--brokers": connection.brokers = value
            case "--config": connection.configFile = value
            case "--connect-timeout":
                guard let seconds = Double(argument: value) else { return nil }
                connection.connectTimeout = seconds
            case "--registry": registry.registry = value
            case "--avro-json":
                guard let form = AvroJSONFormArgument(argument: value) else { return nil }
                registry.avroJSON = form
            case "--topic": topic = value
            case "--partition":
                guard let partition = Int32(argument: value) else { return nil }
                produce.partition = partition
            case "--key-field": produce.keyField = value
            case "--key": produce.key = value
            case "--timestamp-field": produce.timestampField = value
            case "--missing-key": produce.missingKey = value
            case "--missing-timestamp": produce.missingTimestamp = value
            case "--partitioner": produce.partitioner = value
            case "--rate":
                guard let rate = Double(argument: value) else { return nil }
                produce.rate = rate
            case "--compression": compression = value
            case "--rejects": produce.rejects = value
            case "--acks": produce.acks = value
            case "--timeout":
                guard let seconds = Double(argument: value) else { return nil }
                produce.timeoutSeconds = seconds
            case "--max-line-bytes":
                guard let bytes = Int(argument: value) else { return nil }
                produce.maxLineBytes = bytes
            case "--value-schema": produce.valueSchema = value
            case "--key-schema": produce.keySchema = value
            default: return nil
            }
        }
        guard let topic else { return nil }
        produce.topic = topic
        guard connection.problem() == nil, produce.problem() == nil else { return nil }
        return KPutCommandLine(connection: connection, registry: registry, produce: produce, compression: compression)
    }
}
