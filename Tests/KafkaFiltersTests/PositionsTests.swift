import Foundation
import XCTest

@testable import KafkaCore

/// -o/--from, --until and the TIME forms (issue 14), and kput's --timestamp-field values (issue 15).
/// Expected instants come from GNU date(1) (the command is in a comment beside each value) or from
/// Foundation's ISO8601DateFormatter and Calendar as independent oracles; none from the parser itself.
final class PositionsTests: XCTestCase {
    private let utc = TimeZone(identifier: "UTC")!
    private let newYork = TimeZone(identifier: "America/New_York")!
    /// 2026-12-01T08:00:00Z: `date -u -d 2026-12-01T08:00:00Z +%s%3N`
    private let now: Int64 = 1_796_112_000_000

    private func time(_ text: String, zone: TimeZone? = nil, file: StaticString = #filePath, line: UInt = #line) -> Int64? {
        do {
            return try TimeSpec.parse(text, nowMs: now, timeZone: zone ?? utc)
        } catch {
            XCTFail("'\(text)': \(error)", file: file, line: line)
            return nil
        }
    }

    private func assertTimeThrows(_ text: String, zone: TimeZone? = nil, mentions part: String? = nil,
                                  file: StaticString = #filePath, line: UInt = #line) {
        do {
            let v = try TimeSpec.parse(text, nowMs: now, timeZone: zone ?? utc)
            XCTFail("'\(text)' parsed as \(v)", file: file, line: line)
        } catch {
            assertOneLine(error, naming: part ?? text, file: file, line: line)
        }
    }

    private func assertOneLine(_ error: PositionError, naming part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(error.message.contains("\n"), error.message, file: file, line: line)
        XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        XCTAssertTrue(error.message.contains(part), "'\(error.message)' does not name '\(part)'", file: file, line: line)
        XCTAssertEqual(error.description, error.message, file: file, line: line)
    }

    private func start(_ text: String, zone: TimeZone? = nil) throws -> StartPositions {
        try StartPositions.parse(text, nowMs: now, timeZone: zone ?? utc)
    }

