import XCTest
@testable import KafkaCore

/// The one error map: each class of error, in each context, to its exit status and line.
final class ErrorMapTests: XCTestCase {
    func facts(_ kind: ErrorFacts.Kind, fatal: Bool = false) -> ErrorFacts {
        ErrorFacts(kind, isFatal: fatal, text: "Broker: something", name: "SOMETHING")
    }

    let connecting = ErrorMap.Context.connecting(brokers: "h:9092", timeoutMs: 5000, topic: "t", access: "read")

    func testStatusByClass() {
        XCTAssertEqual(ErrorMap.status(facts(.transport)), .unavailable)
        XCTAssertEqual(ErrorMap.status(facts(.allBrokersDown)), .unavailable)
        XCTAssertEqual(ErrorMap.status(facts(.timeout)), .unavailable)
        XCTAssertEqual(ErrorMap.status(facts(.unknownTopic)), .unavailable)
        XCTAssertEqual(ErrorMap.status(facts(.unsupported)), .unavailable)
        XCTAssertEqual(ErrorMap.status(facts(.authorization)), .configError)
        XCTAssertEqual(ErrorMap.status(facts(.configuration)), .configError)
        XCTAssertEqual(ErrorMap.status(facts(.other)), .tempFailure)
    }

    func testConnectingToAMissingTopicIs69() {
        XCTAssertEqual(ErrorMap.failure(facts(.unknownTopic), connecting), ToolFailure(.unavailable, "topic \"t\" does not exist"))
    }

    func testConnectingWithoutAuthorizationIs78AndNamesTheTopic() {
        XCTAssertEqual(ErrorMap.failure(facts(.authorization), connecting),
                       ToolFailure(.configError, "not authorized to read \"t\": Broker: something"))
        let noTopic = ErrorMap.Context.connecting(brokers: "h:9092", timeoutMs: 5000)
        XCTAssertEqual(ErrorMap.failure(facts(.authorization), noTopic), ToolFailure(.configError, "not authorized: Broker: something"))
    }

    func testConnectingWithoutAnAnswerIs69AndSaysWhatWasTried() {
        for kind in [ErrorFacts.Kind.transport, .allBrokersDown, .timeout, .other, .unsupported] {
            XCTAssertEqual(ErrorMap.failure(facts(kind), connecting),
                           ToolFailure(.unavailable, "no broker answered within 5s (tried h:9092): Broker: something"), "\(kind)")
        }
        let fractional = ErrorMap.Context.connecting(brokers: "h:9092", timeoutMs: 1500)
        XCTAssertEqual(ErrorMap.failure(facts(.timeout), fractional).message,
                       "no broker answered within 1.5s (tried h:9092): Broker: something")
        // A TLS or argument problem on the first answer is still the configuration's fault.
        XCTAssertEqual(ErrorMap.failure(facts(.configuration), connecting).status, .configError)
        // A missing topic without a topic named (kmeta's first look at the cluster) is not "does not exist".
        XCTAssertEqual(ErrorMap.failure(facts(.unknownTopic), .connecting(brokers: "b", timeoutMs: 1000)).status, .unavailable)
    }

    func testATopicsOwnError() {
        XCTAssertEqual(ErrorMap.failure(facts(.unknownTopic), .topic("x")), ToolFailure(.unavailable, "topic \"x\" does not exist"))
        XCTAssertEqual(ErrorMap.failure(facts(.authorization), .topic("x")),
                       ToolFailure(.configError, "topic \"x\": Broker: something (SOMETHING)"))
        XCTAssertEqual(ErrorMap.failure(facts(.other), .topic("x")).status, .tempFailure)
    }

    func testARequestKeepsItsWordingAndTakesTheStatusOfItsClass() {
        XCTAssertEqual(ErrorMap.failure(facts(.timeout), .request("no offsets within 5s")),
                       ToolFailure(.unavailable, "no offsets within 5s: Broker: something"))
        XCTAssertEqual(ErrorMap.failure(facts(.authorization), .request("q")).status, .configError)
        XCTAssertEqual(ErrorMap.failure(facts(.other), .request("q")).status, .tempFailure)
    }

    func testDuringTheRun() {
        XCTAssertEqual(ErrorMap.duringRun(facts(.transport, fatal: true)), .fail(ToolFailure(.tempFailure, "fatal: Broker: something")))
        XCTAssertEqual(ErrorMap.duringRun(facts(.unknownTopic)), .fail(ToolFailure(.unavailable, "Broker: something")))
        XCTAssertEqual(ErrorMap.duringRun(facts(.authorization)), .fail(ToolFailure(.configError, "not authorized: Broker: something")))
        XCTAssertEqual(ErrorMap.duringRun(facts(.transport)), .waitOut)
        XCTAssertEqual(ErrorMap.duringRun(facts(.allBrokersDown)), .waitOut)
        XCTAssertEqual(ErrorMap.duringRun(facts(.timeout)), .note)
        XCTAssertEqual(ErrorMap.duringRun(facts(.other)), .note)
    }
}
