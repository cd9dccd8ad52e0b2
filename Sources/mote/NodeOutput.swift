import Foundation
import MoteGossip
import MoteNode

/// Prints what a node reports: a JSON line per period, or a short human summary and member changes as they happen.
struct NodeOutput: Sendable {
    var json: Bool
    /// No report per period (`--quiet`): member changes and errors only.
    var quiet = false

    func print(_ event: GossipNodeEvent) {
        switch event {
        case .report(let report):
            if quiet {
                return
            } else if json {
                Swift.print(report.jsonLine())
            } else {
                printStatus(report)
            }
        case .memberChanged(let change):
            guard !json else { return }
            let before = change.previous?.description ?? "unknown"
            let after = change.current?.description ?? "forgotten"
            Swift.print("member \(change.member): \(before) -> \(after)")
        case .samplingFailed(let failures):
            printError("mote: sensor read failed: " + failures.joined(separator: "; "))
        }
        fflush(nil)
    }

    /// The report as a few lines: who, members per status, then one line per channel.
    func printStatus(_ report: NodeReport) {
        let size = report.networkSize.map { String(format: "%.2f", $0) } ?? "?"
        Swift.print("round \(report.round)  \(report.node)  members \(report.count("alive")) alive, "
                        + "\(report.count("suspect")) suspect, \(report.count("dead")) dead  "
                        + "network size \(size)\(report.networkSizeConverged ? " (converged)" : "")")
        for channel in report.aggregates.keys.sorted() {
            guard let aggregate = report.aggregates[channel] else { continue }
            let fields: [(String, Double?)] = [
                ("average", aggregate.average), ("min", aggregate.minimum), ("max", aggregate.maximum),
                ("sd", aggregate.variance.map { $0.squareRoot() }), ("count", aggregate.count),
            ]
            let text = fields.map { name, value in "\(name) " + (value.map { String(format: "%.2f", $0) } ?? "?") }
            Swift.print("  \(channel.padding(27))" + text.joined(separator: "  ")
                            + (aggregate.converged ? "  converged" : ""))
        }
        let dropped = report.wire.dropped.values.reduce(0, +)
        if dropped > 0 {
            let reasons = report.wire.dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            Swift.print("  dropped \(dropped) datagrams: " + reasons.joined(separator: ", "))
        }
    }
}