    private func assertStartThrows(_ text: String, mentions part: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let v = try StartPositions.parse(text, nowMs: now, timeZone: utc)
            XCTFail("'\(text)' parsed as \(v)", file: file, line: line)
        } catch {
            assertOneLine(error, naming: part, file: file, line: line)
        }
    }

    // MARK: start positions

    func testSinglePositions() throws {
        XCTAssertEqual(try start("beginning"), StartPositions(all: .beginning))
        XCTAssertEqual(try start("start"), StartPositions(all: .beginning))
        XCTAssertEqual(try start("oldest"), StartPositions(all: .beginning))
        XCTAssertEqual(try start("end"), StartPositions(all: .end))
        XCTAssertEqual(try start("newest"), StartPositions(all: .end))
        XCTAssertEqual(try start("0"), StartPositions(all: .offset(0)))
        XCTAssertEqual(try start("10"), StartPositions(all: .offset(10)))
        XCTAssertEqual(try start("9223372036854775807"), StartPositions(all: .offset(Int64.max)))
        XCTAssertEqual(try start("-5"), StartPositions(all: .beforeEnd(5)))
        XCTAssertEqual(try start("-1"), StartPositions(all: .beforeEnd(1)))
        XCTAssertEqual(try start("@1796108781248"), StartPositions(all: .timestamp(1_796_108_781_248)))
        // date -u -d 2026-11-30T00:00:00Z +%s%3N -> 1795996800000
        XCTAssertEqual(try start("@2026-11-30T00:00:00Z"), StartPositions(all: .timestamp(1_795_996_800_000)))
        XCTAssertEqual(try start("@-1h"), StartPositions(all: .timestamp(now - 3_600_000)))
        XCTAssertNil(try start("end").partitions.first)
    }

    func testPerPartitionLists() throws {
        let p = try start("0:100,1:200")
        XCTAssertEqual(p, StartPositions(all: nil, partitions: [0: .offset(100), 1: .offset(200)]))
        XCTAssertEqual(p.position(for: 0), .offset(100))
        XCTAssertNil(p.position(for: 2))

        // The colons inside a time do not split the item; only the digits before the first colon do.
        let t = try start("2:@2026-11-30T00:00:00Z,0:-5,1:beginning,3:end,4:@-2d")
        XCTAssertEqual(t.partitions, [
            2: .timestamp(1_795_996_800_000), 0: .beforeEnd(5), 1: .beginning, 3: .end, 4: .timestamp(now - 2 * 86_400_000),
        ])
        XCTAssertNil(t.all)

        // One item without a partition is the default for the partitions not named.
        let d = try start("0:100,end")
        XCTAssertEqual(d, StartPositions(all: .end, partitions: [0: .offset(100)]))
        XCTAssertEqual(d.position(for: 7), .end)
        XCTAssertEqual(d.position(for: 0), .offset(100))
        XCTAssertEqual(try start("@2026-11-30T01:00:00+01:00,5:7"),
                       StartPositions(all: .timestamp(1_795_996_800_000), partitions: [5: .offset(7)]))
        XCTAssertEqual(try start("2147483647:1"), StartPositions(partitions: [Int32.max: .offset(1)]))
        XCTAssertEqual(try start("0:0"), StartPositions(partitions: [0: .offset(0)]))
    }

    func testBadStartPositions() {
        assertStartThrows("", mentions: "empty")
        assertStartThrows("--5", mentions: "--5")
        assertStartThrows("-0", mentions: "-0")
        assertStartThrows("-", mentions: "'-'")
        assertStartThrows("+5", mentions: "+5")
        assertStartThrows("5x", mentions: "5x")
        assertStartThrows(" 5", mentions: " 5")
        assertStartThrows("Beginning", mentions: "Beginning")
        assertStartThrows("stored", mentions: "stored")
        assertStartThrows("9223372036854775808", mentions: "9223372036854775808")
        assertStartThrows("-9223372036854775808", mentions: "-9223372036854775808")
        assertStartThrows("0:1,0:2", mentions: "partition 0")
        assertStartThrows("00:1,0:2", mentions: "partition 0")
        assertStartThrows("end,beginning", mentions: "more than one")
        assertStartThrows("0:1,,1:2", mentions: "empty item")
        assertStartThrows("0:1,", mentions: "empty item")
        assertStartThrows(",", mentions: "empty item")
        assertStartThrows("0:", mentions: "empty position")
        assertStartThrows("2147483648:1", mentions: "2147483648:1")
        assertStartThrows("-1:5", mentions: "-1:5")  // not digits before the colon: a (bad) plain position
        assertStartThrows("x:5", mentions: "x:5")
        assertStartThrows("0:--5", mentions: "--5")
        assertStartThrows("1:@2026-02-30", mentions: "2026-02-30")
        assertStartThrows("@", mentions: "empty time")
        assertStartThrows("@+1h", mentions: "+1h")
        assertStartThrows("@2026-11-30T00:00:00", mentions: "zone")
    }

    // MARK: stop positions

    func testStopPositions() throws {
        func stop(_ s: String) throws -> StopPosition { try StopPosition.parse(s, nowMs: now, timeZone: newYork) }
        XCTAssertEqual(try stop("end"), .end)
        XCTAssertEqual(try stop("0"), .offset(0))
        XCTAssertEqual(try stop("12345"), .offset(12345))
        XCTAssertEqual(try stop("@1796108781248"), .timestamp(1_796_108_781_248))
        // TZ=America/New_York date -d 2026-11-30 +%s -> 1796014800
        XCTAssertEqual(try stop("@2026-11-30"), .timestamp(1_796_014_800_000))
        XCTAssertEqual(try stop("@-30m"), .timestamp(now - 1_800_000))
        for bad in ["", "-5", "beginning", "0:5", "@", "@x", "99999999999999999999", "end ", "@+1h"] {
            XCTAssertThrowsError(try stop(bad), bad) { error in
                let e = error as! PositionError
                XCTAssertFalse(e.message.contains("\n"))
                let part = bad.isEmpty ? "empty" : bad.hasPrefix("@") && bad.count > 1 ? String(bad.dropFirst()) : bad
                XCTAssertTrue(e.message.contains(part), e.message)
            }
        }
    }

    // MARK: times

    func testEpochMilliseconds() {
        XCTAssertEqual(time("1796108781248"), 1_796_108_781_248)
        XCTAssertEqual(time("0"), 0)
        XCTAssertEqual(time("9223372036854775807"), Int64.max)
        assertTimeThrows("9223372036854775808", mentions: "9223372036854775808")
        assertTimeThrows("17961087812.48", mentions: "17961087812.48")
    }

    func testRFC3339RecordedWithDate() {
        // Each: date -u -d TEXT +%s%3N
        XCTAssertEqual(time("2026-11-30T00:00:00Z"), 1_795_996_800_000)
        XCTAssertEqual(time("2026-11-30t00:00:00z"), 1_795_996_800_000)
        XCTAssertEqual(time("2026-11-30 00:00:00Z"), 1_795_996_800_000)
        XCTAssertEqual(time("2026-11-30T01:00:00.250+01:00"), 1_795_996_800_250)
        XCTAssertEqual(time("2024-02-29T12:34:56+05:30"), 1_709_190_296_000)  // India, a leap day
        XCTAssertEqual(time("2026-12-31T23:59:59.999-05:00"), 1_798_779_599_999)
        XCTAssertEqual(time("2000-03-01T00:00:00-00:00"), 951_868_800_000)
        XCTAssertEqual(time("1970-01-01T00:00:00Z"), 0)
        // Fractions: shorter ones are scaled, longer ones truncated to the millisecond.
        XCTAssertEqual(time("2026-11-30T00:00:00.5Z"), 1_795_996_800_500)
        XCTAssertEqual(time("2026-11-30T00:00:00.05Z"), 1_795_996_800_050)
        XCTAssertEqual(time("2026-11-30T00:00:00.123456789Z"), 1_795_996_800_123)
        // The zone does not change with the local one.
        XCTAssertEqual(time("2026-11-30T00:00:00Z", zone: newYork), 1_795_996_800_000)
    }

    func testRFC3339AgainstISO8601DateFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var rng = SystemRandomNumberGenerator()
        let offsets = [0, 3600, -3600, 19_800, -19_800, 20_700, -34_200, 50_400, -43_200, 5_400]
        for i in 0..<2_000 {
            let ms = Int64.random(in: 0...4_102_444_800_000, using: &rng)  // 1970...2100
            formatter.timeZone = TimeZone(secondsFromGMT: offsets[i % offsets.count])!
            let text = formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
            // The formatter rounds its three digits; what it printed is what it means.
            let meant = Int64((formatter.date(from: text)!.timeIntervalSince1970 * 1000).rounded())
            XCTAssertEqual(time(text), meant, text)
            XCTAssertEqual(TimeSpec.parseTimestamp(text), meant, text)
        }
    }

    func testPlainDatesInLocalZones() {
        // TZ=America/New_York date -d DATE +%s
        XCTAssertEqual(time("2026-11-30", zone: newYork), 1_796_014_800_000)
        XCTAssertEqual(time("2026-03-08", zone: newYork), 1_772_946_000_000)  // DST begins this day (at 2 a.m.)
        XCTAssertEqual(time("2026-03-09", zone: newYork), 1_773_028_800_000)  // the first day on EDT
        XCTAssertEqual(time("2026-11-01", zone: newYork), 1_793_505_600_000)  // DST ends this day
        XCTAssertEqual(time("2026-11-02", zone: newYork), 1_793_595_600_000)
        XCTAssertEqual(time("2024-02-29", zone: newYork), 1_709_182_800_000)
        // TZ=Asia/Kolkata date -d 2026-11-30 +%s: +05:30
        XCTAssertEqual(time("2026-11-30", zone: TimeZone(identifier: "Asia/Kolkata")!), 1_795_977_000_000)
        // TZ=Pacific/Auckland date -d 2026-04-05 +%s: the day NZ leaves daylight time
        XCTAssertEqual(time("2026-04-05", zone: TimeZone(identifier: "Pacific/Auckland")!), 1_775_300_400_000)
        XCTAssertEqual(time("2026-11-30", zone: utc), 1_795_996_800_000)
        // Midnight skipped (Havana springs forward at 00:00): date(1) says "invalid date"; we take
        // the day's first instant, 01:00: TZ=America/Havana date -d "2026-03-08 01:00" +%s
        XCTAssertEqual(time("2026-03-08", zone: TimeZone(identifier: "America/Havana")!), 1_772_946_000_000)
        // TZ=America/Sao_Paulo date -d "2018-11-04 01:00" +%s (Brazil's DST then began at midnight)
        XCTAssertEqual(time("2018-11-04", zone: TimeZone(identifier: "America/Sao_Paulo")!), 1_541_300_400_000)
        // Beirut falls back from 00:00 to 23:00: TZ=Asia/Beirut date -d 2026-10-25 +%s
        XCTAssertEqual(time("2026-10-25", zone: TimeZone(identifier: "Asia/Beirut")!), 1_792_879_200_000)
    }

    func testPlainDatesAgainstFoundationCalendar() {
        let zones = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham",
                     "America/St_Johns", "Europe/London", "UTC"].map { TimeZone(identifier: $0)! }
        var rng = SystemRandomNumberGenerator()
        for zone in zones {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            for _ in 0..<300 {
                let y = Int.random(in: 1971...2099, using: &rng), m = Int.random(in: 1...12, using: &rng)
                let d = Int.random(in: 1...28, using: &rng)
                let midnight = calendar.date(from: DateComponents(year: y, month: m, day: d))!
                let text = String(format: "%04d-%02d-%02d", y, m, d)
                XCTAssertEqual(time(text, zone: zone), Int64(midnight.timeIntervalSince1970) * 1000, "\(text) \(zone.identifier)")
            }
        }
    }

    func testPastDurations() {
        XCTAssertEqual(time("-90s"), now - 90_000)
        XCTAssertEqual(time("-30m"), now - 1_800_000)
        XCTAssertEqual(time("-1h"), now - 3_600_000)
        XCTAssertEqual(time("-2d"), now - 172_800_000)
        XCTAssertEqual(time("-1w"), now - 604_800_000)
        XCTAssertEqual(time("-250ms"), now - 250)
        XCTAssertEqual(time("-1h30m"), now - 5_400_000)
        XCTAssertEqual(time("-1d2h3m4s5ms"), now - (86_400_000 + 7_200_000 + 180_000 + 4_000 + 5))
        XCTAssertEqual(time("-0h5m"), now - 300_000)
    }

    func testBadTimes() {
        assertTimeThrows("", mentions: "empty")
        assertTimeThrows("+1h", mentions: "+1h")
        assertTimeThrows("+1796108781248", mentions: "+1796108781248")
        assertTimeThrows("-", mentions: "'-'")
        assertTimeThrows("-90", mentions: "unit")
        assertTimeThrows("-1y", mentions: "'y'")
        assertTimeThrows("-1H", mentions: "'H'")
        assertTimeThrows("-h", mentions: "-h")
        assertTimeThrows("-0s", mentions: "-0s")
        assertTimeThrows("-30m1h", mentions: "largest")
        assertTimeThrows("-1h1h", mentions: "largest")
        assertTimeThrows("-1h 30m", mentions: "-1h 30m")
        assertTimeThrows("-100000w", mentions: "1970")
        assertTimeThrows("-99999999999999999999s", mentions: "range")
        assertTimeThrows("-9223372036854775807w", mentions: "range")
        assertTimeThrows("2026-02-30", mentions: "2026-02-30")
        assertTimeThrows("2025-02-29", mentions: "2025-02-29")  // not a leap year
        assertTimeThrows("1900-02-29", mentions: "1900-02-29")  // not a leap year either
        assertTimeThrows("2026-13-01", mentions: "month 13")
        assertTimeThrows("2026-00-10", mentions: "month 0")
        assertTimeThrows("2026-04-31", mentions: "day 31")
        assertTimeThrows("2026-11-30T00:00:00", mentions: "zone")
        assertTimeThrows("2026-11-30T00:00:00.5", mentions: "zone")
        assertTimeThrows("2026-11-30T00:00Z", mentions: "seconds")
        assertTimeThrows("2026-11-30T24:00:00Z", mentions: "hour 24")
        assertTimeThrows("2026-11-30T23:60:00Z", mentions: "minute 60")
        assertTimeThrows("2026-12-31T23:59:60Z", mentions: "leap")
        assertTimeThrows("2026-11-30T00:00:00.Z", mentions: "'.'")
        assertTimeThrows("2026-11-30T00:00:00+0100", mentions: "hh:mm")
        assertTimeThrows("2026-11-30T00:00:00+24:00", mentions: "24:0")
        assertTimeThrows("2026-11-30T00:00:00ZZ", mentions: "after the time zone")
        assertTimeThrows("2026-11-30T00:00:00 UTC", mentions: "zone")
        assertTimeThrows("2026-11-30X00:00:00Z", mentions: "'T'")
        assertTimeThrows("2026-11-30 ", mentions: "2026-11-30 ")
        assertTimeThrows("26-11-30", mentions: "26-11-30")
        assertTimeThrows("2026-1-30", mentions: "2026-1-30")
        assertTimeThrows("1969-12-31T23:59:59Z", mentions: "1970")
        assertTimeThrows("1970-01-01T00:00:00+01:00", mentions: "1970")
        assertTimeThrows("yesterday", mentions: "yesterday")
        assertTimeThrows("２０２６-11-30", mentions: "２０２６")  // full-width digits are not digits here
    }

    func testParseTimestampForKputFieldValues() {
        XCTAssertEqual(TimeSpec.parseTimestamp("1796108781248"), 1_796_108_781_248)
        XCTAssertEqual(TimeSpec.parseTimestamp("0"), 0)
        XCTAssertEqual(TimeSpec.parseTimestamp("2026-11-30T01:00:00.250+01:00"), 1_795_996_800_250)
        XCTAssertEqual(TimeSpec.parseTimestamp("2026-11-30 00:00:00z"), 1_795_996_800_000)
        for bad in ["", "2026-11-30", "2026-11-30T00:00:00", "-1h", "-5", "+5", "1.5", "now", "9223372036854775808",
                    "2026-02-30T00:00:00Z", " 1", "1 "] {
            XCTAssertNil(TimeSpec.parseTimestamp(bad), bad)
        }
    }
}
