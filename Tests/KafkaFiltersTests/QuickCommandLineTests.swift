import ArgumentParser
import Foundation
import XCTest

@testable import KafkaCore
@testable import KafkaFilters

/// kput's options as the executable declares them (its type cannot be imported here).
private struct KPutOptions: ParsableArguments {
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Schema registry") var registry: RegistryOptions
    @OptionGroup var options: ProduceOptions

    var commandLine: KPutCommandLine {
        KPutCommandLine(
            connection: connection.arguments, registry: registry.arguments, produce: options.arguments,
            compression: options.compression)
    }
}

/// QuickCommandLine (kput's start without ArgumentParser) reads what it accepts exactly as ArgumentParser
/// does, and leaves everything else to it.
final class QuickCommandLineTests: XCTestCase {
    /// ArgumentParser's reading, or nil when it refuses the command line.
    private func parsed(_ words: [String]) -> KPutCommandLine? {
        (try? KPutOptions.parse(words))?.commandLine
    }

    private func assertSame(_ words: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let quick = QuickCommandLine.kput(words) else {
            XCTFail("QuickCommandLine left \(words) to ArgumentParser", file: file, line: line)
            return
        }
        XCTAssertEqual(quick, parsed(words), "\(words)", file: file, line: line)
    }

    func testCommonCommandLinesAreReadAsArgumentParserReadsThem() {
        assertSame(["-t", "one"])
        assertSame(["-b", "127.0.0.1:9092", "-t", "one", "-X", "sticky.partitioning.linger.ms=0"])
        assertSame(["--brokers", "a:1", "--topic", "t", "-k", "id", "-X", "a=b", "-X", "c=d=e", "-v", "-v"])
        assertSame(["-t", "t", "in.jsonl", "-H", "x=1", "more.jsonl", "--header", "y=2", "-q"])
    }

    /// Three command lines that hold every option and flag of kput between them (ArgumentParser's parse
    /// is slow in a debug build: one line per option would take minutes on a loaded machine).
    func testEveryOptionIsReadAsArgumentParserReadsIt() {
        let all = [
            "-b", "h1:9092,h2:9092", "-X", "linger.ms=7", "-F", "/tmp/kf.conf", "--connect-timeout", "2.5", "-v",
            "--registry", "http://r:8081", "--avro-json", "avro", "-t", "events", "-p", "3", "-k", "user",
            "-H", "a=b", "--timestamp-field", "at", "--missing-key", "null", "--missing-timestamp", "now",
            "--partitioner", "murmur2", "--rate", "250", "-z", "zstd", "--rejects", "/tmp/rejects", "--timeout", "30",
            "--max-line-bytes", "4096", "--value-schema", "events-value", "--key-schema", "id:3", "in.jsonl",
        ]
        let envelope = ["--topic", "t", "--envelope", "--keep-partition", "--report", "--acks", "/tmp/a.sock", "--quiet"]
        let text = ["--property", "a=b", "--config", "c", "--brokers", "b:1", "--topic", "t", "--text", "--key", "k",
                    "--header", "h=1", "--partition", "0", "--key-field", "x", "--compression", "lz4", "--verbose"]
        assertSame(all)
        assertSame(envelope)
        // --key-field with --text is a usage error: both leave it to ArgumentParser, which refuses it.
        XCTAssertNil(QuickCommandLine.kput(text))
        XCTAssertNil(parsed(text))
        assertSame(text.filter { $0 != "--key-field" && $0 != "x" })
        let covered = Set((all + envelope + text).filter { $0.hasPrefix("-") })
        for name in QuickCommandLine.kputValueOptions.keys where !covered.contains(name) {
            XCTFail("\(name) is in no command line of this test")
        }
        for name in QuickCommandLine.kputFlags.keys where !covered.contains(name) && name != "-q" {  // -q: above
            XCTFail("\(name) is in no command line of this test")
        }
    }

    func testEverythingElseIsLeftToArgumentParser() {
        let refused: [[String]] = [
            [], ["--help"], ["-h"], ["--version"], ["--generate-completion-script", "bash"],
            ["-b", "a:1"],  // no topic
            ["--topic=t"], ["-tt"], ["-t", "t", "-vv"], ["-t", "t", "--"], ["-t", "t", "-"],
            ["-t", "a", "-t", "b"], ["-t", "t", "-p", "x"], ["-t", "t", "-p"], ["-t", "t", "-k", "-x"],
            ["-t", "t", "-X", "novalue"], ["-t", "t", "-q", "-v"], ["-t", "t", "--connect-timeout", "0"],
            ["-t", "t", "--text", "--text"], ["-t", "t", "--avro-json", "other"], ["-t", "bad name"],
            ["-t", "t", "--rate", "0"], ["-t", "t", "--keep-partition"], ["-t", "t", "--unknown", "x"],
            ["-t", "t", "-p", "-1"],
        ]
        for words in refused {
            XCTAssertNil(QuickCommandLine.kput(words), "\(words)")
        }
    }

    /// Every name in kput's help is one QuickCommandLine knows (but --help and --version, which it leaves
    /// to ArgumentParser): an option added to kput without it would silently lose the quick start.
    func testEveryOptionOfKPutIsKnown() {
        let help = KPutOptions.helpMessage(columns: 200)
        var names: Set<String> = []
        for line in help.split(separator: "\n") where line.hasPrefix("  -") {
            for word in line.split(separator: " ") {
                let name = word.trimmingCharacters(in: CharacterSet(charactersIn: ",<>"))
                if name.hasPrefix("-"), name.count > 1, name.dropFirst().allSatisfy({ $0.isLetter || $0 == "-" }) {
                    names.insert(name)
                }
            }
        }
        XCTAssertTrue(names.contains("--brokers") && names.contains("--max-line-bytes"), "\(names.sorted())")
        for name in names.subtracting(["-h", "--help", "--version"]) {
            XCTAssertTrue(
                QuickCommandLine.kputValueOptions[name] != nil || QuickCommandLine.kputFlags[name] != nil,
                "\(name) is kput's but QuickCommandLine does not know it")
        }
    }
}
