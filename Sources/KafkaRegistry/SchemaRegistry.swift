import KafkaCore

/// A schema registry client for one run: the REST calls (KafkaCore/Registry) over libcurl (HTTPClient),
/// each answer cached (SchemaCache, 1,000 schemas and 1,000 subject versions, least recently used out),
/// so a schema is fetched once per run however many messages carry its id. Failures are `RegistryError`s:
/// the call site turns them into the tool's exit (ErrorMap: unreachable 69 or 75 when retried, refused
/// credentials 78, an unknown id 65). One owner, one call at a time (the HTTP handle is not shared).
package final class SchemaRegistry {
    package let settings: RegistrySettings
    private let http: HTTPClient
    private let timeoutMs: Int32
    private var cache: SchemaCache<RegisteredSchema>
    /// HTTP requests made so far: the cache's witness.
    package private(set) var requests = 0

    /// Deepest chain of references followed (a schema referring to one referring to ...).
    package static let maxReferenceDepth = 32

    package init(_ settings: RegistrySettings, connectTimeoutMs: Int32, cacheCapacity: Int = SchemaCache<RegisteredSchema>.defaultCapacity)
        throws(ToolFailure)
    {
        self.settings = settings
        for secret in settings.secrets { Diagnostics.addSecret(secret) }
        timeoutMs = connectTimeoutMs
        cache = SchemaCache(capacity: cacheCapacity)
        let options = HTTPOptions(connectTimeoutMs: connectTimeoutMs, caFile: settings.caLocation, basicAuth: settings.userInfo,
                                  bearerToken: settings.bearerToken, headers: RegistryCall.headers)
        do {
            http = try HTTPClient(options)
        } catch {
            throw ToolFailure(.unavailable, "schema registry \(settings.url): \(error.text)")
        }
    }

    /// The schema with this id (`GET /schemas/ids/{id}`), once per run.
    package func schema(id: Int32) throws(RegistryError) -> RegisteredSchema {
        if let cached = cache.schema(id: id) { return cached }
        let call = RegistryCall.schemaByID(id)
        let answer = try parse(call) { body throws(RegistryAnswer.Malformed) in try RegistryAnswer.schema(body, id: id) }
        cache.insert(id: id, answer)
        return answer
    }

    /// The subject's latest version (`GET /subjects/{subject}/versions/latest`), asked once per run.
    package func latest(subject: String) throws(RegistryError) -> RegisteredSchema {
        try subjectVersion(subject, nil)
    }

    /// A subject's version (`GET /subjects/{subject}/versions/{version}`), once per run.
    package func version(subject: String, version: Int32) throws(RegistryError) -> RegisteredSchema {
        try subjectVersion(subject, version)
    }

    /// Registers `schema` under `subject` (or finds the identical one there): its id.
    package func register(subject: String, schema: RegistrySchema) throws(RegistryError) -> Int32 {
        let call = RegistryCall.register(subject: subject, schema: schema)
        let id = try parse(call) { body throws(RegistryAnswer.Malformed) in try RegistryAnswer.registeredID(body) }
        cache.insert(id: id, RegisteredSchema(id: id, subject: subject, schema: schema))
        return id
    }

    /// Looks `schema` up under `subject` without registering it (`POST /subjects/{subject}`).
    package func lookup(subject: String, schema: RegistrySchema) throws(RegistryError) -> RegisteredSchema {
        let call = RegistryCall.lookup(subject: subject, schema: schema)
        let found = try parse(call) { body throws(RegistryAnswer.Malformed) in try RegistryAnswer.schema(body) }
        cache.insert(id: found.id, found)
        return found
    }

    /// The schemas `schema` refers to, by the names it uses, following references of references
    /// (each subject version fetched once; at most `maxReferenceDepth` deep).
    package func referenced(by schema: RegistrySchema) throws(RegistryError) -> [String: RegisteredSchema] {
        var found: [String: RegisteredSchema] = [:]
        var pending = schema.references.map { ($0, 1) }
        while let (reference, depth) = pending.popLast() {
            guard found[reference.name] == nil else { continue }
            guard depth <= Self.maxReferenceDepth else {
                throw RegistryError(ErrorFacts(.configuration, text: "references nested deeper than \(Self.maxReferenceDepth)"),
                                    call: "subject \"\(reference.subject)\" version \(reference.version)", url: settings.url,
                                    timeoutMs: timeoutMs)
            }
            let target = try subjectVersion(reference.subject, reference.version)
            found[reference.name] = target
            pending += target.schema.references.map { ($0, depth + 1) }
        }
        return found
    }

    private func subjectVersion(_ subject: String, _ version: Int32?) throws(RegistryError) -> RegisteredSchema {
        let key = SchemaCache<RegisteredSchema>.SubjectVersion(subject, version)
        if let id = cache.id(of: key), let cached = cache.schema(id: id) { return cached }
        let call = RegistryCall.subjectVersion(subject: subject, version: version)
        let answer = try parse(call) { body throws(RegistryAnswer.Malformed) in try RegistryAnswer.schema(body) }
        cache.insert(key, id: answer.id)
        cache.insert(id: answer.id, answer)
        return answer
    }

    /// Sends `call`, maps a transport failure or a non-2xx answer to a RegistryError, reads a 2xx with `read`.
    private func parse<T>(_ call: RegistryCall, _ read: ([UInt8]) throws(RegistryAnswer.Malformed) -> T) throws(RegistryError) -> T {
        let url = call.url(base: settings.url)
        let response: HTTPResponse
        requests += 1
        do {
            switch call.method {
            case .get: response = try http.get(url)
            case .post: response = try http.post(url, body: call.body ?? [])
            }
        } catch {
            throw failure(error.facts, call)
        }
        guard (200..<300).contains(response.status) else {
            throw failure(RegistryAnswer.failure(status: response.status, body: response.body), call)
        }
        do {
            return try read(response.body)
        } catch {
            throw failure(ErrorFacts(.other, text: error.description, name: "malformed answer"), call)
        }
    }

    private func failure(_ facts: ErrorFacts, _ call: RegistryCall) -> RegistryError {
        RegistryError(facts, call: call.what, url: settings.url, timeoutMs: timeoutMs)
    }
}
