/// The REST calls made to a schema registry (Confluent's API; Karapace and others serve the same), as
/// method, path and body: nothing here talks to the network.
package enum RegistryCall: Sendable, Equatable {
    /// `GET /schemas/ids/{id}` (with `?subject=` when given; servers that do not know it ignore it).
    case schemaByID(Int32, subject: String? = nil)
    /// `GET /subjects/{subject}/versions/{version}`; nil is `latest`.
    case subjectVersion(subject: String, version: Int32?)
    /// `POST /subjects/{subject}/versions`: registers, or answers the id of the identical schema already there.
    case register(subject: String, schema: RegistrySchema)
    /// `POST /subjects/{subject}`: looks the schema up under the subject, without registering.
    case lookup(subject: String, schema: RegistrySchema)

    package enum Method: String, Sendable { case get = "GET", post = "POST" }

    /// The content type of requests and answers.
    package static let contentType = "application/vnd.schemaregistry.v1+json"
    /// The request headers every call sends.
    package static let headers = [
        "Accept: application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json",
        "Content-Type: \(contentType)",
    ]

    package var method: Method {
        switch self {
        case .schemaByID, .subjectVersion: return .get
        case .register, .lookup: return .post
        }
    }

    /// The path, subjects percent-encoded (a subject may hold '/', ':' or spaces).
    package var path: String {
        switch self {
        case .schemaByID(let id, let subject):
            return "/schemas/ids/\(id)" + (subject.map { "?subject=" + Self.percentEncoded($0) } ?? "")
        case .subjectVersion(let subject, let version):
            return "/subjects/\(Self.percentEncoded(subject))/versions/\(version.map(String.init) ?? "latest")"
        case .register(let subject, _):
            return "/subjects/\(Self.percentEncoded(subject))/versions"
        case .lookup(let subject, _):
            return "/subjects/\(Self.percentEncoded(subject))"
        }
    }

    /// `base` (a `RegistrySettings.url`, no trailing '/') joined with the path.
    package func url(base: String) -> String { base + path }

    /// The JSON body of a POST: `{"schema": ..., "schemaType": ..., "references": [...]}`, `schemaType`
    /// left out for AVRO (the default, and all that registries before 5.5 know), `references` when any.
    package var body: [UInt8]? {
        switch self {
        case .schemaByID, .subjectVersion: return nil
        case .register(_, let schema), .lookup(_, let schema): return Self.body(schema)
        }
    }

    package static func body(_ schema: RegistrySchema) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: "{\"schema\":".utf8)
        JSONString.appendQuoted(schema.text, to: &out)
        if schema.type != .avro {
            out.append(contentsOf: ",\"schemaType\":".utf8)
            JSONString.appendQuoted(schema.type.rawValue, to: &out)
        }
        if !schema.references.isEmpty {
            out.append(contentsOf: ",\"references\":[".utf8)
            for (i, reference) in schema.references.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "{\"name\":".utf8)
                JSONString.appendQuoted(reference.name, to: &out)
                out.append(contentsOf: ",\"subject\":".utf8)
                JSONString.appendQuoted(reference.subject, to: &out)
                out.append(contentsOf: ",\"version\":\(reference.version)}".utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// What the call was for, in messages: "schema id 7", "subject \"orders-value\" version latest".
    package var what: String {
        switch self {
        case .schemaByID(let id, _): return "schema id \(id)"
        case .subjectVersion(let subject, let version):
            return "subject \"\(subject)\" version \(version.map(String.init) ?? "latest")"
        case .register(let subject, _): return "registering a schema under subject \"\(subject)\""
        case .lookup(let subject, _): return "looking up a schema under subject \"\(subject)\""
        }
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    package static func percentEncoded(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + JSONTables.hex(byte, uppercase: true)
            }
        }
        return out
    }
}
