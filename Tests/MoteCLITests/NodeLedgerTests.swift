import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `mote node` keeps the energy ledger: two nodes on loopback charge the bytes their sockets carried, their CPU
/// time and their sensors' conversions; a restart adds to the totals; bad input is one line with its own code.
///
/// Every wait is bounded (60 s: a bound on a hang, not a measure of speed); every process is killed and reaped in
/// teardown, whatever happens.
final class NodeLedgerTests: MoteProcessTestCase {
    typealias NodeProcess = GossipClusterTests.NodeProcess

    /// The Zero 2 W profile leaves the Wi-Fi's transmit and receive currents at 0 A (none published); a user who
    /// measured theirs gives them in a config file, as here, so network energy shows as more than time.
    static let config = """
        profile = "pi-zero-2w"

        [[component]]
        name = "wlan0"
        transmit_amperes = 0.2
        receive_amperes = 0.06
        """
    /// wlan0's on-air bit rate in that profile (802.11n MCS7, short guard interval).
    static let bitRate = 72.2e6
    /// UDP (8) + IPv4 (20) header bytes per datagram, which the ledger adds to the sealed bytes the report counts.
    static let overhead = 28.0
    static let bound: TimeInterval = 60

    func writeConfig(in directory: String) throws -> String {
        let path = directory + "/energy.toml"
        try Self.config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func arguments(port: UInt16, join: UInt16, keyFile: String, config: String, stateDir: String, rounds: Int?,
                   directory: String) -> [String] {
        ["node", "--simulate", "--listen", "127.0.0.1:\(port)", "--join", "127.0.0.1:\(join)",
         "--key-file", keyFile, "--cluster", "ledger-test", "--period", "100ms", "--sample-interval", "300ms",
         "--json", "--status-file", directory + "/status-\(port).json", "--config", config, "--state-dir", stateDir]
            + (rounds.map { ["--rounds", "\($0)"] } ?? [])
    }

    /// Waits (bounded) for `node` to exit; kills it and fails if it does not.
    func waitForExit(_ node: NodeProcess, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(Self.bound)
        while node.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if node.process.isRunning {
            node.kill()
            XCTFail("\(node.port) still running after \(Int(Self.bound)) s: \(node.stderr)", file: file, line: line)
        }
        node.process.waitUntilExit()
    }

    /// `mote energy report --format json` for `directory`.
    func report(_ directory: String, file: StaticString = #filePath, line: UInt = #line) throws -> Ledger {
        let run = try mote(["energy", "report", "--state-dir", directory, "--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return Ledger(try XCTUnwrap(object, run.stdout, file: file, line: line))
    }

    /// The parts of the report JSON these tests read.
    struct Ledger {
        var sessions: Int
        var elapsedSeconds: Double
        /// component → state → (time, energy).
        var states: [String: [String: (time: Double, energy: Double)]]
        /// activity → (time, energy).
        var activities: [String: (time: Double, energy: Double)]

        init(_ object: [String: Any]) {
            sessions = object["sessions"] as? Int ?? -1
            elapsedSeconds = object["elapsed_seconds"] as? Double ?? -1
            states = [:]
            for component in object["components"] as? [[String: Any]] ?? [] {
                guard let name = component["name"] as? String else { continue }
                var byState: [String: (Double, Double)] = [:]
                for state in component["states"] as? [[String: Any]] ?? [] {
                    guard let stateName = state["name"] as? String else { continue }
                    byState[stateName] = (state["time_seconds"] as? Double ?? -1,
                                          state["energy_joules"] as? Double ?? -1)
                }
                states[name] = byState
            }
            activities = [:]
            for activity in object["activities"] as? [[String: Any]] ?? [] {
                guard let name = activity["name"] as? String else { continue }
                activities[name] = (activity["time_seconds"] as? Double ?? -1,
                                    activity["energy_joules"] as? Double ?? -1)
            }
        }

        /// Energy per component, all states.
        func energy(of component: String) -> Double { states[component]?.values.map(\.energy).reduce(0, +) ?? 0 }
    }

    func testTwoNodesChargeTheBytesTheirSocketsCarriedAndARestartAddsToTheTotals() throws {
        let (directory, keyFile) = try keyDirectory()
        let config = try writeConfig(in: directory)
        let ports = [try BoundUDPSocket.freePort(), try BoundUDPSocket.freePort()]
        let stateDirs = [directory + "/state-a", directory + "/state-b"]
        let nodes = ports.map { NodeProcess(port: $0, directory: directory) }
        addTeardownBlock { nodes.forEach { $0.kill() } }
        for (index, node) in nodes.enumerated() {
            try node.start(Self.executable, arguments: arguments(
                port: ports[index], join: ports[1 - index], keyFile: keyFile, config: config,
                stateDir: stateDirs[index], rounds: 20, directory: directory))
        }
        nodes.forEach { waitForExit($0) }

        var ledgers: [Ledger] = []
        for (index, node) in nodes.enumerated() {
            XCTAssertEqual(node.process.terminationStatus, 0, node.stderr)
            let last = try XCTUnwrap(node.latestReport(), "\(node.port) printed no report: \(node.stderr)")
            XCTAssertEqual(last["round"] as? Int, 20)
            let wire = try XCTUnwrap(last["wire"] as? [String: Any])
            let sent = Double(try XCTUnwrap(wire["sent"] as? Int))
            let bytesSent = Double(try XCTUnwrap(wire["bytes_sent"] as? Int))
            let dropped = Double((wire["dropped"] as? [String: Int] ?? [:]).values.reduce(0, +))
            let received = Double(try XCTUnwrap(wire["received"] as? Int)) + dropped
            let bytesReceived = Double(try XCTUnwrap(wire["bytes_received"] as? Int))
                + Double(try XCTUnwrap(wire["bytes_dropped"] as? Int))
            XCTAssertGreaterThan(received, 0, "the nodes heard each other: \(last)")

            let ledger = try report(stateDirs[index])
            ledgers.append(ledger)
            XCTAssertEqual(ledger.sessions, 1)
            let radio = try XCTUnwrap(ledger.states["wlan0"], "\(ledger.states.keys)")
            let transmit = try XCTUnwrap(ledger.activities["gossip.transmit"])
            let receive = try XCTUnwrap(ledger.activities["gossip.receive"])
            XCTAssertGreaterThan(transmit.energy, 0)
            XCTAssertGreaterThan(receive.energy, 0)
            XCTAssertEqual(radio["transmit"]?.time, transmit.time, "all transmit time is gossip's")
            // The ledger's bytes are the report's wire counters plus each datagram's UDP/IPv4 header, to within
            // the nanosecond each period's traffic time is rounded to (≤ 0.5 ns ≈ 0.005 bytes at 72.2 Mbit/s, 21
            // periods) and the JSON's doubles: 0.5 byte is ample and still catches one header or datagram missed.
            XCTAssertEqual(transmit.time * Self.bitRate / 8, bytesSent + Self.overhead * sent, accuracy: 0.5)
            XCTAssertEqual(receive.time * Self.bitRate / 8, bytesReceived + Self.overhead * received, accuracy: 0.5)
            // Energy is the configured current at the board's 5 V for that time.
            XCTAssertEqual(transmit.energy, 0.2 * 5 * transmit.time, accuracy: 1e-12)
            XCTAssertEqual(receive.energy, 0.06 * 5 * receive.time, accuracy: 1e-12)
            // The default board's sensors, each conversion charged; the process's CPU time; about 2 s recorded.
            XCTAssertGreaterThan(try XCTUnwrap(ledger.activities["sense.bme280@0x76"]).energy, 0)
            XCTAssertGreaterThan(try XCTUnwrap(ledger.activities["sense.sht3x@0x44"]).energy, 0)
            XCTAssertGreaterThan(try XCTUnwrap(ledger.activities["node"]).time, 0)
            XCTAssertGreaterThanOrEqual(ledger.elapsedSeconds, 2.0)
            for (component, states) in ledger.states {
                let time = states.values.map(\.time).reduce(0, +)
                XCTAssertEqual(time, ledger.elapsedSeconds, accuracy: 1e-6, "\(component): time across states")
            }
        }

        // The first node again, alone (its seed is gone; it keeps asking it): the totals carry on from the first run.
        let again = NodeProcess(port: ports[0], directory: directory + "/again")
        try FileManager.default.createDirectory(atPath: directory + "/again", withIntermediateDirectories: true)
        addTeardownBlock { again.kill() }
        try again.start(Self.executable, arguments: arguments(
            port: ports[0], join: ports[1], keyFile: keyFile, config: config, stateDir: stateDirs[0], rounds: 5,
            directory: directory))
        waitForExit(again)
        XCTAssertEqual(again.process.terminationStatus, 0, again.stderr)
        let before = ledgers[0]
        let after = try report(stateDirs[0])
        XCTAssertEqual(after.sessions, 2)
        XCTAssertGreaterThanOrEqual(after.elapsedSeconds, before.elapsedSeconds + 0.5)
        for component in before.states.keys {
            XCTAssertGreaterThanOrEqual(after.energy(of: component), before.energy(of: component), component)
        }
        for (activity, cell) in before.activities where activity.hasPrefix("gossip.") || activity.hasPrefix("sense.") {
            XCTAssertGreaterThanOrEqual(after.activities[activity]?.energy ?? 0, cell.energy, activity)
        }
    }

    func testSIGTERMSavesTheLedgerAndASecondNodeCannotShareTheStateDirectory() throws {
        let (directory, keyFile) = try keyDirectory()
        let config = try writeConfig(in: directory)
        let ports = [try BoundUDPSocket.freePort(), try BoundUDPSocket.freePort()]
        let stateDir = directory + "/state"
        let node = NodeProcess(port: ports[0], directory: directory)
        addTeardownBlock { node.kill() }
        try node.start(Self.executable, arguments: arguments(
            port: ports[0], join: ports[1], keyFile: keyFile, config: config, stateDir: stateDir, rounds: nil,
            directory: directory))
        let deadline = Date().addingTimeInterval(Self.bound)
        while ((node.latestReport()?["round"] as? Int) ?? 0) < 3, node.process.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertGreaterThanOrEqual((node.latestReport()?["round"] as? Int) ?? 0, 3, node.stderr)

        try assertFails(arguments(port: ports[1], join: ports[0], keyFile: keyFile, config: config,
                                  stateDir: stateDir, rounds: 1, directory: directory),
                        code: 75, saying: "\(stateDir) is held by another mote process")

        Glibc.kill(node.process.processIdentifier, SIGTERM)
        waitForExit(node)
        XCTAssertEqual(node.process.terminationReason, .exit)
        XCTAssertEqual(node.process.terminationStatus, 0, node.stderr)
        let rounds = try XCTUnwrap(node.latestReport()?["round"] as? Int)
        let ledger = try report(stateDir)
        XCTAssertEqual(ledger.sessions, 1)
        XCTAssertGreaterThanOrEqual(ledger.elapsedSeconds, Double(rounds) * 0.1, "saved at the stop, not before")
    }

    func testBadEnergyInputIsOneLineWithItsOwnExitCode() throws {
        let (directory, keyFile) = try keyDirectory()
        let port = try BoundUDPSocket.freePort()
        let base = ["node", "--simulate", "--listen", "127.0.0.1:\(port)", "--key-file", keyFile, "--rounds", "1",
                    "--period", "100ms"]
        let state = ["--state-dir", directory + "/state"]
        try assertFails(base + state + ["--profile", "arduino"], code: 64,
                        saying: "unknown profile \"arduino\"; valid profiles: mica, pi-4b, pi-zero-2w")
        let malformed = directory + "/bad.toml"
        try "[[component]]\nname = \"wlan0\"\nreceive_amps = 1\n".write(toFile: malformed, atomically: true,
                                                                         encoding: .utf8)
        try assertFails(base + state + ["--config", malformed], code: 65,
                        saying: "\(malformed):3: unknown key \"receive_amps\"")
        try assertFails(base + state + ["--config", directory + "/none.toml"], code: 66, saying: "no such file")
        // A model that cannot charge what the node does: a sensor the bus has, described without a conversion
        // current (the mica profile knows no BME280, so the config's figures are all there is).
        let silent = directory + "/silent.toml"
        try "profile = \"mica\"\n[[component]]\nname = \"bme280@0x76\"\nkind = \"sensor\"\nsleep_amperes = 1e-6\n"
            .write(toFile: silent, atomically: true, encoding: .utf8)
        try assertFails(base + state + ["--config", silent], code: 78,
                        saying: "energy ledger: bme280@0x76 has no measuring current in the power model")

        // A state directory that cannot be one: 74, with the call and errno's meaning.
        let file = directory + "/plain-file"
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        try assertFails(base + ["--state-dir", file + "/state"], code: 74,
                        saying: "mkdir \(file)/state: not a directory")

        // A corrupt ledger is reported and left as it is: 65.
        let corrupt = directory + "/corrupt"
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        try "mote-energy-ledger 1 10 0\n{}".write(toFile: corrupt + "/ledger.json", atomically: true, encoding: .utf8)
        try assertFails(base + ["--state-dir", corrupt], code: 65, saying: "corrupt energy ledger")
        XCTAssertEqual(try String(contentsOfFile: corrupt + "/ledger.json", encoding: .utf8),
                       "mote-energy-ledger 1 10 0\n{}")
    }

    func testAStateDirectoryTheUserCannotWriteIsPermissionDenied() throws {
        let (directory, keyFile) = try keyDirectory()
        let locked = directory + "/read-only"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
        if getuid() == 0 {
            // Run as nobody (root writes anywhere): nobody must own the key file to read it.
            try FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: keyFile)
        }
        let port = try BoundUDPSocket.freePort()
        let run = try mote(["node", "--simulate", "--listen", "127.0.0.1:\(port)", "--key-file", keyFile,
                            "--rounds", "1", "--state-dir", locked], prefix: unprivilegedPrefix)
        XCTAssertEqual(run.status, 77, run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("\(locked)/ledger.lock: permission denied (the state directory must be "
                                              + "writable by you: give another with --state-dir or MOTE_STATE_DIR)"),
                      run.stderr)
    }

    /// Without --state-dir or MOTE_STATE_DIR: a systemd unit's StateDirectory= (STATE_DIRECTORY), else, for anyone
    /// but root, the XDG state directory, created with its parents on the first run.
    func testTheDefaultStateDirectoryFollowsSystemdThenXDG() throws {
        let (directory, keyFile) = try keyDirectory()
        let home = directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        if getuid() == 0 {
            for path in [keyFile, home] {
                try FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: path)
            }
        }
        func node(_ environment: [String]) throws -> Run {
            let port = try BoundUDPSocket.freePort()
            return try mote(["node", "--simulate", "--listen", "127.0.0.1:\(port)", "--key-file", keyFile,
                             "--rounds", "1", "--period", "100ms"],
                            prefix: unprivilegedPrefix + ["/usr/bin/env", "-u", "MOTE_STATE_DIR", "-u", "XDG_STATE_HOME",
                                                          "-u", "STATE_DIRECTORY"] + environment)
        }
        let systemd = directory + "/systemd-state"
        try FileManager.default.createDirectory(atPath: systemd, withIntermediateDirectories: true)
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: systemd) }
        var run = try node(["HOME=\(home)", "STATE_DIRECTORY=\(systemd):/elsewhere"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try report(systemd).sessions, 1)

        run = try node(["HOME=\(home)"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try report(home + "/.local/state/mote").sessions, 1)
    }
}
