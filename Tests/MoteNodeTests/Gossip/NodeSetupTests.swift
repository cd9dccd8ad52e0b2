import Foundation
import MoteGossip
import MoteSimulation
import XCTest

@testable import MoteNode

/// What a node checks before it starts: addresses, the key file, the sensors; and the status file it writes.
final class NodeSetupTests: XCTestCase {
    func testAddressesParse() throws {
        let v4 = try NodeAddress(parsing: "127.0.0.1:7946", option: "--listen")
        XCTAssertEqual(v4.peer, PeerAddress(ipv4: 0x7f00_0001, port: 7_946))
        XCTAssertEqual(v4.socketAddress.port, 7_946)
        XCTAssertFalse(v4.isUnspecified)
        let v6 = try NodeAddress(parsing: "[::1]:7000", option: "--listen")
        XCTAssertEqual(v6.peer, PeerAddress(ipv6High: 0, ipv6Low: 1, port: 7_000))
        XCTAssertTrue(try NodeAddress(parsing: "0.0.0.0:1", option: "--listen").isUnspecified)
        XCTAssertTrue(try NodeAddress(parsing: "[::]:1", option: "--listen").isUnspecified)
        XCTAssertEqual(NodeAddress(peer: v6.peer)?.socketAddress, v6.socketAddress)
        XCTAssertEqual(NodeAddress(peer: v4.peer)?.socketAddress, v4.socketAddress)
    }

    func testAnIPv4SocketReachesIPv4AddressesOnly() throws {
        let v4 = try NodeAddress(parsing: "0.0.0.0:7946", option: "--listen")
        let dualStack = try NodeAddress(parsing: "[::]:7946", option: "--listen")
        let mapped = try NodeAddress(parsing: "[::ffff:10.0.0.2]:7946", option: "--join")
        let v6 = try NodeAddress(parsing: "[fd00::2]:7946", option: "--join")
        let other = try NodeAddress(parsing: "10.0.0.2:7946", option: "--join")
        XCTAssertTrue(v4.reaches(other.peer))
        XCTAssertTrue(v4.reaches(mapped.peer), "an IPv4 address, however written")
        XCTAssertFalse(v4.reaches(v6.peer))
        XCTAssertTrue(dualStack.reaches(other.peer))
        XCTAssertTrue(dualStack.reaches(v6.peer))
    }

