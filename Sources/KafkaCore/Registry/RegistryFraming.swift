/// Confluent's wire format for a registry-framed key or value: the magic byte 0, the schema id as
/// 4 bytes big-endian, then the body (Avro binary, a JSON document, or Protobuf's indexes and bytes).
package enum RegistryFraming {
    package static let magic: UInt8 = 0
    /// The magic byte and the id.
    package static let headerSize = 5

    /// The id and where the body starts, when `bytes` is framed: at least 5 bytes, the first one 0.
    /// Anything else is not registry-framed and is left as it is.
    package static func split(_ bytes: UnsafeRawBufferPointer) -> (id: Int32, bodyStart: Int)? {
        guard bytes.count >= headerSize, bytes[0] == magic else { return nil }
        let id = UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4])
        return (Int32(bitPattern: id), headerSize)
    }

    /// `split` over an array: the id and the body.
    package static func split(_ bytes: [UInt8]) -> (id: Int32, body: ArraySlice<UInt8>)? {
        guard let (id, start) = bytes.withUnsafeBytes({ split($0) }) else { return nil }
        return (id, bytes[start...])
    }

    /// Writes the magic byte and `id` at `to` (`headerSize` bytes).
    @inline(__always)
    static func writeHeader(id: Int32, to q: UnsafeMutablePointer<UInt8>) {
        q[0] = magic
        UnsafeMutableRawPointer(q + 1).storeBytes(of: UInt32(bitPattern: id).bigEndian, as: UInt32.self)
    }

    /// Appends the magic byte and `id` to `out`; the caller appends the body.
    package static func appendHeader(id: Int32, to out: inout [UInt8]) {
        let u = UInt32(bitPattern: id)
        out.append(magic)
        out.append(UInt8(truncatingIfNeeded: u >> 24))
        out.append(UInt8(truncatingIfNeeded: u >> 16))
        out.append(UInt8(truncatingIfNeeded: u >> 8))
        out.append(UInt8(truncatingIfNeeded: u))
    }

    /// The framed value: header then body.
    package static func join<C: Collection>(id: Int32, body: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + body.count)
        appendHeader(id: id, to: &out)
        out.append(contentsOf: body)
        return out
    }
}
