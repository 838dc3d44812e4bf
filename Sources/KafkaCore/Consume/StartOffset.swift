/// Where a partition starts for a `ReadPosition` (-o/--from), given what the cluster said about it: a
/// pure rule, unit-tested; the session makes the lookups and assigns the result.
package enum StartOffset {
    // librdkafka's logical offsets (rdkafka.h), for when a lookup gave no number.
    package static let logicalBeginning: Int64 = -2
    static let logicalEnd: Int64 = -1
    /// The committed offset, else auto.offset.reset.
    package static let logicalStored: Int64 = -1000
    static func logicalTail(_ n: Int64) -> Int64 { -2000 - n }

    /// The logical offset an `auto.offset.reset` value names (librdkafka's spellings), nil for `error`
    /// or anything else: a partition without a committed offset is then left to librdkafka.
    package static func forReset(_ value: String?) -> Int64? {
        switch value?.lowercased() {
        case "smallest", "earliest", "beginning": return logicalBeginning
        case "largest", "latest", "end": return logicalEnd
        default: return nil
        }
    }

    package struct Resolved: Equatable {
        /// An offset, or one of librdkafka's logical offsets.
        package var offset: Int64
        /// What -v says about it (a position moved to where the partition's data is).
        package var note: String?
    }

    /// `low`: the partition's first offset still held; `high`: its end (the next offset to be written);
    /// `atTime`: the lookup's answer for a timestamp position (the first offset at or after it, -1: none).
    package static func resolve(_ position: ReadPosition, low: Int64?, high: Int64?, atTime: Int64? = nil) -> Resolved {
        switch position {
        case .beginning:
            return Resolved(offset: low ?? logicalBeginning)
        case .end:
            return Resolved(offset: high ?? logicalEnd)
        case .offset(let n):
            if let high, n > high {
                return Resolved(offset: high, note: "offset \(n) is past the end (\(high)): starting at the end")
            }
            if let low, n < low {
                return Resolved(offset: low, note: "offset \(n) is no longer held: starting at the first one held (\(low))")
            }
            return Resolved(offset: n)
        case .beforeEnd(let n):
            guard let high else { return Resolved(offset: logicalTail(n)) }
            let first = low ?? 0
            let start = high - n
            if start < first { return Resolved(offset: first, note: "fewer than \(n) messages held: starting at the first (\(first))") }
            return Resolved(offset: start)
        case .timestamp(let ms):
            if let t = atTime, t >= 0 {
                if let high, t > high { return Resolved(offset: high) }
                return Resolved(offset: t)
            }
            return Resolved(offset: high ?? logicalEnd, note: "no message at or after \(ms) ms: starting at the end")
        }
    }
}

extension ReadPosition {
    package init(_ start: StartPosition) {
        switch start {
        case .beginning: self = .beginning
        case .end: self = .end
        }
    }
}
