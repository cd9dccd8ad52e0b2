import Foundation
import MoteGossip

/// `mote sim gossip --benchmark`: the figures the README reports, measured with the simulator.
///
/// Convergence per network size and loss (rounds until the worst live node's relative error of the averages is at
/// most 1e-3, of the network size at most 1 %, and of the averages at most 1e-9; first reached, and held from),
/// the datagrams and bytes each node sent per round meanwhile, failure detection at 1,000 nodes and 10 % loss (periods until
/// every live member holds a crashed node dead; false declarations over 1,000 periods), and the wall time of
/// 100,000 nodes for 100 rounds. Figures, not pass/fail.
struct GossipBenchmarkReport {
    var sizes: [Int]
    var seed: UInt64
    var json: Bool

    /// When the worst node's error first met a threshold, and from which round on it stayed met to the run's end.
    struct Crossing {
        var first: Int?
        var settled: Int?

        mutating func record(round: Int, met: Bool) {
            if met {
                if first == nil { first = round }
                if settled == nil { settled = round }
            } else {
                settled = nil
            }
        }

        var text: String {
            guard let first else { return "never" }
            guard let settled else { return "\(first) (not held)" }
            return settled == first ? "\(first)" : "\(first) (held from \(settled))"
        }

        var json: String {
            "{\"first\":\(first.map(String.init) ?? "null"),\"held_from\":\(settled.map(String.init) ?? "null")}"
        }
    }

    struct Convergence {
        var nodes: Int
        var loss: Double
        var rounds: Int
        var average = Crossing()
        var size = Crossing()
        var exact = Crossing()
        var messagesPerNode = 0.0
        var bytesPerNode = 0.0
        var falseDeclarations = 0
        var seconds = 0.0
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

    /// Runs a fixed number of rounds (60 without loss, 100 at 10 %, 150 at 30 %), recording for each goal the first
    /// round it is met and the round from which it stays met; messages and bytes are averaged over the rounds
    /// until the average first reaches 1e-3 (the whole run if it never does).
    func convergence(nodes: Int, loss: Double) -> Convergence {
        var scenario = GossipScenario(nodes: nodes)
        scenario.loss = loss
        scenario.seed = seed
        var simulation = GossipSimulation(scenario)
        var result = Convergence(nodes: nodes, loss: loss, rounds: loss == 0 ? 60 : loss <= 0.1 ? 100 : 150)
        var messages = 0.0
        var bytes = 0.0
        var counted = 0
        let start = ContinuousClock.now
        for _ in 0..<result.rounds {
            let statistics = simulation.step()
            if result.average.first == nil {
                messages += statistics.messagesPerNode
                bytes += statistics.bytesPerNode
                counted += 1
            }
            result.average.record(round: statistics.round, met: statistics.worstAverageError <= 1e-3)
            result.size.record(round: statistics.round, met: statistics.worstNetworkSizeError <= 0.01)
            result.exact.record(round: statistics.round, met: statistics.worstAverageError <= 1e-9)
            result.falseDeclarations = statistics.falseDeclarations
        }
        result.messagesPerNode = messages / Double(counted)
        result.bytesPerNode = bytes / Double(counted)
        result.seconds = seconds(ContinuousClock.now - start)
        return result
    }

    func report(_ result: Convergence) {
        if json {
            print("{\"benchmark\":\"convergence\",\"nodes\":\(result.nodes),\"loss\":\(result.loss),"
                  + "\"rounds\":\(result.rounds),\"average_1e-3\":\(result.average.json),"
                  + "\"network_size_1_percent\":\(result.size.json),\"average_1e-9\":\(result.exact.json),"
                  + String(format: "\"messages_per_node_per_round\":%.2f,\"bytes_per_node_per_round\":%.0f,",
                           result.messagesPerNode, result.bytesPerNode)
                  + "\"false_declarations\":\(result.falseDeclarations),"
                  + String(format: "\"seconds\":%.1f}", result.seconds))
        } else {
            print("N = \(result.nodes)  loss \(Int(result.loss * 100)) %  rounds to: average 1e-3 \(result.average.text), "
                  + "size 1 % \(result.size.text), average 1e-9 \(result.exact.text)  ("
                  + String(format: "%.2f msgs, %.0f bytes per node per round; ", result.messagesPerNode,
                           result.bytesPerNode)
                  + "\(result.falseDeclarations) false declarations in \(result.rounds) rounds; "
                  + String(format: "%.1f s)", result.seconds))
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
