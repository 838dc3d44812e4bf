import Foundation
import XCTest

@testable import KafkaCore

/// The tests give the parser Foundation's zones (an independent zone database); the tools give it libc's
/// local zone (`LocalZone.system`), which these check against Foundation's under TZ.
extension LocalZone {
    init(_ zone: TimeZone) {
        self.init { t in zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))) }
    }
}

extension TimeSpec {
    static func parse(_ text: String, nowMs: Int64, timeZone: TimeZone) throws(PositionError) -> Int64 {
        try parse(text, nowMs: nowMs, timeZone: LocalZone(timeZone))
    }
}

extension StartPositions {
    static func parse(_ text: String, nowMs: Int64, timeZone: TimeZone) throws(PositionError) -> StartPositions {
        try parse(text, nowMs: nowMs, timeZone: LocalZone(timeZone))
    }
}

extension StopPosition {
    static func parse(_ text: String, nowMs: Int64, timeZone: TimeZone) throws(PositionError) -> StopPosition {
        try parse(text, nowMs: nowMs, timeZone: LocalZone(timeZone))
    }
}

final class LocalZoneTests: XCTestCase {
    /// libc's local zone (what the tools use) gives the offsets Foundation's zone database gives, DST
    /// days and half-hour zones included, for the zone TZ names.
    func testSystemZoneFollowsTZAsFoundationReadsIt() throws {
        let saved = ProcessInfo.processInfo.environment["TZ"]
        defer {
            if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
            tzset()
        }
        // 2026-03-08 and 2026-11-01 (US DST changes), 2026-04-05 (Auckland), a leap day, now.
        let instants: [Int64] = [1_772_953_200, 1_772_960_400, 1_793_512_800, 1_775_300_400, 1_835_395_200, TimeSpec.nowMs / 1000]
        for name in ["America/New_York", "Asia/Kolkata", "Pacific/Auckland", "America/Havana", "UTC"] {
            setenv("TZ", name, 1)
            tzset()
            let foundation = LocalZone(TimeZone(identifier: name)!)
            for t in instants {
                XCTAssertEqual(LocalZone.system.secondsFromGMT(t), foundation.secondsFromGMT(t), "\(name) at \(t)")
            }
            // And through the parser: a plain date is local midnight.
            XCTAssertEqual(try TimeSpec.parse("2026-11-30", nowMs: 0, timeZone: LocalZone.system),
                           try TimeSpec.parse("2026-11-30", nowMs: 0, timeZone: TimeZone(identifier: name)!), name)
        }
    }

    func testNowIsTheWallClock() {
        let foundation = Int64(Date().timeIntervalSince1970 * 1000)
        XCTAssertLessThan(abs(TimeSpec.nowMs - foundation), 2_000)
    }
}
