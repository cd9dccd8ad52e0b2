/// The duty-cycling benchmark's scenarios and what each achieved, simulated on a manual clock with
/// `DutyCycleSimulation` (every invariant checked as it runs).
///
/// Figures, not pass or fail: the achieved average battery current as a fraction of the planner's budget (the goal
/// is 95–100 %, never over) and the wake-ups per hour against the fewest the task set needs, the most runs of any
/// one task (the goal is at most 1.1×).
public enum DutyCycleBenchmark {
    /// One scenario: a profile's model cut down to some tasks, a battery and lifetime, and what changes on the way.
    public struct Scenario: Sendable {
        /// A short name for the table.
        public var name: String
        /// The power model, its tasks the ones to run.
        public var model: PowerModel
        /// The battery the planner budgets.
        public var battery: Battery
        /// The lifetime asked for.
        public var lifetime: Duration
        /// How long to simulate.
        public var span: Duration
        /// The lines that switch the sensors.
        public var powerLines: [String: PowerLine]
        /// Step changes in consumption.
        public var changes: [DutyCycleSimulation.CurrentChange]

        /// Creates a scenario.
        public init(name: String, model: PowerModel, battery: Battery, lifetime: Duration, span: Duration,
                    powerLines: [String: PowerLine], changes: [DutyCycleSimulation.CurrentChange] = []) {
            self.name = name
            self.model = model
            self.battery = battery
            self.lifetime = lifetime
            self.span = span
            self.powerLines = powerLines
            self.changes = changes
        }
    }

    /// What one scenario achieved.
    public struct Result: Sendable, Equatable {
        /// The scenario's name.
        public var name: String
        /// The planner's budget (A).
        public var budget: Double
        /// The planner's predicted average current (A).
        public var predicted: Double
        /// The achieved average battery current over the whole span (A).
        public var achieved: Double
        /// The highest average current of one 6-hour window, the windows laid end to end from the start (A): how
        /// far over a step change pushed the draw before the controller caught it, averaged as a day's quarter.
        public var highestWindowAverage: Double
        /// Wake-ups per hour.
        public var wakeUpsPerHour: Double
        /// The fewest wake-ups per hour these runs needed.
        public var minimumWakeUpsPerHour: Double
        /// Wake-ups per hour had every run woken the node on its own.
        public var uncoalescedWakeUpsPerHour: Double
        /// The tasks' periods at the end, shortest first.
        public var finalPeriods: [Duration]
        /// Invariants that failed (none expected).
        public var violations: [String]
        /// Simulated time.
        public var span: Duration

        /// Achieved over budget.
        public var fractionOfBudget: Double { achieved / budget }
        /// Wake-ups over the minimum.
        public var wakeUpRatio: Double { wakeUpsPerHour / max(minimumWakeUpsPerHour, 1e-18) }
    }

    static let year = Duration.seconds(365 * 86_400)

    /// The scenarios of the README: the Mica on two AA cells for a year with one to three weather-board sensors
    /// and its gossip round; the same with two sensors and a step up in the radio's receive current half-way
    /// through; a Raspberry Pi Zero 2 W with its BME280 and gossip rounds on a power bank.
    public static func scenarios() throws(ProfileError) -> [Scenario] {
        let mica = try BoardProfiles.load("mica").model
        var scenarios: [Scenario] = []
        let weather = ["temperature", "humidity", "pressure"]
        for count in 1...3 {
            let (model, lines) = cut(mica, sensors: Array(weather.prefix(count)), network: ["gossip.round"])
            scenarios.append(Scenario(
                name: "mica, 2×AA, 1 y: \(weather.prefix(count).joined(separator: "+")) + gossip",
                model: model, battery: .twoAAAlkaline, lifetime: year, span: year, powerLines: lines))
        }
        let (stepModel, stepLines) = cut(mica, sensors: ["temperature", "humidity"], network: ["gossip.round"])
        scenarios.append(Scenario(
            name: "mica, 2×AA, 1 y: radio receive current ×2 from day 182",
            model: stepModel, battery: .twoAAAlkaline, lifetime: year, span: year, powerLines: stepLines,
            changes: [DutyCycleSimulation.CurrentChange(at: .seconds(182 * 86_400), component: "radio",
                                                        state: .receive, factor: 2)]))
        let pi = try BoardProfiles.load("pi-zero-2w").model
        let (piModel, piLines) = cut(pi, sensors: ["bme280@0x76"], network: ["gossip.round"])
        // A 20 Ah, 3.7 V power bank for three days: the board's idle draw is almost all of the budget, so the
        // sampling rates have well under 1 mA to spend.
        scenarios.append(Scenario(
            name: "pi-zero-2w, 20 Ah power bank, 72 h: bme280 + gossip",
            model: piModel, battery: Battery(capacityAmpereHours: 20, nominalVolts: 3.7), lifetime: .seconds(72 * 3600),
            span: .seconds(72 * 3600), powerLines: piLines))
        return scenarios
    }

    /// `model` with only the tasks of `sensors` (by component) and `network` (by task name); each sensor switched
    /// by a line of its own on a chip named after the model.
    static func cut(_ model: PowerModel, sensors: [String], network: [String]) -> (PowerModel, [String: PowerLine]) {
        var model = model
        model.tasks = model.tasks.filter { sensors.contains($0.component) || network.contains($0.name) }
        var lines: [String: PowerLine] = [:]
        for (offset, sensor) in sensors.enumerated() { lines[sensor] = PowerLine(chip: model.name, offset: offset) }
        for index in model.components.indices where lines[model.components[index].name] != nil {
            model.components[index].restingState = .off
        }
        return (model, lines)
    }

    /// Plans, schedules and simulates `scenario`.
    public static func run(_ scenario: Scenario) throws -> Result {
        let plan = try EnergyPlanner.plan(scenario.model, battery: scenario.battery, lifetime: scenario.lifetime)
        let configuration = try DutyCycleScheduler.Configuration(
            model: scenario.model, powerLines: scenario.powerLines, budget: BudgetController(plan: plan))
        let scheduler = try DutyCycleScheduler(configuration, plannedPeriods: plan.periods)
        var simulation = DutyCycleSimulation(scheduler: scheduler, model: scenario.model,
                                             batteryVolts: scenario.battery.nominalVolts, changes: scenario.changes)
        simulation.run(for: scenario.span)
        let figures = simulation.figures
        let hours = seconds(figures.elapsed) / 3600
        return Result(
            name: scenario.name, budget: plan.budgetAmperes, predicted: plan.averageCurrentAmperes,
            achieved: figures.averageCurrent,
            highestWindowAverage: simulation.windowAverages.max() ?? 0,
            wakeUpsPerHour: figures.wakeUpsPerHour, minimumWakeUpsPerHour: figures.minimumWakeUpsPerHour,
            uncoalescedWakeUpsPerHour: Double(figures.uncoalescedWakeUps) / hours,
            finalPeriods: simulation.scheduler.periods.values.sorted(), violations: simulation.violations,
            span: figures.elapsed)
    }
}
