// Start and stop positions for kpull and kstream (-o/--from, --until) and the times they and
// `kput --timestamp-field` take. Pure parsing: no broker, no clock (the caller passes `nowMs`), no
// process time zone (the caller passes `timeZone`), so every form is unit-tested with fixed inputs.
//
// The grammar (all of it ASCII and case-sensitive unless said otherwise):
//
//   POS   = "beginning" | "start" | "oldest" | "end" | "newest" | N | "-" N | "@" TIME
//   N     = digits, fits Int64; for "-N" at least 1 (so "-0" and "--5" are errors)
//   START = POS | ITEM ("," ITEM)*       ITEM = P ":" POS | POS (the default, at most once)
//   P     = digits, 0...Int32.max; each partition at most once
//   STOP  = "end" | N | "@" TIME
//   TIME  = epoch milliseconds (digits)
//         | RFC 3339 date-time with a zone: YYYY-MM-DD("T"|"t"|" ")hh:mm:ss[.fraction]("Z"|"z"|±hh:mm)
//           (a fraction past milliseconds is truncated; seconds "60" are rejected)
//         | a plain date YYYY-MM-DD: midnight in `timeZone`, as date(1) reads it; where that
//           zone skips midnight on that day (a DST change at 00:00), the day's first instant
//         | a past duration "-" (COUNT UNIT)+, units ms s m h d w, largest first, each at most once
//           ("-90s", "-1h30m", "-2d"), counted back from `nowMs`; a duration forward ("+1h") or of
//           zero is rejected
//
// An item is "P:POS" only when the text before its first colon is all digits, so the colons inside
// "@2026-11-30T00:00:00Z" do not split it. Commas never occur in a POS, so items split on commas.
// Instants before 1970 are rejected: Kafka timestamps are milliseconds since the epoch, >= 0.

/// Where a read starts, as -o/--from takes it.
package enum ReadPosition: Equatable, Sendable {
    case beginning, end
    case offset(Int64)  // "N": an absolute offset (>= 0)
    case beforeEnd(Int64)  // "-N": N before the end of each partition (N >= 1)
    case timestamp(Int64)  // "@TIME": the instant, epoch milliseconds

    /// One POS (no partition prefix).
    static func parse(_ text: Substring, nowMs: Int64, timeZone: LocalZone) throws(PositionError) -> ReadPosition {
        switch text {
        case "": throw PositionError("empty position (expected beginning, end, N, -N or @TIME)")
        case "beginning", "start", "oldest": return .beginning
        case "end", "newest": return .end
        default: break
        }
        if text.first == "@" {
            return .timestamp(try TimeSpec.parse(text.dropFirst(), nowMs: nowMs, timeZone: timeZone))
        }
        if text.first == "-" {
            let count = text.dropFirst()
            guard Lexer.allDigits(count) else {
                throw PositionError("invalid position '\(text)': after '-' a count of messages (1 or more) must follow")
            }
            guard let n = Int64(count) else { throw PositionError("count out of range in '\(text)'") }
            guard n >= 1 else { throw PositionError("invalid position '\(text)': the count before the end must be at least 1") }
            return .beforeEnd(n)
        }
        if Lexer.allDigits(text) {
            guard let n = Int64(text) else { throw PositionError("offset out of range: '\(text)'") }
            return .offset(n)
        }
        throw PositionError("invalid position '\(text)' (expected beginning, end, N, -N or @TIME)")
    }
}