    func testBadAddressesSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("127.0.0.1", "expected ADDRESS:PORT"), ("127.0.0.1:0", "1-65535"), ("127.0.0.1:65536", "1-65535"),
            ("localhost:7946", "not a numeric IPv4 or IPv6 address"), ("[::1:7946", "expected [IPv6]:PORT"),
            ("10.0.0.300:1", "not a numeric"), ("::1:7946", "goes in brackets"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try NodeAddress(parsing: text, option: "--join"), text) { error in
                guard case .badAddress(let option, let value, let message)? = error as? NodeError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(option, "--join")
                XCTAssertEqual(value, text)
                XCTAssertTrue(message.contains(reason), "\(text): \(message)")
            }
        }
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mote-node-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func writeKeyFile(_ text: String, mode: Int, in directory: String) throws -> String {
        let path = directory + "/cluster.keys"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func testKeyFileIsLoadedOnlyWhenPrivate() throws {
        let directory = try temporaryDirectory()
        let key = ClusterKey.generateBase64()
        let path = try writeKeyFile("# primary\n\(key)\n", mode: 0o600, in: directory)
        XCTAssertEqual(try KeyFile.load(path: path).secondaries.count, 0)
        let link = directory + "/link.keys"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        XCTAssertNoThrow(try KeyFile.load(path: link), "a link is judged by its target")
        for mode in [0o644, 0o640, 0o604, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            XCTAssertThrowsError(try KeyFile.load(path: path)) {
                XCTAssertEqual($0 as? NodeError, .keyFileInsecure(path: path, mode: UInt16(mode)))
            }
        }
        XCTAssertThrowsError(try KeyFile.load(path: directory + "/none")) {
            XCTAssertEqual($0 as? NodeError, .keyFileMissing(path: directory + "/none"))
        }
        let bad = try writeKeyFile("not a key\n", mode: 0o400, in: directory)
        XCTAssertThrowsError(try KeyFile.load(path: bad)) {
            XCTAssertEqual($0 as? NodeError, .keyFileMalformed(path: bad, reason: KeyFileError.invalidKey(
                line: 1, reason: "not base64").description))
        }
        XCTAssertThrowsError(try KeyFile.load(path: directory)) {
            XCTAssertEqual($0 as? NodeError, .keyFileUnreadable(path: directory, reason: "not a regular file"))
        }
        XCTAssertTrue(NodeError.keyFileInsecure(path: "k", mode: 0o644).description.contains("chmod 600 k"))
    }

    func testTheSamplerAveragesTheDefaultBoardsSensors() throws {
        let sampler = try SensorSampler(board: try SimulatedBoard.defaultBoard())
        XCTAssertEqual(sampler.names, ["sht3x@0x44", "bme280@0x76"])
        let sample = sampler.sample()
        XCTAssertEqual(sample.sensorsRead, 2)
        // DefaultBoard.swift: the BME280 at 21.8 °C, 47 %RH, 100920 Pa; the SHT31 at 22.5 °C, 45 %RH.
        XCTAssertEqual(try XCTUnwrap(sample.temperatureCelsius), (21.8 + 22.5) / 2, accuracy: 0.02)
        XCTAssertEqual(try XCTUnwrap(sample.relativeHumidityPercent), 46, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(sample.pressurePascals), 100_920, accuracy: 3)
    }

    func testASamplerNeedsASensor() throws {
        let directory = try temporaryDirectory()
        let scenario = directory + "/empty.toml"
        try "[[i2c]]\nbus = 1\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SensorSampler(board: try SimulatedBoard.load(path: scenario))) {
            guard case .noSensors(let message)? = $0 as? NodeError else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("no supported sensor"), message)
        }
    }

    func testAShortPeriodScalesEveryTimeoutAndTheBudgetMatchesTheWire() {
        let standard = GossipConfiguration()
        let fast = GossipConfiguration.scaled(toPeriod: .milliseconds(200))
        XCTAssertEqual(fast.protocolPeriod, .milliseconds(200))
        XCTAssertEqual(fast.probeTimeout, standard.probeTimeout / 5)
        XCTAssertEqual(fast.gossipInterval, standard.gossipInterval / 5)
        XCTAssertEqual(fast.deathCertificateLifetime, standard.deathCertificateLifetime / 5)
        XCTAssertEqual(fast.deadMemberRetryInterval, standard.deadMemberRetryInterval / 5)
        XCTAssertEqual(fast.seedRetryInterval, standard.seedRetryInterval / 5)
        // The membership section's 737 bytes less its kind, length and count.
        XCTAssertEqual(fast.membershipByteBudget, 732)
    }

    func testStatusFileIsReplacedWholeAndReadsBack() throws {
        let path = try temporaryDirectory() + "/run/node.json"
        var report = NodeReport(
            time: "2026-11-21T00:00:00.000Z", node: "127.0.0.1:7001", generation: 5, incarnation: 0, round: 1,
            periodSeconds: 0.2, lamportClock: 9,
            members: [NodeReport.Member(address: "127.0.0.1:7002", status: "alive", generation: 3, incarnation: 1)],
            networkSize: 2, networkSizeConverged: true, epoch: 0,
            aggregates: ["temperature_celsius": NodeReport.Aggregate(average: 21, count: 2, converged: true)],
            local: ["temperature_celsius": 20], wire: NodeReport.Wire(sent: 3, dropped: ["replayed": 1]))
        try StatusFile.write(report, to: path)
        XCTAssertEqual(try StatusFile.read(from: path), report)
        report.round = 2
        try StatusFile.write(report, to: path)
        XCTAssertEqual(try StatusFile.read(from: path).round, 2)
        let line = report.jsonLine()
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.contains("\"network_size\":2"), line)
        XCTAssertTrue(line.contains("\"dropped\":{\"replayed\":1}"), line)
        XCTAssertEqual(StatusFile.defaultPath(port: 7001, environment: ["XDG_RUNTIME_DIR": "/run/user/5"]),
                       "/run/user/5/mote/node-7001.json")
    }
}
