// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "kafka-filters",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kput", targets: ["kput"]),
        .executable(name: "kpull", targets: ["kpull"]),
        .executable(name: "kstream", targets: ["kstream"]),
        .executable(name: "kmock", targets: ["kmock"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // Debian's librdkafka-dev (2.0.2); the shim also brings in rdkafka_mock.h for kmock and tests.
        .systemLibrary(
            name: "Crdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .target(
            name: "KafkaFilters",
            dependencies: [
                "Crdkafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "kput", dependencies: ["KafkaFilters"]),
        .executableTarget(name: "kpull", dependencies: ["KafkaFilters"]),
        .executableTarget(name: "kstream", dependencies: ["KafkaFilters"]),
        .executableTarget(name: "kmock", dependencies: ["KafkaFilters"]),
        .testTarget(name: "KafkaFiltersTests", dependencies: ["KafkaFilters"]),
        .testTarget(name: "EndToEndTests", dependencies: ["KafkaFilters"]),
    ],
    swiftLanguageModes: [.v6]
)
