/// Where the schema registry is and how to talk to it, from the client config file (`-F` or the default
/// one) or `-X`: the keys Confluent's clients use, under `schema.registry.`. These keys are the
/// registry's, never librdkafka's (it refuses what it does not know): `split` takes them out first.
package struct RegistrySettings: Sendable, Equatable {
    /// `schema.registry.url`: one http:// or https:// URL, without credentials (those are taken out of it).
    package var url: String
    /// `schema.registry.basic.auth.user.info`, `user:password` (a secret), or the userinfo of the URL.
    package var userInfo: String?
    /// `schema.registry.bearer.auth.token` (a secret), sent as `Authorization: Bearer ...`.
    package var bearerToken: String?
    /// `schema.registry.ssl.ca.location`: a PEM file of certificate authorities for HTTPS.
    package var caLocation: String?

    package init(url: String, userInfo: String? = nil, bearerToken: String? = nil, caLocation: String? = nil) {
        self.url = url
        self.userInfo = userInfo
        self.bearerToken = bearerToken
        self.caLocation = caLocation
    }

    package static let urlKey = "schema.registry.url"
    package static let userInfoKey = "schema.registry.basic.auth.user.info"
    package static let bearerTokenKey = "schema.registry.bearer.auth.token"
    package static let caLocationKey = "schema.registry.ssl.ca.location"
    package static let keys: [String] = [urlKey, userInfoKey, bearerTokenKey, caLocationKey]

    /// Every key under `schema.registry.` belongs to the registry, known or not.
    package static func isRegistryKey(_ key: String) -> Bool { key.hasPrefix("schema.registry.") }

    /// The registry's keys' values are secrets when they hold credentials.
    package static func isSecret(_ key: String) -> Bool { key == userInfoKey || key == bearerTokenKey }

    /// Takes the registry's keys out of `properties` (the rest goes to librdkafka). A later key wins, as for
    /// every property. An unknown `schema.registry.` key is a configuration error (exit 78), not silence.
    package static func split(_ properties: [(key: String, value: String)]) throws(ToolFailure)
        -> (registry: [String: String], rest: [(key: String, value: String)])
    {
        var registry: [String: String] = [:]
        var rest: [(key: String, value: String)] = []
        for (key, value) in properties {
            guard isRegistryKey(key) else {
                rest.append((key: key, value: value))
                continue
            }
            guard keys.contains(key) else {
                throw ToolFailure(.configError, "unknown property \"\(key)\" (the schema registry's keys: \(keys.joined(separator: ", ")))")
            }
            registry[key] = value
        }
        return (registry, rest)
    }

    /// The settings from the registry's keys, with `--registry URL` (when given) overriding
    /// `schema.registry.url`; nil when no URL is set at all.
    package static func from(_ registry: [String: String], url override: String? = nil) throws(ToolFailure) -> RegistrySettings? {
        guard let raw = override ?? registry[urlKey], !raw.isEmpty else {
            if registry.keys.contains(where: { $0 != urlKey }) {
                throw ToolFailure(.configError, "\(keys.filter { $0 != urlKey && registry[$0] != nil }.joined(separator: ", ")) set without \(urlKey) or --registry")
            }
            return nil
        }
        let parsed = try RegistryURL.parse(raw)
        func nonEmpty(_ key: String) -> String? { registry[key].flatMap { $0.isEmpty ? nil : $0 } }
        let userInfo = nonEmpty(userInfoKey) ?? parsed.userInfo
        if let userInfo, !userInfo.contains(":") {
            throw ToolFailure(.configError, "\(userInfoKey) must be user:password")
        }
        return RegistrySettings(url: parsed.url, userInfo: userInfo, bearerToken: nonEmpty(bearerTokenKey),
                                caLocation: nonEmpty(caLocationKey))
    }

    /// The secrets among the registry's keys, before they are checked: the user info and its password,
    /// the token, and user:password written into the URL.
    package static func secrets(of registry: [String: String]) -> [String] {
        var result: [String] = []
        for key in [userInfoKey, urlKey] {
            guard var value = registry[key], !value.isEmpty else { continue }
            if key == urlKey {
                guard let parsed = try? RegistryURL.parse(value), let userInfo = parsed.userInfo else { continue }
                value = userInfo
            }
            result += RegistrySettings(url: "", userInfo: value).secrets
        }
        if let token = registry[bearerTokenKey], !token.isEmpty { result.append(token) }
        return result
    }

    /// The values never to print: the whole user:password, the password alone, the token.
    package var secrets: [String] {
        var result: [String] = []
        if let userInfo {
            result.append(userInfo)
            if let colon = userInfo.firstIndex(of: ":") {
                let password = String(userInfo[userInfo.index(after: colon)...])
                if !password.isEmpty { result.append(password) }
            }
        }
        if let bearerToken { result.append(bearerToken) }
        return result
    }
}

/// A registry URL as given: `http[s]://[user:password@]host[:port][/path]`. The userinfo is taken out (it
/// is a secret, and the URL is printed in messages); a trailing `/` is dropped so paths join cleanly.
package enum RegistryURL {
    package static func parse(_ text: String) throws(ToolFailure) -> (url: String, userInfo: String?) {
        let bad = { (why: String) in ToolFailure(.configError, "schema registry URL \"\(redacted(text))\": \(why)") }
        if text.contains(",") { throw bad("one URL only (a list is not supported)") }
        guard let schemeEnd = schemeSeparator(text) else { throw bad("expected http:// or https://") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw bad("expected http:// or https://") }
        var rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var userInfo: String?
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            userInfo = percentDecoded(String(rest[..<at]))
            rest = rest[rest.index(after: at)...]
        }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if host.isEmpty { throw bad("no host") }
        if rest.contains("?") || rest.contains("#") { throw bad("no query or fragment expected") }
        var url = scheme + "://" + rest
        while url.hasSuffix("/") { url.removeLast() }
        return (url, userInfo)
    }

    /// `text` with any userinfo's password replaced: safe to print.
    package static func redacted(_ text: String) -> String {
        guard let schemeEnd = schemeSeparator(text) else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        let user = rest[..<at].prefix { $0 != ":" }
        return text[..<schemeEnd.upperBound] + user + ":******" + rest[at...]
    }

    /// Where "://" is in `text`.
    static func schemeSeparator(_ text: String) -> Range<String.Index>? {
        var i = text.startIndex
        while i < text.endIndex {
            if text[i...].hasPrefix("://") { return i..<text.index(i, offsetBy: 3) }
            i = text.index(after: i)
        }
        return nil
    }

    static func percentDecoded(_ s: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2, let h = hexValue(bytes[bytes.startIndex]),
               let l = hexValue(bytes[bytes.startIndex + 1]) {
                out.append(h << 4 | l)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
