import Ccurl
import KafkaCore

/// How an `HTTPClient` talks to its server: timeouts, the CA file, credentials. TLS certificates and host
/// names are always checked (libcurl's defaults, set explicitly); there is no switch to turn that off.
package struct HTTPOptions: Sendable {
    /// Giving up on connecting (TCP and TLS handshake), in milliseconds: `--connect-timeout`.
    package var connectTimeoutMs: Int32
    /// Giving up on a whole request, answer included, in milliseconds.
    package var requestTimeoutMs: Int32
    /// A PEM file of the certificate authorities to trust instead of the system's.
    package var caFile: String?
    /// `user:password` for HTTP basic authentication (a secret).
    package var basicAuth: String?
    /// A bearer token sent as `Authorization: Bearer ...` (a secret).
    package var bearerToken: String?
    /// Extra request headers, `Name: value`.
    package var headers: [String]
    /// The largest answer body accepted; a longer one fails the request (`.tooLarge`).
    package var maxBodyBytes: Int

    package init(connectTimeoutMs: Int32, requestTimeoutMs: Int32? = nil, caFile: String? = nil, basicAuth: String? = nil,
                 bearerToken: String? = nil, headers: [String] = [], maxBodyBytes: Int = HTTPOptions.defaultMaxBodyBytes) {
        self.connectTimeoutMs = connectTimeoutMs
        self.requestTimeoutMs = requestTimeoutMs ?? connectTimeoutMs
        self.caFile = caFile
        self.basicAuth = basicAuth
        self.bearerToken = bearerToken
        self.headers = headers
        self.maxBodyBytes = maxBodyBytes
    }

    /// 16 MiB: a registry's answer is one schema; Confluent's own limit on a schema is far below it.
    package static let defaultMaxBodyBytes = 16 << 20
}

/// An answer: the status code and the body's bytes, whatever the status.
package struct HTTPResponse: Sendable, Equatable {
    package var status: Int
    package var body: [UInt8]
    package init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Why no answer came. The binding says what happened; `facts` hands it to the rules (ErrorMap).
package struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// The host name did not resolve, or nothing listened (connection refused), or it went away.
        case unreachable
        /// No connection or no answer within the timeout.
        case timeout
        /// The TLS handshake failed: an unknown certificate authority, a wrong host name, a bad CA file.
        case tls
        /// The URL itself is wrong (malformed, or a scheme other than http/https).
        case badURL
        /// The answer was longer than `maxBodyBytes`.
        case tooLarge
        /// libcurl itself could not be loaded (not installed).
        case unavailable
        case other
    }
    package var kind: Kind
    /// libcurl's text for it (never the credentials: they are not part of the URL it is given).
    package var text: String
    /// libcurl's code name, e.g. "CURLE_COULDNT_CONNECT".
    package var code: Int32

    package init(_ kind: Kind, text: String, code: Int32 = 0) {
        self.kind = kind
        self.text = text
        self.code = code
    }

    package var description: String { text }

    package var facts: ErrorFacts {
        switch kind {
        case .unreachable: return ErrorFacts(.transport, isRetriable: true, text: text, name: "unreachable")
        case .timeout: return ErrorFacts(.timeout, isRetriable: true, text: text, name: "timeout")
        case .tls: return ErrorFacts(.configuration, text: "TLS: \(text)", name: "tls")
        case .badURL: return ErrorFacts(.configuration, text: text, name: "bad URL")
        case .unavailable: return ErrorFacts(.configuration, text: text, name: "libcurl")
        case .tooLarge, .other: return ErrorFacts(.other, text: text, name: "http")
        }
    }

    /// The class of a libcurl code.
    static func kind(of code: CURLcode) -> Kind {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE:
            return .unreachable
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .badURL
        default:
            return .other
        }
    }
}

