import ArgumentParser
import XCTest

@testable import KafkaFilters
@testable import KafkaCore

/// -o/--from, --until, -p, --no-group and --seek become a job, or one usage error (exit 64).
final class ConsumerOptionsTests: XCTestCase {
    private func job(_ args: [String], from: String? = nil, until: String? = nil) throws -> ConsumeJob {
        let options = try ConsumerOptions.parse(["-t", "t"] + args)
        return try options.job(tool: "kpull", defaultFrom: .beginning, from: from, until: until)
    }

    private func usage(_ args: [String], from: String? = nil, until: String? = nil) -> String? {
        do {
            _ = try job(args, from: from, until: until)
            return nil
        } catch let failure as ToolFailure {
            XCTAssertEqual(failure.status, .usage)
            return failure.message
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }

    func testPlainBeginningOrEndStaysAutoOffsetReset() throws {
        let j = try job([], from: "end")
        XCTAssertEqual(j.from, .end)
        XCTAssertNil(j.start, "no lookups for a plain --from end")
        XCTAssertEqual(j.commit, .storedOffsets)
        XCTAssertFalse(j.groupless)
    }

    func testAnythingElseIsAStartToResolve() throws {
        XCTAssertEqual(try job([], from: "-5").start, StartPositions(all: .beforeEnd(5)))
        XCTAssertEqual(try job([], from: "0:10,end").start, StartPositions(all: .end, partitions: [0: .offset(10)]))
        XCTAssertEqual(try job(["--seek"], from: "beginning").start, StartPositions(all: .beginning), "--seek needs the position")
    }

    func testPartitionsWithoutAGroupReadWithoutOne() throws {
        let j = try job(["-p", "1,2", "-p", "5"])
        XCTAssertEqual(j.partitions, [1, 2, 5])
        XCTAssertTrue(j.groupless)
        XCTAssertEqual(j.commit, .none)
        let g = try job(["-p", "1", "-g", "G"])
        XCTAssertFalse(g.groupless, "-p with -g: assigned, committed to G")
        XCTAssertTrue(try job(["--no-group"]).groupless)
    }

    func testUntilImpliesExitAtEnd() throws {
        let j = try job([], until: "15")
        XCTAssertEqual(j.until, .offset(15))
        XCTAssertTrue(j.exitAtEnd)
    }

    func testContradictionsAndBadValuesAreUsageErrors() {
        XCTAssertNotNil(usage(["-p", "x"]))
        XCTAssertNotNil(usage(["-p", "1,1"]))
        XCTAssertNotNil(usage(["-p", "1,"]))
        XCTAssertNotNil(usage(["--no-group", "-g", "G"]))
        XCTAssertNotNil(usage(["--seek"]), "--seek without --from")
        XCTAssertNotNil(usage(["--seek", "--no-group"], from: "0"))
        XCTAssertNotNil(usage([], from: "@nonsense"))
        XCTAssertNotNil(usage([], until: "-5"))
        XCTAssertNil(usage(["-g", "G", "--seek"], from: "5"))
        XCTAssertNotNil(usage(["-t", "^logs-.*", "--no-group"]), "a pattern needs a group's subscription")
    }
}
