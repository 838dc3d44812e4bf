import XCTest
@testable import KafkaBinding

/// When the tools let libsasl2 load its plugins (CyrusSASL): only for GSSAPI, which librdkafka takes from
/// Cyrus; every other client skips them (rd_kafka_new 4-15 ms -> 1.3 ms on Debian's 2.0.2). The rule
/// reads the client's final configuration, so librdkafka's defaults count as librdkafka applies them.
final class CyrusSASLTests: XCTestCase {
    private func usesGSSAPI(_ properties: [(String, String)]) throws -> Bool {
        let config = RDKafkaConfig()
        for (key, value) in properties { try config.set(key, value) }
        return CyrusSASL.usesGSSAPI(try XCTUnwrap(config.pointer))
    }

    func testPlaintextAndSSLNeedNoPlugins() throws {
        XCTAssertFalse(try usesGSSAPI([]))
        XCTAssertFalse(try usesGSSAPI([("security.protocol", "plaintext")]))
        XCTAssertFalse(try usesGSSAPI([("security.protocol", "SSL")]))
        // A mechanism alone does not turn SASL on.
        XCTAssertFalse(try usesGSSAPI([("sasl.mechanisms", "GSSAPI")]))
    }

    func testSASLWithoutAMechanismIsGSSAPI() throws {
        // librdkafka's default sasl.mechanisms is GSSAPI.
        XCTAssertTrue(try usesGSSAPI([("security.protocol", "sasl_plaintext")]))
        XCTAssertTrue(try usesGSSAPI([("security.protocol", "SASL_SSL")]))
        XCTAssertTrue(try usesGSSAPI([("security.protocol", "sasl_ssl"), ("sasl.mechanism", "gssapi")]))
    }

    func testSASLWithLibrdkafkasOwnMechanismsNeedsNoPlugins() throws {
        for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] {
            XCTAssertFalse(try usesGSSAPI([("security.protocol", "sasl_ssl"), ("sasl.mechanisms", mechanism)]), mechanism)
        }
    }
}
