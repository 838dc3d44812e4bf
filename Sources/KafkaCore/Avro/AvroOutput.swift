#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The codec's output: bytes are written into a small buffer (on the stack, taken once per value) through
/// a pointer and copied into the caller's array in bulk, when the buffer fills and at the end; not one
/// `Array.append` per byte or token. Anything larger than half the buffer goes to the array directly.
/// Code that needs the array itself (the rarer paths: escaping, decimals) calls `flush()` and uses `out`.
struct AvroOutput {
    static let capacity = 512
    let base: UnsafeMutablePointer<UInt8>
    /// Bytes in the buffer, not yet in `out`.
    var n = 0
    var out: [UInt8]
    /// A stack of `slotCapacity` Ints beside the buffer, for the encoder's records (where each field's
    /// member is); `slotTop` in use.
    let slots: UnsafeMutablePointer<Int>
    static let slotCapacity = 64
    var slotTop = 0

    /// Runs `body` with an output whose bytes end up appended to `out` (the array is moved in and back,
    /// not copied).
    @inline(__always)
    static func with<R>(_ out: inout [UInt8], _ body: (inout AvroOutput) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: capacity &+ slotCapacity &* 8, alignment: 8) { buffer in
            let raw = buffer.baseAddress.unsafelyUnwrapped
            var output = AvroOutput(base: raw.assumingMemoryBound(to: UInt8.self), out: [],
                                    slots: (raw + capacity).bindMemory(to: Int.self, capacity: slotCapacity))
            swap(&output.out, &out)
            let result = body(&output)
            output.flush()
            swap(&output.out, &out)
            return result
        }
    }

    mutating func flush() {
        if n > 0 {
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: n))
            n = 0
        }
    }

    /// Room for `count` bytes (at most `capacity`): where to write them. Follow with `n &+= written`.
    @inline(__always)
    mutating func room(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        if count > AvroOutput.capacity &- n { flush() }
        return base + n
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        if n == AvroOutput.capacity { flush() }
        base[n] = b
        n &+= 1
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafePointer<UInt8>, _ count: Int) {
        if count <= AvroOutput.capacity &- n {
            AvroOutput.copy(base + n, p, count)
            n &+= count
        } else {
            flush()
            if count >= AvroOutput.capacity / 2 {
                out.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
            } else {
                base.update(from: p, count: count)
                n = count
            }
        }
    }

    /// Copies `count` bytes: short runs (names, most strings) with two overlapping loads and stores,
    /// without a call to memcpy; longer ones with it.
    @inline(__always)
    static func copy(_ q: UnsafeMutablePointer<UInt8>, _ p: UnsafePointer<UInt8>, _ count: Int) {
        let from = UnsafeRawPointer(p), to = UnsafeMutableRawPointer(q)
        if count >= 8, count <= 16 {
            let head = from.loadUnaligned(as: UInt64.self)
            let tail = from.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4, count < 8 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
        } else if count < 4 {
            var k = 0
            while k < count {
                q[k] = p[k]
                k &+= 1
            }
        } else if count <= 64 {
            // Whole words, then the last word overlapping the one before: no call to memcpy.
            var k = 0
            while k &+ 8 <= count {
                to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
                k &+= 8
            }
            if k < count {
                to.storeBytes(of: from.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self),
                              toByteOffset: count &- 8, as: UInt64.self)
            }
        } else {
            q.update(from: p, count: count)
        }
    }

    /// Whether `count` bytes at `a` and `b` are the same: short runs (names, symbols) with two
    /// overlapping loads each, without a call to memcmp.
    @inline(__always)
    static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        if count >= 8, count <= 16 {
            return x.loadUnaligned(as: UInt64.self) == y.loadUnaligned(as: UInt64.self)
                && x.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        }
        if count >= 4, count < 8 {
            return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
                && x.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        }
        if count < 4 {
            var k = 0
            while k < count {
                if a[k] != b[k] { return false }
                k &+= 1
            }
            return true
        }
        return memcmp(a, b, count) == 0
    }

    @inline(__always)
    mutating func literal(_ literal: StaticString) {
        bytes(literal.utf8Start, literal.utf8CodeUnitCount)
    }

    /// The bytes written so far, in `out` and the buffer.
    var count: Int { out.count &+ n }

    /// Drops everything written after `mark` (a `count` taken earlier).
    mutating func truncate(to mark: Int) {
        if mark >= out.count {
            n = mark &- out.count
        } else {
            n = 0
            out.removeSubrange(mark...)
        }
    }

    /// Appends `value` as a zigzag varint (Avro's int and long).
    @inline(__always)
    mutating func long(_ value: Int64) {
        let q = room(10)
        var raw = UInt64(bitPattern: (value &<< 1) ^ (value &>> 63))
        var k = 0
        while raw >= 0x80 {
            q[k] = UInt8(truncatingIfNeeded: raw) | 0x80
            raw &>>= 7
            k &+= 1
        }
        q[k] = UInt8(truncatingIfNeeded: raw)
        n &+= k &+ 1
    }

    /// Inserts `value` as a zigzag varint at `mark` (a `count` taken earlier): an array's or map's item
    /// count, known once its items are written. In the buffer, the bytes after `mark` move up.
    mutating func insertLong(_ value: Int64, at mark: Int) {
        var varint: [UInt8] = []
        if value > 0, value < 64 {
            let inBuffer = mark &- out.count
            if inBuffer >= 0, n < AvroOutput.capacity {
                memmove(base + (inBuffer &+ 1), base + inBuffer, n &- inBuffer)
                base[inBuffer] = UInt8(value &<< 1)
                n &+= 1
                return
            }
            varint = [UInt8(value &<< 1)]
        } else {
            AvroEncoder.appendLong(value, to: &varint)
        }
        flush()
        out.insert(contentsOf: varint, at: mark)
    }

    /// Appends an integer's bytes, least significant first (a float's or double's bits).
    @inline(__always)
    mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        UnsafeMutableRawPointer(room(MemoryLayout<T>.size)).storeBytes(of: value.littleEndian, as: T.self)
        n &+= MemoryLayout<T>.size
    }

    mutating func array(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { bytes in
            if let base = bytes.baseAddress { self.bytes(base, bytes.count) }
        }
    }
}
