// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Mote",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mote", targets: ["mote"]),
        .library(name: "MoteHAL", targets: ["MoteHAL"]),
        .library(name: "MoteLinux", targets: ["MoteLinux"]),
        .library(name: "MoteSimulation", targets: ["MoteSimulation"]),
        .library(name: "MoteSensors", targets: ["MoteSensors"]),
        .library(name: "MoteEnergy", targets: ["MoteEnergy"]),
        .library(name: "MoteGossip", targets: ["MoteGossip"]),
        .library(name: "MoteNode", targets: ["MoteNode"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CI2C", path: "Modules/CI2C"),
        .systemLibrary(name: "CGPIOD", path: "Modules/CGPIOD", pkgConfig: "libgpiod",
                       providers: [.apt(["libgpiod-dev"])]),
        .target(name: "MoteHAL"),
        .target(
            name: "MoteLinux",
            dependencies: [
                "MoteHAL", "CI2C", "CGPIOD",
            ]
        ),
        .target(name: "MoteSensors", dependencies: ["MoteHAL"]),
        .target(name: "MoteTOML", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        .target(
            name: "MoteGossip",
            dependencies: ["MoteSensors", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "MoteSimulation",
            dependencies: ["MoteHAL", "MoteTOML", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .target(
            name: "MoteEnergy",
            dependencies: ["MoteHAL", "MoteSensors", "MoteTOML", .product(name: "TOMLKit", package: "TOMLKit")],
            resources: [
                .embedInCode("Profiles/mica.toml"),
                .embedInCode("Profiles/pi-zero-2w.toml"),
                .embedInCode("Profiles/pi-4b.toml"),
            ]
        ),
        .target(
            name: "MoteNode",
            dependencies: [
                "MoteEnergy", "MoteGossip", "MoteSensors", "MoteHAL", "MoteSimulation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "mote",
            dependencies: [
                "MoteHAL", "MoteLinux", "MoteSimulation", "MoteSensors", "MoteEnergy", "MoteGossip", "MoteNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MoteHALTests", dependencies: ["MoteHAL", "MoteSimulation"]),
        .testTarget(name: "MoteLinuxTests", dependencies: ["MoteLinux", "MoteHAL"]),
        .testTarget(name: "MoteSimulationTests", dependencies: ["MoteSimulation", "MoteHAL"]),
        .testTarget(name: "MoteSensorsTests", dependencies: ["MoteSensors", "MoteSimulation", "MoteHAL"]),
        .testTarget(name: "MoteEnergyTests", dependencies: ["MoteEnergy", "MoteSensors", "MoteHAL"]),
        .testTarget(name: "MoteGossipTests", dependencies: ["MoteGossip"]),
        .testTarget(
            name: "MoteNodeTests",
            dependencies: [
                "MoteNode", "MoteEnergy", "MoteGossip", "MoteSimulation", "MoteHAL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "MoteCLITests", dependencies: ["MoteHAL", "MoteEnergy"]),
    ],
    swiftLanguageModes: [.v6]
)