/// -o POS or -o 0:POS,1:POS (per partition; a partition not named takes `all` when one is given).
package struct StartPositions: Equatable, Sendable {
    package var all: ReadPosition?
    package var partitions: [Int32: ReadPosition]

    init(all: ReadPosition? = nil, partitions: [Int32: ReadPosition] = [:]) {
        self.all = all
        self.partitions = partitions
    }

    /// The position for `partition`: its own, else `all`, else nil (the caller's default).
    package func position(for partition: Int32) -> ReadPosition? { partitions[partition] ?? all }

    package static func parse(_ text: String, nowMs: Int64, timeZone: LocalZone) throws(PositionError) -> StartPositions {
        guard !text.isEmpty else { throw PositionError("empty position (expected beginning, end, N, -N, @TIME or P:POS,...)") }
        var result = StartPositions()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw PositionError("empty item in position list '\(text)'") }
            if let colon = item.firstIndex(of: ":"), Lexer.allDigits(item[..<colon]) {
                let digits = item[..<colon]
                guard let p = Int32(digits) else { throw PositionError("partition out of range in '\(item)'") }
                guard result.partitions[p] == nil else { throw PositionError("partition \(p) given twice in '\(text)'") }
                result.partitions[p] = try ReadPosition.parse(item[item.index(after: colon)...], nowMs: nowMs, timeZone: timeZone)
            } else {
                guard result.all == nil else {
                    throw PositionError("more than one position without a partition in '\(text)' (write P:POS for each partition)")
                }
                result.all = try ReadPosition.parse(item, nowMs: nowMs, timeZone: timeZone)
            }
        }
        return result
    }
}

/// Where kpull stops (--until): end, "N" (stop before offset N), "@TIME" (stop before the first message whose timestamp is at or past TIME).
package enum StopPosition: Equatable, Sendable {
    case end, offset(Int64), timestamp(Int64)

    package static func parse(_ text: String, nowMs: Int64, timeZone: LocalZone) throws(PositionError) -> StopPosition {
        let s = Substring(text)
        if s.isEmpty { throw PositionError("empty stop position (expected end, N or @TIME)") }
        if s == "end" { return .end }
        if s.first == "@" { return .timestamp(try TimeSpec.parse(s.dropFirst(), nowMs: nowMs, timeZone: timeZone)) }
        if !s.isEmpty, Lexer.allDigits(s) {
            guard let n = Int64(s) else { throw PositionError("offset out of range: '\(text)'") }
            return .offset(n)
        }
        throw PositionError("invalid stop position '\(text)' (expected end, N or @TIME)")
    }
}

