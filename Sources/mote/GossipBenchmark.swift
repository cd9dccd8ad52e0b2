import Foundation
import MoteGossip

/// `mote sim gossip --benchmark`: the figures the README reports.
struct GossipBenchmarkReport {
    var sizes: [Int]
    var seed: UInt64
    var json: Bool

    func run() throws {
        print("benchmark: not yet")
    }
}
