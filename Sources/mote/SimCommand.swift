import ArgumentParser
import Foundation
import MoteGossip

/// `mote sim`: deterministic simulations of the protocols Mote runs.
struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deterministic simulations of Mote's protocols.",
        subcommands: [SimGossip.self])
}

/// `mote sim gossip`: many gossip instances on a simulated network, one line of statistics per protocol period.
struct SimGossip: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Simulate membership, failure detection and aggregation by gossip.",
        discussion: """
            Each round is one protocol period. Printed per round: the worst live node's relative error of the \
            average (over temperature, humidity and pressure) and of the network size, datagrams and estimated \
            bytes sent per node, and the share of members each node classifies correctly. The same seed gives the \
            same output.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Number of nodes.") var nodes: Int = 1_000
    @Option(help: "Probability that a datagram is lost (0 to 0.95).") var loss: Double = 0
    @Option(help: "complete, or random:K (a random graph of degree about K).") var topology: String = "complete"
    @Option(help: ArgumentHelp("Random crashes: P or P:D, crash probability per node per round and rounds down "
                               + "before a restart (0: none; default 10).", valueName: "p[:d]"))
    var churn: String?
    @Option(name: .customLong("crash"), help: ArgumentHelp("K nodes crash at round R; repeatable.", valueName: "k@r"))
    var crashes: [String] = []
    @Option(help: ArgumentHelp("A fraction F of the nodes cut off from round S until round E (or for good).",
                               valueName: "f@s[-e]"))
    var partition: String?
    @Option(help: "Aggregation partners each node chooses (complete topology).") var partners: Int = 8
    @Option(help: "Rounds (protocol periods) to run.") var rounds: Int = 30
    @Option(help: "Seed of every random choice.") var seed: UInt64 = 1
    @Option(help: "Output: table, or json (one object per round).") var format: Format = .table
    @Flag(help: "Run the benchmark table instead (rounds to accuracy, failure detection, wall time).")
    var benchmark = false
    @Option(help: ArgumentHelp("Network sizes for --benchmark, comma-separated.", valueName: "n,n,..."))
    var benchmarkSizes: String = "1000,10000,100000"

    func validate() throws {
        guard (1...1_000_000).contains(nodes) else { throw ValidationError("--nodes must be from 1 to 1000000") }
        guard (0...0.95).contains(loss) else { throw ValidationError("--loss must be from 0 to 0.95") }
        guard (1...32).contains(partners) else { throw ValidationError("--partners must be from 1 to 32") }
        guard (1...100_000).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 100000") }
        _ = try scenario()
        _ = try sizes()
    }

    func scenario() throws -> GossipScenario {
        var scenario = GossipScenario(nodes: nodes)
        scenario.loss = loss
        scenario.seed = seed
        scenario.configuration.aggregationPartners = partners
        do {
            scenario.topology = try GossipTopology(parsing: topology)
            scenario.churn = try churn.map { text throws(ScenarioArgumentError) in try GossipChurn(parsing: text) }
            scenario.crashes = try crashes.map { text throws(ScenarioArgumentError) in
                try ScriptedCrash(parsing: text)
            }
            scenario.partition = try partition.map { text throws(ScenarioArgumentError) in
                try GossipPartition(parsing: text)
            }
        } catch {
            throw ValidationError(error.description)
        }
        return scenario
    }

    func sizes() throws -> [Int] {
        let sizes = benchmarkSizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 2 && ($0 ?? 0) <= 1_000_000 }) else {
            throw ValidationError("--benchmark-sizes \(benchmarkSizes): expected sizes from 2 to 1000000, e.g. 1000,10000")
        }
        return sizes.compactMap { $0 }
    }

    func run() throws {
        if benchmark {
            try GossipBenchmarkReport(sizes: sizes(), seed: seed, json: format == .json).run()
            return
        }
        var simulation = GossipSimulation(try scenario())
        if format == .table { print(Self.tableHeader) }
        for _ in 0..<rounds {
            let statistics = simulation.step()
            print(format == .json ? Self.json(statistics) : Self.tableRow(statistics))
        }
        for detection in simulation.detections {
            let periods = detection.periodsUntilDeadEverywhere.map { String(format: "%.1f", $0) }
            if format == .json {
                print("{\"crashed\":\"\(detection.member)\",\"crashed_at_period\":\(Int(detection.crashedAt)),"
                      + "\"periods_until_dead_everywhere\":\(periods ?? "null")}")
            } else {
                print("crash of \(detection.member) at period \(Int(detection.crashedAt)): "
                      + (periods.map { "dead at every live member after \($0) periods" } ?? "not yet dead everywhere"))
            }
        }
    }

    static let tableHeader = "round   live  avg_err   size_err  var_err   extrema  msgs/node  bytes/node  members  "
        + "worst_mem  false_dead  converged"

    static func tableRow(_ statistics: GossipRoundStatistics) -> String {
        String(format: "%5d %6d  %8.2e  %8.2e  %8.2e  %6.1f%%  %9.2f  %10.1f  %6.2f%%  %8.2f%%  %10d  %8.1f%%",
               statistics.round, statistics.liveNodes, statistics.worstAverageError,
               statistics.worstNetworkSizeError, statistics.worstVarianceError, statistics.extremaExact * 100,
               statistics.messagesPerNode, statistics.bytesPerNode, statistics.membershipAccuracy * 100,
               statistics.worstMembershipAccuracy * 100, statistics.falseDeclarations,
               statistics.convergedShare * 100)
    }

    static func json(_ statistics: GossipRoundStatistics) -> String {
        let fields: [(String, String)] = [
            ("round", "\(statistics.round)"),
            ("live_nodes", "\(statistics.liveNodes)"),
            ("worst_average_relative_error", number(statistics.worstAverageError)),
            ("worst_network_size_relative_error", number(statistics.worstNetworkSizeError)),
            ("worst_variance_relative_error", number(statistics.worstVarianceError)),
            ("extrema_exact_share", number(statistics.extremaExact)),
            ("messages_per_node", number(statistics.messagesPerNode)),
            ("bytes_per_node", number(statistics.bytesPerNode)),
            ("membership_accuracy", number(statistics.membershipAccuracy)),
            ("worst_membership_accuracy", number(statistics.worstMembershipAccuracy)),
            ("false_declarations", "\(statistics.falseDeclarations)"),
            ("converged_share", number(statistics.convergedShare)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : "null"
    }
}
