/// What a tool knows of a client error when it decides what to do with it: the class of its code,
/// whether the client calls it fatal or retriable, its text and its name. The binding makes one from
/// its `KafkaError` (`facts`); the rules (`ErrorMap`) see only this, so they are tested without a broker.
package struct ErrorFacts: Sendable, Equatable {
    /// The classes of codes that lead to different outcomes; every other code is `.other`.
    package enum Kind: Sendable, Equatable {
        /// A broker could not be reached (refused, reset, name not resolved).
        case transport
        /// Every broker of the bootstrap list is lost (the client reconnects on its own).
        case allBrokersDown
        /// No answer in time.
        case timeout
        /// The topic (or partition) is not known to the cluster.
        case unknownTopic
        /// Authentication failed, or an ACL refuses the topic, group or cluster.
        case authorization
        /// A bad argument, TLS setup, or a feature this client library lacks: the configuration is at fault.
        case configuration
        /// The broker does not support the request.
        case unsupported
        /// A schema registry does not know a schema id (404, error_code 40403): the data names it.
        case unknownSchema
        /// A schema registry does not know a subject or a subject's version (40401, 40402).
        case unknownSubject
        case other
    }

    package var kind: Kind
    package var isFatal: Bool
    package var isRetriable: Bool
    /// The client's text, as shown to the user.
    package var text: String
    /// The code's name, e.g. "UNKNOWN_TOPIC_OR_PART".
    package var name: String

    package init(_ kind: Kind, isFatal: Bool = false, isRetriable: Bool = false, text: String, name: String = "") {
        self.kind = kind
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.text = text
        self.name = name
    }

    /// A broker could not be reached, for whatever reason: worth another try until the deadline.
    package var isUnreachable: Bool { kind == .transport || kind == .allBrokersDown || kind == .timeout }
}
