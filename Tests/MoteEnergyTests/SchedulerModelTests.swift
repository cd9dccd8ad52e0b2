import MoteEnergy
import XCTest

/// The scheduler built from the energy branch's power models and plans, checked against its ledger.
final class SchedulerModelTests: XCTestCase {
    /// Each Mica weather-board sensor on a line of its own ("each switched on by the mote for a sample").
    func micaLines(_ model: PowerModel) -> [String: PowerLine] {
        var lines: [String: PowerLine] = [:]
        for (offset, component) in model.components.filter({ $0.kind == .sensor }).enumerated() {
            lines[component.name] = PowerLine(chip: "mica", offset: offset)
        }
        return lines
    }

    func testTheMicaPlanForTwoAACellsRunsWithinItsBudgetAndEveryRecordIsOneTheLedgerAccepts() throws {
        let model = try BoardProfiles.load("mica").model
        let plan = try EnergyPlanner.plan(model, battery: .twoAAAlkaline, lifetime: .seconds(365 * 86_400))
        var configuration = try DutyCycleScheduler.Configuration(
            model: model, powerLines: micaLines(model), budget: BudgetController(plan: plan))
        configuration.reportInterval = .seconds(3600)
        let scheduler = try DutyCycleScheduler(configuration, plannedPeriods: plan.periods)
        var simulation = DutyCycleSimulation(scheduler: scheduler, model: model, batteryVolts: 3)
        // The energy branch's ledger records the same stream, as the node's shell does.
        var ledger = EnergyLedger(model: model, start: .zero)
        var refusals: [String] = []
        simulation.observer = { now, directive in
            guard case .record(let transition) = directive else { return }
            do throws(LedgerError) {
                try ledger.enter(transition.state, component: transition.component, activity: transition.activity,
                                 at: now)
            } catch {
                if refusals.count < 5 { refusals.append("\(transition): \(error)") }
            }
        }
        let hours = Duration.seconds(6 * 3600)
        simulation.run(for: hours)
        try ledger.advance(to: simulation.now)
        XCTAssertEqual(simulation.violations, [])
        XCTAssertEqual(refusals, [])
        let figures = simulation.figures
        let ledgerCharge = ledger.totals.batteryChargeCoulombs(supply: model.supply, batteryVolts: 3)
        XCTAssertEqual(ledgerCharge, figures.charge, accuracy: figures.charge * 1e-9, "the same account")
        for component in model.components.map(\.name) {
            let total = ledger.timeInStates(of: component).values.reduce(Duration.zero, +)
            XCTAssertEqual(total, hours, "\(component): time across states = elapsed time")
        }
        // Coalescing: one wake-up per run of the fastest task.
        XCTAssertLessThanOrEqual(Double(figures.wakeUps), Double(figures.minimumWakeUps) * 1.1)
        // Once the controller has found the rate (two hourly reports): between 95 % and 100 % of the budget.
        let settled = simulation.reports.filter { $0.at > .seconds(2 * 3600) }.map(\.measuredAverageCurrent)
        XCTAssertFalse(settled.isEmpty)
        for measured in settled {
            XCTAssertLessThanOrEqual(measured, plan.budgetAmperes)
            XCTAssertGreaterThanOrEqual(measured, plan.budgetAmperes * 0.95)
        }
    }

    func testAModelTaskOnAComponentTheSchedulerCannotRunIsRefused() throws {
        var model = try BoardProfiles.load("mica").model
        model.tasks.append(SamplingNeed(name: "spin", component: "cpu", minimumPeriod: .seconds(1),
                                        maximumPeriod: .seconds(10)))
        XCTAssertThrowsError(try DutyCycleScheduler.Configuration(model: model)) { error in
            XCTAssertEqual((error as? SchedulerError)?.message,
                           "task spin drives cpu, a cpu: the scheduler runs sensor and network tasks only")
        }
    }

    func testTheStatesChosenFromTheModelAreOnesItHasCurrentsFor() throws {
        let model = try BoardProfiles.load("pi-zero-2w").model
        let configuration = try DutyCycleScheduler.Configuration(
            model: model, powerLines: ["bme280@0x76": PowerLine(chip: "gpiochip0", offset: 5)])
        XCTAssertEqual(configuration.cpu, "board")
        XCTAssertEqual(configuration.cpuRestingState, .idle, "a Raspberry Pi idles; it cannot sleep")
        let byName = Dictionary(uniqueKeysWithValues: configuration.tasks.map { ($0.name, $0) })
        XCTAssertEqual(byName["sense.bme280@0x76"]?.states, TaskStates(resting: .off, starting: .boot,
                                                                        poweredIdle: .sleep))
        XCTAssertEqual(byName["sense.sht3x@0x44"]?.powerLine, nil)
        XCTAssertEqual(byName["sense.sht3x@0x44"]?.states.resting, .sleep)
    }
}

/// The benchmark's scenarios build, plan and run; their figures are for the README, not asserted here.
final class DutyCycleBenchmarkTests: XCTestCase {
    func testEveryScenarioPlansAndRunsAnHourWithoutAViolation() throws {
        for var scenario in try DutyCycleBenchmark.scenarios() {
            scenario.span = .seconds(3600)
            let result = try DutyCycleBenchmark.run(scenario)
            XCTAssertEqual(result.violations, [], scenario.name)
            XCTAssertEqual(result.span, .seconds(3600), scenario.name)
            XCTAssertGreaterThan(result.wakeUpsPerHour, 0, scenario.name)
        }
    }
}