/// GET and POST over HTTP or HTTPS with libcurl: one easy handle, kept between requests so a connection
/// (and its TLS session) is reused. Mechanism only: what the URLs, bodies and answers mean is the
/// caller's (KafkaCore/Registry). Not thread-safe: one owner, one request at a time.
package final class HTTPClient {
    private let curl: CurlLibrary
    private let handle: UnsafeMutableRawPointer
    private let options: HTTPOptions
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// Loads libcurl on the first client of the run (CurlLibrary): `.unavailable` when it is not installed.
    package init(_ options: HTTPOptions) throws(HTTPFailure) {
        let curl: CurlLibrary
        switch CurlLibrary.shared {
        case .success(let loaded): curl = loaded
        case .failure(let failure): throw failure
        }
        guard let handle = curl.easyInit() else { throw HTTPFailure(.other, text: "cannot initialise libcurl") }
        self.curl = curl
        self.handle = handle
        self.options = options
        for header in options.headers { headerList = curl.slistAppend(headerList, header) }
        // No "Expect: 100-continue" on larger POSTs: a server that ignores it would cost a second's wait each.
        headerList = curl.slistAppend(headerList, "Expect:")
        if let token = options.bearerToken { headerList = curl.slistAppend(headerList, "Authorization: Bearer \(token)") }
    }

    deinit {
        curl.slistFreeAll(headerList)
        curl.easyCleanup(handle)
    }

    package func get(_ url: String) throws(HTTPFailure) -> HTTPResponse {
        try perform(url: url, body: nil)
    }

    /// POSTs `body` (sent as given; the content type is among `headers`).
    package func post(_ url: String, body: [UInt8]) throws(HTTPFailure) -> HTTPResponse {
        try perform(url: url, body: body)
    }

    private func perform(url: String, body: [UInt8]?) throws(HTTPFailure) -> HTTPResponse {
        let sink = HTTPBodySink(limit: options.maxBodyBytes)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let requestBody = body ?? []
        let code: CURLcode = requestBody.withUnsafeBufferPointer { bodyBytes in
            errorBuffer.withUnsafeMutableBufferPointer { errorBytes in
                withExtendedLifetime(sink) {
                    curl.easyReset(handle)
                    var setup = [CURLcode]()
                    setup.append(ccurl_setopt_string(curl.setopt, handle, CURLOPT_URL, url))
                    setup.append(ccurl_setopt_pointer(curl.setopt, handle, CURLOPT_ERRORBUFFER, errorBytes.baseAddress))
                    // Only http and https, no redirects followed, no signals (libcurl's resolver timeout
                    // would use SIGALRM otherwise).
                    setup.append(ccurl_setopt_string(curl.setopt, handle, CURLOPT_PROTOCOLS_STR, "http,https"))
                    setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_FOLLOWLOCATION, 0))
                    setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_NOSIGNAL, 1))
                    setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeoutMs)))
                    setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_TIMEOUT_MS, Int(options.requestTimeoutMs)))
                    setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_SSL_VERIFYPEER, 1))
                    setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_SSL_VERIFYHOST, 2))
                    if let caFile = options.caFile { setup.append(ccurl_setopt_string(curl.setopt, handle, CURLOPT_CAINFO, caFile)) }
                    if let basicAuth = options.basicAuth {
                        setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_HTTPAUTH, 1 /* CURLAUTH_BASIC, a macro Swift does not import */))
                        setup.append(ccurl_setopt_string(curl.setopt, handle, CURLOPT_USERPWD, basicAuth))
                    }
                    if let headerList { setup.append(ccurl_setopt_pointer(curl.setopt, handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))) }
                    if body != nil {
                        setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_POST, 1))
                        setup.append(ccurl_setopt_long(curl.setopt, handle, CURLOPT_POSTFIELDSIZE, bodyBytes.count))
                        setup.append(ccurl_setopt_pointer(curl.setopt, handle, CURLOPT_POSTFIELDS,
                            UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)))
                    }
                    setup.append(ccurl_setopt_write_function(curl.setopt, handle, httpWriteCallback))
                    setup.append(ccurl_setopt_pointer(curl.setopt, handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
                    if let failed = setup.first(where: { $0 != CURLE_OK }) { return failed }
                    return curl.easyPerform(handle)
                }
            }
        }
        // The error buffer pointer must not outlive the buffer: the next request resets the handle.
        _ = ccurl_setopt_pointer(curl.setopt, handle, CURLOPT_ERRORBUFFER, nil)
        guard code == CURLE_OK else {
            if sink.overflowed {
                throw HTTPFailure(.tooLarge, text: "answer longer than \(options.maxBodyBytes) bytes", code: Int32(code.rawValue))
            }
            let detail = errorBufferText(errorBuffer.map { $0 })
            let text = detail.isEmpty ? curl.easyStrerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)" : detail
            throw HTTPFailure(HTTPFailure.kind(of: code), text: text, code: Int32(code.rawValue))
        }
        var status = 0
        _ = ccurl_response_code(curl.getinfo, handle, &status)
        return HTTPResponse(status: status, body: sink.bytes)
    }
}

private let httpWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let context else { return 0 }
    return Unmanaged<HTTPBodySink>.fromOpaque(context).takeUnretainedValue().append(data, size &* count)
}

/// Collects the answer's bytes up to a bound; taking less than offered makes libcurl stop (CURLE_WRITE_ERROR).
private final class HTTPBodySink {
    var bytes: [UInt8] = []
    let limit: Int
    var overflowed = false
    init(limit: Int) { self.limit = limit }

    func append(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return 0 }
        guard bytes.count + count <= limit else {
            overflowed = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
        return count
    }
}
