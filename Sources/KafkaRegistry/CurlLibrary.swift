import Ccurl
import KafkaCore

#if canImport(Glibc)
import Glibc
#endif

/// libcurl, opened with dlopen the first time a tool talks to a schema registry. Linking it instead loaded
/// it and the ~25 libraries it needs (OpenSSL, nghttp2, Kerberos, LDAP, ...) at every start of every tool:
/// +5 to 9 ms for `kput --version` (18 -> 28 ms median here), paid with or without a registry. The Debian
/// package therefore depends on libcurl4 by name (Scripts/deb.sh): nothing in the binaries' ELF needs says so.
struct CurlLibrary: @unchecked Sendable {
    let globalInit: @convention(c) (Int) -> CURLcode
    let easyInit: @convention(c) () -> UnsafeMutableRawPointer?
    let easyCleanup: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let easyReset: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let easyPerform: @convention(c) (UnsafeMutableRawPointer?) -> CURLcode
    let easyStrerror: @convention(c) (CURLcode) -> UnsafePointer<CChar>?
    let slistAppend: @convention(c) (UnsafeMutablePointer<curl_slist>?, UnsafePointer<CChar>?) -> UnsafeMutablePointer<curl_slist>?
    let slistFreeAll: @convention(c) (UnsafeMutablePointer<curl_slist>?) -> Void
    /// curl_easy_setopt and curl_easy_getinfo, variadic: called through the shim's typed forwarders.
    let setopt: UnsafeMutableRawPointer
    let getinfo: UnsafeMutableRawPointer

    /// The sonames tried, in order: Debian's libcurl4 (OpenSSL), then libcurl3-gnutls's.
    static let sonames = ["libcurl.so.4", "libcurl-gnutls.so.4"]

    /// Opened once per process, with curl_global_init done (thread-safe from libcurl 7.84; Debian 12 has 7.88).
    static let shared: Result<CurlLibrary, HTTPFailure> = open()

    private static func open() -> Result<CurlLibrary, HTTPFailure> {
        var reasons: [String] = []
        for name in sonames {
            guard let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            func symbol<T>(_ symbolName: String, as _: T.Type) -> T? {
                dlsym(library, symbolName).map { unsafeBitCast($0, to: T.self) }
            }
            guard let globalInit = symbol("curl_global_init", as: (@convention(c) (Int) -> CURLcode).self),
                  let easyInit = symbol("curl_easy_init", as: (@convention(c) () -> UnsafeMutableRawPointer?).self),
                  let easyCleanup = symbol("curl_easy_cleanup", as: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
                  let easyReset = symbol("curl_easy_reset", as: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
                  let easyPerform = symbol("curl_easy_perform", as: (@convention(c) (UnsafeMutableRawPointer?) -> CURLcode).self),
                  let easyStrerror = symbol("curl_easy_strerror", as: (@convention(c) (CURLcode) -> UnsafePointer<CChar>?).self),
                  let slistAppend = symbol("curl_slist_append", as: (@convention(c) (UnsafeMutablePointer<curl_slist>?,
                      UnsafePointer<CChar>?) -> UnsafeMutablePointer<curl_slist>?).self),
                  let slistFreeAll = symbol("curl_slist_free_all", as: (@convention(c) (UnsafeMutablePointer<curl_slist>?) -> Void).self),
                  let setopt = dlsym(library, "curl_easy_setopt"),
                  let getinfo = dlsym(library, "curl_easy_getinfo")
            else {
                reasons.append("\(name): a libcurl function is missing")
                continue
            }
            let curl = CurlLibrary(globalInit: globalInit, easyInit: easyInit, easyCleanup: easyCleanup, easyReset: easyReset,
                                   easyPerform: easyPerform, easyStrerror: easyStrerror, slistAppend: slistAppend,
                                   slistFreeAll: slistFreeAll, setopt: setopt, getinfo: getinfo)
            guard curl.globalInit(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK else {
                return .failure(HTTPFailure(.other, text: "cannot initialise libcurl (\(name))"))
            }
            return .success(curl)
        }
        return .failure(HTTPFailure(.unavailable, text: "cannot load libcurl, which the schema registry client needs "
            + "(Debian: apt-get install libcurl4): \(reasons.joined(separator: "; "))"))
    }
}
