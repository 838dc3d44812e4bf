/// Reading a registry's answers with the project's JSON grammar (JSONCursor): a schema answer
/// (`{"schema", "schemaType"?, "references"?, "id"?, "subject"?, "version"?}`), a register answer
/// (`{"id"}`), and an error answer (`{"error_code", "message"}`). Unknown members are ignored.
package enum RegistryAnswer {
    /// What a malformed answer is: the call's `what` and this make the message.
    package struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        package var reason: String
        package init(_ reason: String) { self.reason = reason }
        package var description: String { "malformed answer: \(reason)" }
    }

    /// The members of an answer object that matter; the rest are skipped.
    package struct Fields: Sendable, Equatable {
        package var schema: String?
        package var schemaType: String?
        package var references: [SchemaReference] = []
        package var id: Int32?
        package var subject: String?
        package var version: Int32?
        package var errorCode: Int?
        package var message: String?
    }

    /// The top-level members of an answer.
    package static func fields(_ body: [UInt8]) throws(Malformed) -> Fields {
        // withUnsafeBytes rethrows untyped errors: the typed one comes out as a Result.
        let result: Result<Fields, Malformed> = body.withUnsafeBytes { bytes in
            do throws(Malformed) { return .success(try fields(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private static func fields(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> Fields {
        var fields = Fields()
        do {
            try forEachMember(bytes, container: "the answer") { (name, value, kind) throws(Malformed) in
                if JSONScanner.nameEquals(bytes, name, "schema") {
                    fields.schema = try string(bytes, value, kind, "schema")
                } else if JSONScanner.nameEquals(bytes, name, "schemaType") {
                    fields.schemaType = kind == .null ? nil : try string(bytes, value, kind, "schemaType")
                } else if JSONScanner.nameEquals(bytes, name, "references") {
                    if kind != .null { fields.references = try references(UnsafeRawBufferPointer(rebasing: bytes[value]), kind) }
                } else if JSONScanner.nameEquals(bytes, name, "id") {
                    fields.id = try int32(bytes, value, kind, "id")
                } else if JSONScanner.nameEquals(bytes, name, "subject") {
                    fields.subject = try string(bytes, value, kind, "subject")
                } else if JSONScanner.nameEquals(bytes, name, "version") {
                    fields.version = try int32(bytes, value, kind, "version")
                } else if JSONScanner.nameEquals(bytes, name, "error_code") {
                    fields.errorCode = Int(try int32(bytes, value, kind, "error_code"))
                } else if JSONScanner.nameEquals(bytes, name, "message") {
                    fields.message = kind == .string ? try string(bytes, value, kind, "message") : nil
                }
            }
        }
        return fields
    }

    /// The schema an answer carries; `id` is the one asked for when the answer does not say it
    /// (`GET /schemas/ids/{id}` answers without it).
    package static func schema(_ body: [UInt8], id asked: Int32? = nil) throws(Malformed) -> RegisteredSchema {
        let f = try fields(body)
        guard let text = f.schema else { throw Malformed("no member \"schema\"") }
        guard let id = f.id ?? asked else { throw Malformed("no member \"id\"") }
        let type: RegistrySchema.SchemaType
        if let name = f.schemaType {
            guard let known = RegistrySchema.SchemaType(rawValue: name) else {
                throw Malformed("unknown schemaType \"\(name)\" (AVRO, JSON or PROTOBUF)")
            }
            type = known
        } else {
            type = .avro
        }
        return RegisteredSchema(id: id, subject: f.subject, version: f.version,
                                schema: RegistrySchema(type: type, text: text, references: f.references))
    }

    /// The id of a register answer, `{"id": N}`.
    package static func registeredID(_ body: [UInt8]) throws(Malformed) -> Int32 {
        guard let id = try fields(body).id else { throw Malformed("no member \"id\"") }
        return id
    }

    /// The facts of an answer that is not 2xx, for ErrorMap: 401/403 refused credentials, 404 with
    /// 40403 an unknown schema, 40401/40402 an unknown subject or version, 409/422 a schema the registry
    /// will not take, 408/429/5xx a registry that may answer later. The text is "HTTP 404: message
    /// (error_code 40403)", or the status alone when the body is not the registry's JSON.
    package static func failure(status: Int, body: [UInt8]) -> ErrorFacts {
        let f = try? fields(body)
        var text = "HTTP \(status)"
        if let message = f?.message, !message.isEmpty { text += ": " + excerpt(message) }
        if let code = f?.errorCode { text += " (error_code \(code))" }
        let code = f?.errorCode
        switch status {
        case 401, 403:
            return ErrorFacts(.authorization, text: text, name: "HTTP \(status)")
        case 404 where code == 40403:
            return ErrorFacts(.unknownSchema, text: text, name: "schema not found")
        case 404 where code == 40401 || code == 40402:
            return ErrorFacts(.unknownSubject, text: text, name: code == 40401 ? "subject not found" : "version not found")
        case 404:
            return ErrorFacts(.configuration, text: text + " (is the URL a schema registry's?)", name: "HTTP 404")
        case 300...399:
            return ErrorFacts(.configuration, text: text + " (a redirect, not followed: give the registry's own URL)", name: "HTTP \(status)")
        case 409, 422:
            return ErrorFacts(.configuration, text: text, name: "HTTP \(status)")
        case 408, 429, 500...599:
            return ErrorFacts(.other, isRetriable: true, text: text, name: "HTTP \(status)")
        default:
            return ErrorFacts(.other, text: text, name: "HTTP \(status)")
        }
    }

    // MARK: - Helpers

    private static func forEachMember(
        _ bytes: UnsafeRawBufferPointer, container: String,
        _ body: (Range<Int>, Range<Int>, JSONKind) throws(Malformed) -> Void
    ) throws(Malformed) {
        try forEachEntry(bytes, of: .object, notIt: "\(container) is not a JSON object") { (entry) throws(Malformed) in
            try body(entry.name, entry.value, entry.kind)
        }
    }

    /// Each member (an object) or element (an array) of the JSON container `bytes`, in order.
    private static func forEachEntry(
        _ bytes: UnsafeRawBufferPointer, of kind: JSONKind, notIt: @autoclosure () -> String,
        _ body: (JSONEntry) throws(Malformed) -> Void
    ) throws(Malformed) {
        var cursor: JSONCursor
        do throws(JSONScanError) {
            cursor = try JSONCursor(bytes, reportEntries: true)
        } catch {
            throw Malformed(error.description)
        }
        guard cursor.topKind == kind else { throw Malformed(notIt()) }
        while true {
            let entry: JSONEntry?
            do throws(JSONScanError) {
                entry = try cursor.next()
            } catch {
                throw Malformed(error.description)
            }
            guard let entry else { return }
            try body(entry)
        }
    }

    private static func references(_ array: UnsafeRawBufferPointer, _ kind: JSONKind) throws(Malformed) -> [SchemaReference] {
        guard kind == .array else { throw Malformed("member \"references\" must be an array") }
        var result: [SchemaReference] = []
        try forEachEntry(array, of: .array, notIt: "member \"references\" must be an array") { (entry) throws(Malformed) in
            let index = result.count
            guard entry.kind == .object else { throw Malformed("reference \(index) must be an object") }
            let object = UnsafeRawBufferPointer(rebasing: array[entry.value])
            var name: String?, subject: String?, version: Int32?
            try forEachMember(object, container: "reference \(index)") { (n, v, k) throws(Malformed) in
                if JSONScanner.nameEquals(object, n, "name") { name = try string(object, v, k, "name") }
                else if JSONScanner.nameEquals(object, n, "subject") { subject = try string(object, v, k, "subject") }
                else if JSONScanner.nameEquals(object, n, "version") { version = try int32(object, v, k, "version") }
            }
            guard let name, let subject, let version else {
                throw Malformed("reference \(index) needs name, subject and version")
            }
            result.append(SchemaReference(name: name, subject: subject, version: version))
        }
        return result
    }

    private static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ kind: JSONKind, _ member: String)
        throws(Malformed) -> String
    {
        guard kind == .string else { throw Malformed("member \"\(member)\" must be a string") }
        return String(decoding: JSONScanner.decodeStringToken(bytes, range), as: UTF8.self)
    }

    /// A JSON integer (no fraction, no exponent) that fits in 32 bits.
    private static func int32(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ kind: JSONKind, _ member: String)
        throws(Malformed) -> Int32
    {
        let notInteger = Malformed("member \"\(member)\" must be a 32-bit integer")
        guard kind == .number else { throw notInteger }
        let token = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard token.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) }), let n = Int32(token) else {
            throw notInteger
        }
        return n
    }

    /// A registry's message, cut to a line's worth and to one line.
    private static func excerpt(_ s: String) -> String {
        let line = String(s.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        return line.count > 200 ? String(line.prefix(200)) + "..." : line
    }
}

/// A registry call that failed: the facts (from the transport or the answer) and what the call was.
/// The call site turns it into the tool's failure (`failure(retried:)`), or, for an unknown schema id
/// met in the data, into a bad message with its position.
package struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    package var facts: ErrorFacts
    package var call: String
    package var url: String
    package var timeoutMs: Int32

    package init(_ facts: ErrorFacts, call: String, url: String, timeoutMs: Int32) {
        self.facts = facts
        self.call = call
        self.url = url
        self.timeoutMs = timeoutMs
    }

    /// The failure that ends a tool; `retried` when the tool would try again (75 instead of 69 for an
    /// unreachable registry).
    package func failure(retried: Bool = false) -> ToolFailure {
        ErrorMap.failure(facts, .registry(url: url, call: call, timeoutMs: timeoutMs, retried: retried))
    }

    package var description: String { failure().message }
}
