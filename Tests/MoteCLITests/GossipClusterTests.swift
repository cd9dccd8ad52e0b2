import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Five `mote node` processes on loopback, each a simulated board with one BME280 at its own temperature: they find
/// each other, agree on the true average and network size, and declare a killed member dead and drop its reading.
///
/// Only 127.0.0.1; every wait is a bounded poll of the nodes' JSON lines (60 s, generous: it bounds a hang, it
/// does not measure speed); every process is killed and reaped in teardown, whatever happens.
final class GossipClusterTests: MoteProcessTestCase {
    /// One running node: its process, and the files its stdout and stderr go to.
    final class NodeProcess {
        let process = Process()
        let port: UInt16
        let stdoutPath: String
        let stderrPath: String

        init(port: UInt16, directory: String) {
            self.port = port
            stdoutPath = directory + "/node-\(port).out"
            stderrPath = directory + "/node-\(port).err"
        }

        func start(_ executable: URL, arguments: [String]) throws {
            guard FileManager.default.createFile(atPath: stdoutPath, contents: nil),
                FileManager.default.createFile(atPath: stderrPath, contents: nil)
            else { throw POSIXError(.EACCES) }
            process.executableURL = executable
            process.arguments = arguments
            process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            try process.run()
        }

        /// The last complete JSON line the node printed, if any.
        func latestReport() -> [String: Any]? {
            guard let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8) else { return nil }
            guard let line = text.split(separator: "\n").last(where: { _ in true }), text.hasSuffix("\n") else {
                return nil
            }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }

        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        func kill() {
            guard process.isRunning else { return }
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static let temperatures = [20.0, 21.0, 22.0, 23.0, 24.0]
    static let bound: TimeInterval = 60

    /// The average of a report's temperature estimate, its network size, and its members' statuses by address.
    struct View {
        var average: Double?
        var networkSize: Double?
        var statuses: [String: String]

        init(_ report: [String: Any]) {
            let aggregates = report["aggregates"] as? [String: Any]
            let temperature = aggregates?["temperature_celsius"] as? [String: Any]
            average = temperature?["average"] as? Double
            networkSize = report["network_size"] as? Double
            statuses = [:]
            for member in report["members"] as? [[String: Any]] ?? [] {
                if let address = member["address"] as? String { statuses[address] = member["status"] as? String }
            }
        }
    }

    /// Polls every 200 ms until `condition` holds for the views of `nodes`, or the bound passes.
    func waitUntil(_ nodes: [NodeProcess], _ what: String, _ condition: ([View]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(Self.bound)
        while Date() < deadline {
            let views = nodes.compactMap { $0.latestReport().map(View.init) }
            if views.count == nodes.count, condition(views) { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let last = nodes.map { "\($0.port): \($0.latestReport().map { "\(View($0))" } ?? "no report")"
            + " stderr: \($0.stderr.suffix(300))" }
        XCTFail("not within \(Int(Self.bound)) s: \(what)\n" + last.joined(separator: "\n"))
        return false
    }

    func testFiveNodesConvergeToTheAverageAndDetectAKilledOne() throws {
        let directory = try temporaryDirectory()
        let keyFile = directory + "/cluster.keys"
        try (try mote(["node", "keygen"])).stdout.write(toFile: keyFile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        let ports = try (0..<Self.temperatures.count).map { _ in try BoundUDPSocket.freePort() }
        let nodes = ports.map { NodeProcess(port: $0, directory: directory) }
        addTeardownBlock { nodes.forEach { $0.kill() } }
        for (index, node) in nodes.enumerated() {
            let scenario = directory + "/board-\(index).toml"
            try """
                [[i2c]]
                bus = 1
                [[i2c.device]]
                address = 0x76
                model = "bme280"
                temperature_celsius = \(Self.temperatures[index])
                relative_humidity_percent = 50.0
                pressure_pascals = 100_000.0
                """.write(toFile: scenario, atomically: true, encoding: .utf8)
            // Everyone joins through the first node; the first through the second.
            let seed = ports[index == 0 ? 1 : 0]
            try node.start(Self.executable, arguments: [
                "node", "--listen", "127.0.0.1:\(node.port)", "--join", "127.0.0.1:\(seed)",
                "--key-file", keyFile, "--cluster", "cluster-test", "--simulate", scenario,
                "--period", "200ms", "--sample-interval", "1s", "--json",
                "--status-file", directory + "/status-\(index).json", "--state-dir", directory + "/state-\(index)",
            ])
        }
        let addresses = ports.map { "127.0.0.1:\($0)" }
        let trueAverage = Self.temperatures.reduce(0, +) / Double(Self.temperatures.count)
        let converged = waitUntil(nodes, "all alive, average \(trueAverage), size 5") { views in
            views.enumerated().allSatisfy { index, view in
                addresses.enumerated().allSatisfy { $0.offset == index || view.statuses[$0.element] == "alive" }
                    && abs((view.average ?? .infinity) - trueAverage) < 0.05
                    && abs((view.networkSize ?? .infinity) - 5) < 0.05
            }
        }
        guard converged else { return }

        // Kill the hottest node (not the smallest address, which leads the count).
        let victim = nodes[4]
        victim.kill()
        let survivors = Array(nodes.prefix(4))
        let remainingAverage = Self.temperatures.prefix(4).reduce(0, +) / 4
        let detected = waitUntil(survivors, "\(addresses[4]) declared dead by every survivor") { views in
            views.allSatisfy { $0.statuses[addresses[4]] == "dead" }
        }
        guard detected else { return }
        // Its reading leaves the aggregates. (Its death certificate may expire meanwhile: then it is forgotten.)
        _ = waitUntil(survivors, "average \(remainingAverage) and size 4 without it") { views in
            views.allSatisfy { view in
                [nil, "dead"].contains(view.statuses[addresses[4]])
                    && abs((view.average ?? .infinity) - remainingAverage) < 0.05
                    && abs((view.networkSize ?? .infinity) - 4) < 0.05
            }
        }
        for node in survivors {
            XCTAssertTrue(node.process.isRunning, "\(node.port) still runs: \(node.stderr)")
        }
    }
}
