import Foundation
import MoteGossip

/// `mote sim gossip --benchmark`: the figures the README reports, measured with the simulator.
///
/// Convergence per network size and loss (rounds until the worst live node's relative error of the averages is at
/// most 1e-3, of the network size at most 1 %, and, at 10 % loss, of the averages at most 1e-9), the datagrams and
/// estimated bytes each node sent per round meanwhile, failure detection at 1,000 nodes and 10 % loss (periods until
/// every live member holds a crashed node dead; false declarations over 1,000 periods), and the wall time of
/// 100,000 nodes for 100 rounds. Figures, not pass/fail.
struct GossipBenchmarkReport {
    var sizes: [Int]
    var seed: UInt64
    var json: Bool

    struct Convergence {
        var nodes: Int
        var loss: Double
        var roundsToAverage: Int?
        var roundsToSize: Int?
        var roundsToExact: Int?
        var messagesPerNode: Double
        var bytesPerNode: Double
        var roundsRun: Int
        var seconds: Double
    }

    func run() throws {
        for nodes in sizes {
            for loss in [0.0, 0.1, 0.3] {
                report(convergence(nodes: nodes, loss: loss))
            }
        }
        detection()
        falseDeclarations()
        if sizes.contains(100_000) { wallTime() }
    }

    /// Runs until the goals are reached (or a round limit), recording the first round each is met.
    func convergence(nodes: Int, loss: Double) -> Convergence {
        var scenario = GossipScenario(nodes: nodes)
        scenario.loss = loss
        scenario.seed = seed
        var simulation = GossipSimulation(scenario)
        let limit = loss == 0 ? 60 : 200
        var result = Convergence(nodes: nodes, loss: loss, messagesPerNode: 0, bytesPerNode: 0, roundsRun: 0,
                                 seconds: 0)
        var messages = 0.0
        var bytes = 0.0
        let start = ContinuousClock.now
        for _ in 0..<limit {
            let statistics = simulation.step()
            result.roundsRun = statistics.round
            if result.roundsToAverage == nil {
                messages += statistics.messagesPerNode
                bytes += statistics.bytesPerNode
                if statistics.worstAverageError <= 1e-3 { result.roundsToAverage = statistics.round }
            }
            if result.roundsToSize == nil, statistics.worstNetworkSizeError <= 0.01 {
                result.roundsToSize = statistics.round
            }
            if result.roundsToExact == nil, statistics.worstAverageError <= 1e-9 {
                result.roundsToExact = statistics.round
            }
            let done = result.roundsToAverage != nil && result.roundsToSize != nil
                && (loss != 0.1 || result.roundsToExact != nil)
            if done { break }
        }
        let counted = Double(result.roundsToAverage ?? result.roundsRun)
        result.messagesPerNode = messages / counted
        result.bytesPerNode = bytes / counted
        result.seconds = seconds(ContinuousClock.now - start)
        return result
    }

    func report(_ result: Convergence) {
        func rounds(_ value: Int?) -> String { value.map(String.init) ?? "> \(result.roundsRun)" }
        if json {
            func field(_ value: Int?) -> String { value.map(String.init) ?? "null" }
            print("{\"benchmark\":\"convergence\",\"nodes\":\(result.nodes),\"loss\":\(result.loss),"
                  + "\"rounds_to_average_1e-3\":\(field(result.roundsToAverage)),"
                  + "\"rounds_to_network_size_1_percent\":\(field(result.roundsToSize)),"
                  + "\"rounds_to_average_1e-9\":\(field(result.roundsToExact)),"
                  + String(format: "\"messages_per_node_per_round\":%.2f,\"bytes_per_node_per_round\":%.0f,",
                           result.messagesPerNode, result.bytesPerNode)
                  + String(format: "\"seconds\":%.1f}", result.seconds))
        } else {
            print(String(format: "N = %7d  loss %2.0f %%  average 1e-3: %-6@ size 1 %%: %-6@ average 1e-9: %-6@ "
                         + "%5.2f msgs/node/round  %6.0f bytes/node/round  (%.1f s)",
                         result.nodes, result.loss * 100, rounds(result.roundsToAverage),
                         rounds(result.roundsToSize), rounds(result.roundsToExact), result.messagesPerNode,
                         result.bytesPerNode, result.seconds))
        }
    }

    /// Five crashes, 20 periods apart, in one network of 1,000 nodes at 10 % loss.
    func detection() {
        var scenario = GossipScenario(nodes: 1_000)
        scenario.loss = 0.1
        scenario.seed = seed
        scenario.crashes = (1...5).map { ScriptedCrash(count: 1, round: 20 * $0) }
        var simulation = GossipSimulation(scenario)
        for _ in 0..<120 { _ = simulation.step() }
        let periods = simulation.detections.map { $0.periodsUntilDeadEverywhere }
        let known = periods.compactMap { $0 }
        let worst = known.count == periods.count ? known.max().map { String(format: "%.1f", $0) } ?? "-" : "never"
        let mean = known.isEmpty ? "-" : String(format: "%.1f", known.reduce(0, +) / Double(known.count))
        if json {
            print("{\"benchmark\":\"failure_detection\",\"nodes\":1000,\"loss\":0.1,\"crashes\":\(periods.count),"
                  + "\"periods_until_dead_everywhere\":[\(periods.map { $0.map { String(format: "%.1f", $0) } ?? "null" }.joined(separator: ","))],"
                  + "\"worst\":\"\(worst)\",\"mean\":\"\(mean)\"}")
        } else {
            print("N =    1000  loss 10 %  crash detected dead by every member after (periods): "
                  + periods.map { $0.map { String(format: "%.1f", $0) } ?? "never" }.joined(separator: ", ")
                  + "  (worst \(worst), mean \(mean))")
        }
    }

    /// 1,000 periods of 1,000 nodes at 10 % loss with nobody failing.
    func falseDeclarations() {
        var scenario = GossipScenario(nodes: 1_000)
        scenario.loss = 0.1
        scenario.seed = seed
        var simulation = GossipSimulation(scenario)
        var last = GossipRoundStatistics?.none
        var messages = 0.0
        for _ in 0..<1_000 {
            last = simulation.step()
            messages += last?.messagesPerNode ?? 0
        }
        let declarations = last?.falseDeclarations ?? 0
        if json {
            print("{\"benchmark\":\"false_declarations\",\"nodes\":1000,\"loss\":0.1,\"periods\":1000,"
                  + "\"false_declarations\":\(declarations),"
                  + String(format: "\"messages_per_node_per_round\":%.2f}", messages / 1_000))
        } else {
            print(String(format: "N =    1000  loss 10 %%  false declarations of death over 1000 periods: %d  "
                         + "(%.2f msgs/node/round)", declarations, messages / 1_000))
        }
    }

    /// 100,000 nodes, 100 rounds, no loss: the simulator's own speed.
    func wallTime() {
        var scenario = GossipScenario(nodes: 100_000)
        scenario.seed = seed
        let start = ContinuousClock.now
        var simulation = GossipSimulation(scenario)
        for _ in 0..<100 { _ = simulation.step() }
        let elapsed = seconds(ContinuousClock.now - start)
        if json {
            print(String(format: "{\"benchmark\":\"wall_time\",\"nodes\":100000,\"rounds\":100,\"seconds\":%.1f}",
                         elapsed))
        } else {
            print(String(format: "N =  100000  100 rounds simulated in %.1f s (one core)", elapsed))
        }
    }

    func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
