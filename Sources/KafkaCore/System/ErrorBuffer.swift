/// The text a C library wrote into an error buffer (librdkafka's errstr, libcurl's CURLOPT_ERRORBUFFER):
/// NUL-terminated, or the whole buffer if it is not.
package func errorBufferText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
