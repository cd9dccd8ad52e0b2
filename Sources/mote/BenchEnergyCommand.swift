import ArgumentParser
import Foundation
import MoteEnergy

/// `mote bench energy`: the duty-cycling scheduler against its budget and its wake-ups, per scenario, each
/// simulated over its whole span (a year for the Mica) on a manual clock.
struct BenchEnergy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "energy",
        abstract: "Simulate the duty-cycling scenarios: average current against the budget, wake-ups per hour.",
        discussion: """
            Goals: 95-100 % of the budget and never over it; at most 1.1 times the fewest wake-ups the tasks need \
            (the most runs of any one task). Figures, not pass or fail; a release build runs the year in seconds.
            """)

    @Option(help: "Output format: table, or json (one object per scenario).") var format: Energy.Format = .table

    @Option(help: ArgumentHelp("Simulate every scenario for this long instead of its own span (e.g. 1d).",
                               valueName: "duration"))
    var span: DurationArgument?

    func run() throws {
        let scenarios: [DutyCycleBenchmark.Scenario]
        do {
            scenarios = try DutyCycleBenchmark.scenarios()
        } catch {
            throw Failure("bench: \(error)", code: Failure.software)
        }
        if format == .table {
            print(["SCENARIO".padding(56), "BUDGET", "ACHIEVED", "OF BUDGET", "MAX 6 H", "WAKE/H", "MIN/H",
                   "RATIO", "ALONE/H", "PERIOD", "WALL"].joined(separator: "  "))
        }
        for var scenario in scenarios {
            if let span { scenario.span = span.duration }
            let start = ContinuousClock.now
            let result = try DutyCycleBenchmark.run(scenario)
            let wall = ContinuousClock.now - start
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
            let period = result.finalPeriods.first.map { Double($0.components.seconds)
                + Double($0.components.attoseconds) * 1e-18 } ?? 0
            if format == .json {
                print(String(
                    format: "{\"scenario\":\"%@\",\"budget_amperes\":%.4e,\"predicted_amperes\":%.4e,"
                        + "\"achieved_amperes\":%.4e,\"fraction_of_budget\":%.4f,\"highest_6h_average_amperes\":%.4e,"
                        + "\"wake_ups_per_hour\":%.2f,\"minimum_wake_ups_per_hour\":%.2f,"
                        + "\"uncoalesced_wake_ups_per_hour\":%.2f,\"shortest_period_seconds\":%.3f,"
                        + "\"violations\":%d,\"wall_seconds\":%.2f}",
                    result.name, result.budget, result.predicted, result.achieved, result.fractionOfBudget,
                    result.highestWindowAverage, result.wakeUpsPerHour, result.minimumWakeUpsPerHour,
                    result.uncoalescedWakeUpsPerHour, period, result.violations.count, wallSeconds))
            } else {
                print([result.name.padding(56), HumanUnits.current(result.budget).padding(6),
                       HumanUnits.current(result.achieved).padding(8),
                       String(format: "%8.2f %%", result.fractionOfBudget * 100),
                       String(format: "%6.1f %%", result.highestWindowAverage / result.budget * 100),
                       String(format: "%6.0f", result.wakeUpsPerHour),
                       String(format: "%5.0f", result.minimumWakeUpsPerHour),
                       String(format: "%5.3f", result.wakeUpRatio),
                       String(format: "%7.0f", result.uncoalescedWakeUpsPerHour),
                       String(format: "%5.2f s", period), String(format: "%.1f s", wallSeconds)]
                    .joined(separator: "  "))
            }
            for violation in result.violations.prefix(3) { printError("mote: bench: \(result.name): \(violation)") }
        }
    }
}
