import Foundation
import XCTest

/// The committed completions and man pages against the built tools.
///
/// Completions are compared byte for byte with what each binary generates now. Man pages need the
/// SwiftPM generate-manual plugin, which cannot run inside `swift test` (SwiftPM holds the build
/// directory's lock), so their exact drift check is `Scripts/docs.sh check`, run by `make test` after
/// the suite; here they are checked against each binary's --experimental-dump-help, which is what the
/// plugin reads: every option and every reference section is there.
final class DocsTests: XCTestCase {
    static let tools = ["kput", "kpull", "kstream", "kmock", "kmeta"]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testCompletionScriptsAreWhatTheToolsGenerate() throws {
        for tool in Self.tools {
            for (shell, file) in [("bash", "\(tool).bash"), ("zsh", "_\(tool)"), ("fish", "\(tool).fish")] {
                let generated = try execute(tool, ["--generate-completion-script", shell])
                XCTAssertEqual(generated.status, 0, generated.stderr)
                let committed = try Data(contentsOf: Self.root.appendingPathComponent("completions/\(file)"))
                XCTAssertTrue(
                    generated.stdout == committed,
                    "completions/\(file) differs from `\(tool) --generate-completion-script \(shell)`: run `make completions` and commit it")
            }
        }
    }

    func testManPagesListEveryOptionAndSection() throws {
        for tool in Self.tools {
            let page = try String(contentsOf: Self.root.appendingPathComponent("man/\(tool).1"), encoding: .utf8)
            let lines = page.split(separator: "\n").map(String.init)
            let stale = "man/\(tool).1 is stale: run `make man` and commit it"
            let dump = try execute(tool, ["--experimental-dump-help"])
            XCTAssertEqual(dump.status, 0, dump.stderr)
            let command = try XCTUnwrap(
                (try JSONSerialization.jsonObject(with: dump.stdout) as? [String: Any])?["command"] as? [String: Any])

            XCTAssertTrue(lines.contains(".Dd November 25, 2026"), "the page date is fixed (MANDATE in the Makefile)")
            let abstract = try XCTUnwrap(command["abstract"] as? String)
            XCTAssertTrue(lines.contains(".Nd \"\(abstract)\""), stale)

            // ".It Fl b , -brokers Ar list", ".It Fl -text": the option's words.
            let items = lines.filter { $0.hasPrefix(".It ") }.map { $0.split(separator: " ").map(String.init) }
            // kmeta's subcommands (and their options) are on its one page too.
            let subcommands = (command["subcommands"] as? [[String: Any]] ?? []).filter { $0["commandName"] as? String != "help" }
            for sub in subcommands {
                let name = try XCTUnwrap(sub["commandName"] as? String)
                XCTAssertTrue(lines.contains(".It Em \(name)"), "subcommand \(name) missing; \(stale)")
            }
            let arguments = ([command] + subcommands).flatMap { $0["arguments"] as? [[String: Any]] ?? [] }
            for argument in arguments where argument["shouldDisplay"] as? Bool == true {
                let names = (argument["names"] as? [[String: String]] ?? []).filter { $0["kind"] == "long" }.compactMap { $0["name"] }
                for name in names {
                    XCTAssertTrue(items.contains { $0.contains("-\(name)") }, "--\(name) missing; \(stale)")
                }
            }

            var sections = ["DESCRIPTION", "OPTIONS"]
            let discussion = command["discussion"] as? String ?? ""
            for line in discussion.split(separator: "\n") where line.hasSuffix(":") && line == line.uppercased() && line.first != " " {
                sections.append(String(line.dropLast()))
            }
            XCTAssertTrue(sections.contains("EXIT STATUS"), "\(tool) --help lost its reference sections: keep `+ ManualText.\(tool)` after its discussion")
            let pageSections = lines.filter { $0.hasPrefix(".Sh ") }.map { $0.dropFirst(4).replacingOccurrences(of: "\"", with: "") }
            XCTAssertEqual(Array(pageSections.dropFirst(2)), sections, stale)
            XCTAssertFalse(page.contains(".Ex -std"), "the generic exit status must be replaced; \(stale)")
        }
    }

    /// The README's guarantees table names the tests that prove each row: they must exist.
    func testReadmeNamesOnlyTestsThatExist() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let tests = Self.root.appendingPathComponent("Tests")
        var sources: [String: String] = [:]
        for case let url as URL in FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)!
        where url.pathExtension == "swift" {
            sources[url.deletingPathExtension().lastPathComponent] = try String(contentsOf: url, encoding: .utf8)
        }
        var named = 0
        for piece in readme.components(separatedBy: "`") where piece.range(of: #"^[A-Z]\w+Tests\.test\w+$"#, options: .regularExpression) != nil {
            let parts = piece.split(separator: ".")
            let (type, test) = (String(parts[0]), String(parts[1]))
            let found = sources.values.contains { $0.contains("class \(type)") && $0.contains("func \(test)(") }
            XCTAssertTrue(found, "README.md names \(piece), which is not a test in Tests/")
            named += 1
        }
        XCTAssertGreaterThan(named, 5)
    }
}