package enum TimeSpec {
    /// TIME without the "@": epoch milliseconds ("1796108781248"); RFC 3339 with a zone
    /// ("2026-11-30T00:00:00Z", "2026-11-30T01:00:00.250+01:00", also lower-case t/z and a space for T);
    /// a plain date ("2026-11-30": midnight in `timeZone`, as date(1) reads it; the day's first instant
    /// where the zone skips midnight); a past duration ("-90s", "-30m", "-1h", "-2d", "-1h30m": units
    /// ms s m h d w, largest first, each once; not zero, not forward).
    package static func parse(_ text: String, nowMs: Int64, timeZone: LocalZone) throws(PositionError) -> Int64 {
        try parse(Substring(text), nowMs: nowMs, timeZone: timeZone)
    }

    /// RFC 3339 with a zone, or epoch ms; nil otherwise (kput --timestamp-field uses this on field values).
    static func parseTimestamp(_ text: String) -> Int64? {
        let s = Substring(text)
        if !s.isEmpty, Lexer.allDigits(s) { return Int64(s) }
        guard case .dateTime(let ms)? = try? parseDate(s, timeZone: nil) else { return nil }
        return ms
    }

    static func parse(_ text: Substring, nowMs: Int64, timeZone: LocalZone) throws(PositionError) -> Int64 {
        guard let first = text.first else { throw PositionError("empty time after '@'") }
        if first == "+" {
            throw PositionError("time '\(text)' is in the future; a relative time counts back, as in -1h")
        }
        if first == "-" { return try pastDuration(text, nowMs: nowMs) }
        if Lexer.allDigits(text) {
            guard let ms = Int64(text) else { throw PositionError("epoch milliseconds out of range: '\(text)'") }
            return ms
        }
        switch try parseDate(text, timeZone: timeZone) {
        case .dateTime(let ms), .localMidnight(let ms): return ms
        }
    }

    // MARK: durations

    private static let units: [(name: Substring, ms: Int64)] = [
        ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    private static func pastDuration(_ text: Substring, nowMs: Int64) throws(PositionError) -> Int64 {
        var rest = text.dropFirst()
        guard !rest.isEmpty else { throw PositionError("empty duration in '\(text)' (as in -90s, -30m, -1h, -2d)") }
        var total: Int64 = 0
        var lastUnit = -1  // index into `units`: each later part must use a smaller unit
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else {
                throw PositionError("invalid duration '\(text)': expected a number at '\(rest)' (as in -90s, -1h30m)")
            }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix(while: { $0.isASCII && $0.isLetter })
            guard !unitText.isEmpty else {
                throw PositionError("invalid duration '\(text)': '\(digits)' needs a unit (ms, s, m, h, d or w)")
            }
            guard let u = units.firstIndex(where: { $0.name == unitText }) else {
                throw PositionError("invalid duration '\(text)': unknown unit '\(unitText)' (ms, s, m, h, d or w)")
            }
            guard u > lastUnit else {
                throw PositionError("invalid duration '\(text)': units must go from largest to smallest, each once")
            }
            lastUnit = u
            rest = rest.dropFirst(unitText.count)
            guard let n = Int64(digits) else { throw PositionError("duration out of range: '\(text)'") }
            let (part, o1) = n.multipliedReportingOverflow(by: units[u].ms)
            let (sum, o2) = total.addingReportingOverflow(part)
            guard !o1, !o2 else { throw PositionError("duration out of range: '\(text)'") }
            total = sum
        }
        guard total > 0 else { throw PositionError("invalid duration '\(text)': it must be longer than zero") }
        let (at, o) = nowMs.subtractingReportingOverflow(total)
        guard !o, at >= 0 else { throw PositionError("duration '\(text)' reaches back before 1970") }
        return at
    }

    // MARK: dates

    private enum DateValue { case dateTime(Int64), localMidnight(Int64) }

    /// YYYY-MM-DD alone (needs `timeZone`) or an RFC 3339 date-time with its zone.
    private static func parseDate(_ text: Substring, timeZone: LocalZone?) throws(PositionError) -> DateValue {
        var lx = Lexer(Array(text.utf8))
        func bad(_ why: String) -> PositionError { PositionError("invalid time '\(text)': \(why)") }
        guard let year = lx.number(4), lx.eat(UInt8(ascii: "-")), let month = lx.number(2), lx.eat(UInt8(ascii: "-")),
            let day = lx.number(2)
        else {
            throw bad("expected epoch milliseconds, YYYY-MM-DD, an RFC 3339 time such as 2026-11-30T00:00:00Z, or a duration such as -1h")
        }
        guard (1...12).contains(month) else { throw bad("no month \(month)") }
        let dim = daysIn(month: month, year: year)
        guard (1...dim).contains(day) else { throw bad("no day \(day) in \(monthNames[month - 1]) \(year) (it has \(dim))") }
        guard year >= 1970 else { throw bad("before 1970") }
        let days = daysFromCivil(year: year, month: month, day: day)

        if lx.atEnd {
            guard let timeZone else { throw bad("a date without a time") }
            return .localMidnight(try localMidnight(days: days, timeZone: timeZone, text: text))
        }
        guard let sep = lx.next(), sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " ") else {
            throw bad("expected 'T' after the date")
        }
        guard let hour = lx.number(2), lx.eat(UInt8(ascii: ":")), let minute = lx.number(2) else {
            throw bad("expected hh:mm:ss after the date")
        }
        guard lx.eat(UInt8(ascii: ":")), let second = lx.number(2) else {
            throw bad("seconds missing (RFC 3339 wants hh:mm:ss)")
        }
        guard hour <= 23 else { throw bad("no hour \(hour)") }
        guard minute <= 59 else { throw bad("no minute \(minute)") }
        guard second <= 59 else { throw bad(second == 60 ? "leap seconds are not supported" : "no second \(second)") }
        var millis: Int64 = 0
        if lx.eat(UInt8(ascii: ".")) {
            var count = 0
            while let d = lx.digit() {
                if count < 3 { millis = millis * 10 + Int64(d) }
                count += 1
            }
            guard count > 0 else { throw bad("no digits after '.'") }
            for _ in count..<max(count, 3) { millis *= 10 }
        }
        guard let z = lx.next() else { throw bad("time zone missing (add Z or an offset such as +01:00)") }
        var offsetSeconds: Int64 = 0
        switch z {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"): break
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = lx.number(2), lx.eat(UInt8(ascii: ":")), let om = lx.number(2) else {
                throw bad("time zone offset must be ±hh:mm")
            }
            guard oh <= 23, om <= 59 else { throw bad("no time zone offset \(oh):\(om)") }
            offsetSeconds = Int64(oh * 3600 + om * 60) * (z == UInt8(ascii: "-") ? -1 : 1)
        default:
            throw bad("time zone missing (add Z or an offset such as +01:00)")
        }
        guard lx.atEnd else { throw bad("unexpected text after the time zone") }
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - offsetSeconds
        guard seconds >= 0 else { throw bad("before 1970") }
        return .dateTime(seconds * 1000 + millis)
    }

    /// The first instant of `days` (since 1970-01-01) in `timeZone`: the instant whose local time is
    /// 00:00, the earlier one if midnight happens twice, or the transition itself if the zone skips it.
    private static func localMidnight(days: Int64, timeZone: LocalZone, text: Substring) throws(PositionError) -> Int64 {
        let naive = days * 86_400  // the wall-clock midnight, read as if it were UTC
        func offset(_ t: Int64) -> Int64 { Int64(timeZone.secondsFromGMT(t)) }
        let before = offset(naive - 86_400), after = offset(naive + 86_400)
        let candidates = Set([naive - before, naive - after]).sorted()
        if let t = candidates.first(where: { $0 + offset($0) == naive }) {
            guard t >= 0 else { throw PositionError("invalid time '\(text)': before 1970") }
            return t * 1000
        }
        // Midnight falls in a gap: the day begins at the transition, the first t in (lo, hi] whose
        // offset is no longer `before`.
        var lo = naive - after, hi = naive - before
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offset(mid) == before { lo = mid } else { hi = mid }
        }
        guard hi >= 0 else { throw PositionError("invalid time '\(text)': before 1970") }
        return hi * 1000
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

