import XCTest
@testable import KafkaFilters
final class PlaceholderTests: XCTestCase { func testVersion() { XCTAssertFalse(KafkaFiltersVersion.string.isEmpty) } }
