import Foundation
import XCTest

/// A consumed message and a delivery report point into librdkafka's memory, freed when the handler
/// returns; they are `~Copyable` and lent `borrowing`, so code that would keep one must not compile.
/// Each case here is compiled against the built module (swiftc -emit-sil: the move checker runs on SIL,
/// after type checking) and must fail with the diagnostic that says why; the control case, which only
/// borrows, must compile, so a broken setup cannot pass for a refusal.
final class BorrowedMessageTests: XCTestCase {
    /// The module that declares ConsumedMessage, DeliveryReport and the clients.
    static let module = "KafkaBinding"
    /// Their API is `package`: the case joins the package under the name SwiftPM gives it, the root
    /// directory's name as a C99 identifier (as in .build/debug.yaml's -package-name).
    static var packageName: String {
        let name = String(root.lastPathComponent.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        return name.first?.isNumber == true ? "_" + name : name
    }

    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The directory holding the built `.swiftmodule`s: beside the test bundle, else .build/debug.
    private static var modulesDirectory: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("Modules"),
            root.appendingPathComponent(".build/debug/Modules"),
        ]
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("\(module).swiftmodule").path)
        }
    }

    /// Compiles `source` to SIL against the built module: the exit status and the diagnostics.
    private func compile(_ source: String, file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        let modules = try XCTUnwrap(Self.modulesDirectory, "no built \(Self.module).swiftmodule (swift build --build-tests first)",
                                    file: file, line: line)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("borrowed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("case.swift")
        try ("import \(Self.module)\n" + source).write(to: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swiftc", "-emit-sil", "-o", "/dev/null", "-package-name", Self.packageName,
                             "-module-cache-path", dir.appendingPathComponent("cache").path,
                             "-I", modules.path, "-I", Self.root.appendingPathComponent("Sources/Crdkafka").path, path.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    private func assertRefused(_ source: String, with diagnostic: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, output) = try compile(source, file: file, line: line)
        XCTAssertNotEqual(status, 0, "compiled, but must not:\n\(source)", file: file, line: line)
        XCTAssertTrue(output.contains("error: \(diagnostic)"), "refused, but not with \"\(diagnostic)\":\n\(output)", file: file, line: line)
    }

    func testBorrowingAMessageAndItsBytesCompiles() throws {
        let (status, output) = try compile("""
            func use(_ consumer: KafkaConsumer, _ producer: KafkaProducer) -> Int {
                var n = 0
                consumer.poll(timeoutMs: 0) { event in
                    switch event {
                    case .message(let m):
                        n += m.withValue { $0?.count ?? 0 } + m.withKey { $0?.count ?? 0 } + Int(m.offset) + m.topic.utf8.count
                        m.forEachHeader { name, value in n += name.utf8.count + (value.map { Array($0) }?.count ?? 0) }
                    default: break
                    }
                }
                producer.poll(timeoutMs: 0) { event in
                    switch event {
                    case .delivery(let r): n += Int(r.id) + Int(r.offset) + r.withValue { $0?.count ?? 0 }
                    case .error(let e): n += e.message.utf8.count
                    }
                }
                return n
            }
            """)
        XCTAssertEqual(status, 0, output)
    }

    func testAMessageCannotBeCopiedOutOfTheHandler() throws {
        try assertRefused("""
            func use(_ consumer: KafkaConsumer) {
                consumer.poll(timeoutMs: 0) { event in
                    switch event {
                    case .message(let m):
                        let copy = m
                        _ = copy
                    default: break
                    }
                }
            }
            """, with: "'m' is borrowed and cannot be consumed")
    }

    func testAMessageCannotBeStored() throws {
        try assertRefused("""
            final class Keeper { var kept: ConsumedMessage? }
            func use(_ consumer: KafkaConsumer, _ keeper: Keeper) {
                consumer.poll(timeoutMs: 0) { event in
                    switch event {
                    case .message(let m): keeper.kept = m
                    default: break
                    }
                }
            }
            """, with: "implicit conversion to 'ConsumedMessage?' is consuming")
        try assertRefused("var kept: [ConsumedMessage] = []", with: "type 'ConsumedMessage' does not conform to protocol 'Copyable'")
    }

    func testAMessageCannotBeReturned() throws {
        try assertRefused("func keep(_ m: borrowing ConsumedMessage) -> ConsumedMessage { m }",
                          with: "'m' is borrowed and cannot be consumed")
    }

    func testAMessageCannotBeCapturedByAnEscapingClosure() throws {
        // (A `case .message(let m)` binding captured the same way crashes swiftc 6.3.1's move checker
        // instead of giving this diagnostic: it does not compile either.)
        try assertRefused("func later(_ m: borrowing ConsumedMessage) -> () -> Int64 { { m.offset } }",
                          with: "'m' cannot be captured by an escaping closure since it is a borrowed parameter")
    }

    func testAnEventCannotBeKept() throws {
        try assertRefused("""
            func use(_ consumer: KafkaConsumer) {
                var kept: [ConsumerEvent] = []
                consumer.poll(timeoutMs: 0) { event in kept.append(event) }
            }
            """, with: "type 'ConsumerEvent' does not conform to protocol 'Copyable'")
    }

    func testADeliveryReportCannotBeCopiedOutOfTheHandler() throws {
        try assertRefused("""
            func use(_ producer: KafkaProducer) {
                producer.poll(timeoutMs: 0) { event in
                    switch event {
                    case .delivery(let r):
                        let copy = r
                        _ = copy
                    default: break
                    }
                }
            }
            """, with: "'r' is borrowed and cannot be consumed")
        try assertRefused("var kept: [ProducerEvent] = []", with: "type 'ProducerEvent' does not conform to protocol 'Copyable'")
    }
}