package struct PositionError: Error, Equatable, CustomStringConvertible {
    let message: String
    package var description: String { message }
    init(_ message: String) { self.message = message }
}

/// A cursor over ASCII bytes for the date grammar.
private struct Lexer {
    let bytes: [UInt8]
    var i = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i == bytes.count }

    mutating func next() -> UInt8? {
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return bytes[i]
    }

    mutating func eat(_ b: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == b else { return false }
        i += 1
        return true
    }

    mutating func digit() -> Int? {
        guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
        defer { i += 1 }
        return Int(bytes[i] - 0x30)
    }

    /// Exactly `width` digits.
    mutating func number(_ width: Int) -> Int? {
        let start = i
        var n = 0
        for _ in 0..<width {
            guard let d = digit() else {
                i = start
                return nil
            }
            n = n * 10 + d
        }
        return n
    }

    /// True when `s` is one or more ASCII digits.
    static func allDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

/// A time zone as the parser needs one: its offset from UTC at each instant. The tools pass `.system`
/// (the process's local zone: TZ, else /etc/localtime, read by libc as date(1) reads it); tests pass any
/// zone. Not Foundation's TimeZone: linking Foundation (and its ICU data) into every tool cost ~7 MiB of
/// resident memory at start-up, for one offset lookup.
package struct LocalZone: Sendable {
    /// Seconds east of UTC at `unixSeconds`.
    let secondsFromGMT: @Sendable (_ unixSeconds: Int64) -> Int

    init(secondsFromGMT: @escaping @Sendable (_ unixSeconds: Int64) -> Int) {
        self.secondsFromGMT = secondsFromGMT
    }

    static let utc = LocalZone { _ in 0 }

    /// The process's local zone, through localtime_r (which reads TZ and the zone database itself).
    package static let system = LocalZone { t in SystemCalls.localSecondsFromGMT(at: t) }
}

extension TimeSpec {
    /// Now, in milliseconds since the epoch (the wall clock: positions and lookups are by wall time).
    package static var nowMs: Int64 { SystemCalls.wallClockMilliseconds() }
}
