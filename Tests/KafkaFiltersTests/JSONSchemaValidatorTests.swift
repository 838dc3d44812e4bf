import XCTest
@testable import KafkaCore

/// kput's JSON Schema check (issue 22's write side): each keyword it checks, named paths, $ref inside
/// the schema (recursive too), draft 4's exclusive flags, and the keywords it says it does not check.
final class JSONSchemaValidatorTests: XCTestCase {
    func check(_ schema: String, _ line: String, file: StaticString = #filePath, line l: UInt = #line) throws -> String? {
        let validator = try JSONSchemaValidator(parsing: schema)
        return Array(line.utf8).withUnsafeBytes { validator.check($0)?.description }
    }

    static let order = #"""
        {"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
         "properties":{"id":{"type":"integer","minimum":1},
                       "state":{"enum":["NEW","PAID"]},
                       "address":{"type":["object","null"],"properties":{"zip":{"type":"integer"},"city":{"type":"string","minLength":1,"maxLength":5}},"required":["zip"]},
                       "tags":{"type":"array","items":{"type":"string"},"maxItems":2,"uniqueItems":true},
                       "odd name":{"const":7}},
         "required":["id","state"],"additionalProperties":false}
        """#

    func testAFittingLinePasses() throws {
        XCTAssertNil(try check(Self.order, #"{"id":1,"state":"NEW","address":{"zip":1,"city":"Oslo"},"tags":["a","b"],"odd name":7}"#))
        XCTAssertNil(try check(Self.order, #"{"id":2.0,"state":"PAID","address":null}"#), "2.0 is an integer")
    }

    func testEachMisfitIsNamedByItsPath() throws {
        let cases: [(String, String)] = [
            (#"{"id":1,"state":"NEW","address":{"zip":"x"}}"#, #"$.address.zip: expected integer, got "x""#),
            (#"{"id":0,"state":"NEW"}"#, "$.id: expected a number ≥ 1, got 0"),
            (#"{"id":1.5,"state":"NEW"}"#, "$.id: expected integer, got 1.5"),
            (#"{"id":1,"state":"GONE"}"#, #"$.state: expected one of the schema's enum values, got "GONE""#),
            (#"{"id":1}"#, #"$: expected member "state", which is required"#),
            (#"{"id":1,"state":"NEW","address":{}}"#, #"$.address: expected member "zip", which is required"#),
            (#"{"id":1,"state":"NEW","address":{"zip":1,"city":""}}"#, "$.address.city: expected a string of at least 1 characters, got 0"),
            (#"{"id":1,"state":"NEW","address":{"zip":1,"city":"Zürich"}}"#, "$.address.city: expected a string of at most 5 characters, got 6"),
            (#"{"id":1,"state":"NEW","tags":["a",2]}"#, "$.tags[1]: expected string, got 2"),
            (#"{"id":1,"state":"NEW","tags":["a","b","c"]}"#, "$.tags: expected at most 2 items, got 3"),
            (#"{"id":1,"state":"NEW","tags":["a","a"]}"#, "$.tags: expected unique items, item 1 repeats item 0"),
            (#"{"id":1,"state":"NEW","odd name":8}"#, #"$["odd name"]: expected the schema's const value, got 8"#),
            (#"{"id":1,"state":"NEW","extra":1}"#, #"$: no member "extra" is allowed (additionalProperties)"#),
            (#"[1]"#, "$: expected object, got [1]"),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(try check(Self.order, line), expected, line)
        }
    }

    func testRefsRecursionAndCombinators() throws {
        let tree = #"""
            {"definitions":{"node":{"type":"object","properties":{"v":{"type":"number","multipleOf":0.5},
              "kids":{"type":"array","items":{"$ref":"#/definitions/node"}}},"required":["v"]}},
             "$ref":"#/definitions/node"}
            """#
        XCTAssertNil(try check(tree, #"{"v":1,"kids":[{"v":1.5,"kids":[{"v":2}]}]}"#))
        XCTAssertEqual(try check(tree, #"{"v":1,"kids":[{"v":1.5,"kids":[{"v":2.2}]}]}"#), "$.kids[0].kids[0].v: expected a multiple of 0.5, got 2.2")
        let combos = #"{"anyOf":[{"type":"string"},{"type":"integer"}],"not":{"const":"no"}}"#
        XCTAssertNil(try check(combos, "3"))
        XCTAssertNil(try check(combos, #""yes""#))
        XCTAssertEqual(try check(combos, "true"), "$: expected a value matching one of anyOf's 2 schemas, got true")
        XCTAssertEqual(try check(combos, #""no""#), #"$: expected a value the schema's not refuses, got "no""#)
        let one = #"{"oneOf":[{"maximum":10},{"minimum":5}]}"#
        XCTAssertNil(try check(one, "3"))
        XCTAssertEqual(try check(one, "7"), "$: expected a value matching exactly one of oneOf's 2 schemas, 2 match 7")
        XCTAssertEqual(try check(one, #""s""#), #"$: expected a value matching exactly one of oneOf's 2 schemas, 2 match "s""#, "bounds do not apply to strings")
        let conditional = #"{"if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["a"]},"else":{"required":["b"]}}"#
        XCTAssertNil(try check(conditional, #"{"kind":"a","a":1}"#))
        XCTAssertEqual(try check(conditional, #"{"kind":"z","a":1}"#), #"$: expected member "b", which is required"#)
        XCTAssertEqual(try check(#"{"items":[{"type":"string"}],"additionalItems":false}"#, #"["a",1]"#), "$: expected at most 1 items, got 2")
        XCTAssertEqual(try check("false", "1"), "$: no value is allowed here, got 1")
        XCTAssertNil(try check("true", "1"))
    }

    func testDraft4ExclusiveFlagsAndDraft6Numbers() throws {
        XCTAssertEqual(try check(#"{"minimum":1,"exclusiveMinimum":true}"#, "1"), "$: expected a number > 1, got 1")
        XCTAssertNil(try check(#"{"minimum":1,"exclusiveMinimum":false}"#, "1"))
        XCTAssertEqual(try check(#"{"exclusiveMaximum":3}"#, "3"), "$: expected a number < 3, got 3")
    }

    func testWhatIsNotCheckedIsNamedAndRefused() throws {
        let v = try JSONSchemaValidator(parsing: #"{"type":"object","properties":{"s":{"type":"string","pattern":"^a","format":"email"}},"patternProperties":{"x":{}},"$ref":"other.json#/x"}"#)
        XCTAssertEqual(v.unchecked, ["$ref other.json#/x", "format", "pattern", "patternProperties"])
        XCTAssertNil(Array(#"{"s":"b"}"#.utf8).withUnsafeBytes { v.check($0) }, "not refused for what is not checked")
        XCTAssertThrowsError(try JSONSchemaValidator(parsing: #"{"type":"decimal"}"#))
        XCTAssertThrowsError(try JSONSchemaValidator(parsing: #"{"minimum":"1"}"#))
        XCTAssertThrowsError(try JSONSchemaValidator(parsing: ##"{"$ref":"#/definitions/missing"}"##))
        XCTAssertThrowsError(try JSONSchemaValidator(parsing: "{"))
    }
}
