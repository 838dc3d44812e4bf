import Crdkafka
public enum KafkaFiltersVersion { public static let string = "0.1.0" }
