import MoteEnergy
import XCTest

final class BatteryTests: XCTestCase {
    func testTwoAACellsForAYearGiveAbout200Microamperes() {
        // The textbook reasoning: 2850 mAh (Energizer E91 rating) over one year (8760 h) is 325 µA if every
        // milliampere-hour could be used; with 65 % usable and 3 %/year self-discharge (this project's stated
        // defaults, see Battery) about 200 µA remain.
        let battery = Battery.twoAAAlkaline
        let year = Duration.seconds(365 * 86_400)
        XCTAssertEqual(2.850 / 8_760, 325.3e-6, accuracy: 0.05e-6)
        XCTAssertEqual(battery.usableAmpereHours / 8_760, 211.5e-6, accuracy: 0.05e-6)
        XCTAssertEqual(battery.selfDischargeAmperes, 9.760e-6, accuracy: 0.001e-6)
        XCTAssertEqual(battery.averageCurrentBudget(for: year), 201.7e-6, accuracy: 0.05e-6)
        XCTAssertEqual(battery.budgetReasoning(for: year),
                       "2850 mAh / 8760 h = 325.3 µA raw; × 0.65 usable = 211.5 µA; − 9.760 µA self-discharge = "
                           + "201.7 µA")
    }

    func testLifetimeBudgetAndCapacityAreInverses() throws {
        let battery = Battery(capacityAmpereHours: 2.4, nominalVolts: 3, usableFraction: 0.8,
                              selfDischargePerYear: 0.02)
        for days in [1.0, 30, 365, 1_000] {
            let lifetime = Duration.seconds(days * 86_400)
            let budget = battery.averageCurrentBudget(for: lifetime)
            XCTAssertEqual(seconds(battery.lifetime(averageCurrent: budget)), days * 86_400, accuracy: 1e-3)
            let needed = try XCTUnwrap(battery.capacityNeeded(averageCurrent: budget, lifetime: lifetime))
            XCTAssertEqual(needed, 2.4, accuracy: 1e-9)
        }
        // 100 µA for 1000 h uses 0.1 Ah; self-discharge takes 2.4 Ah × 2 % × 1000/8760 more.
        let remaining = battery.remainingAmpereHours(consumedCoulombs: 100e-6 * 3_600_000, elapsed: .seconds(3_600_000))
        XCTAssertEqual(remaining, 2.4 * 0.8 - 0.1 - 2.4 * 0.02 * 1_000 / 8_760, accuracy: 1e-12)
        XCTAssertEqual(battery.remainingAmpereHours(consumedCoulombs: 1e9, elapsed: .zero), 0)
        // Self-discharge alone outlasts nothing beyond usable / rate years: no capacity can make 50 years here.
        XCTAssertNil(battery.capacityNeeded(averageCurrent: 1e-6, lifetime: .seconds(50 * 31_536_000)))
    }

    func testInvalidFiguresAreNamed() {
        XCTAssertNotNil(Battery(capacityAmpereHours: 0, nominalVolts: 3).validate())
        XCTAssertNotNil(Battery(capacityAmpereHours: 1, nominalVolts: 3, usableFraction: 1.5).validate())
        XCTAssertNotNil(Battery(capacityAmpereHours: 1, nominalVolts: 3, selfDischargePerYear: -0.1).validate())
        XCTAssertNil(Battery.twoAAAlkaline.validate())
    }
}

final class PlannerTests: XCTestCase {
    let year = Duration.seconds(365 * 86_400)

    func testMicaOnTwoAACellsForAYearSpendsAbout200MicroamperesAndNamesTheDominantComponent() throws {
        let model = try BoardProfiles.load("mica").model
        let plan = try EnergyPlanner.plan(model, battery: .twoAAAlkaline, lifetime: year)
        XCTAssertEqual(plan.budgetAmperes, 201.7e-6, accuracy: 0.05e-6)
        XCTAssertLessThanOrEqual(plan.averageCurrentAmperes, plan.budgetAmperes)
        XCTAssertGreaterThanOrEqual(plan.averageCurrentAmperes, 0.99 * plan.budgetAmperes)
        XCTAssertGreaterThanOrEqual(plan.lifetime, year)
        XCTAssertEqual(plan.floorAmperes, 10e-6, accuracy: 1e-12, "the CPU's 10 µA suspend; sensors gated off")
        XCTAssertEqual(plan.tasks.count, 7)
        for task in plan.tasks {
            XCTAssertGreaterThanOrEqual(task.period, task.need.minimumPeriod)
            XCTAssertLessThanOrEqual(task.period, task.need.maximumPeriod)
        }
        // One gossip round: 36 bytes at 40 kbit/s (7.2 ms) at 12 mA, 100 ms listening at 3.6 mA, 2 ms of CPU at
        // 4.6 mA above its 10 µA suspend.
        let round = try XCTUnwrap(plan.tasks.first { $0.need.name == "gossip.round" })
        XCTAssertEqual(round.chargePerRunCoulombs, 7.2e-3 * 12e-3 + 0.1 * 3.6e-3 + 2e-3 * (4.6e-3 - 10e-6),
                       accuracy: 1e-12)
        XCTAssertEqual(plan.dominant?.component, "radio")
        let shares = plan.components.reduce(0) { $0 + $1.averageCurrentAmperes }
        XCTAssertEqual(shares, plan.averageCurrentAmperes, accuracy: 1e-12, "the breakdown adds up")
    }

    func testCommonScalingIsLexicographicallyMaxMinOptimalAgainstBruteForce() throws {
        // Three tasks of different costs and bounds; every grid point of periods that fits the budget is compared
        // with the plan by its sorted sampling fractions (min period / period). None may beat the plan.
        var model = handModel()
        model.tasks = [
            SamplingNeed(name: "sense.sensor", component: "sensor", minimumPeriod: .seconds(1),
                         maximumPeriod: .seconds(60)),
            SamplingNeed(name: "gossip.round", component: "radio", minimumPeriod: .seconds(2),
                         maximumPeriod: .seconds(30), transmitBytes: 200, listenTime: .milliseconds(50)),
            SamplingNeed(name: "cool", component: "fan", minimumPeriod: .seconds(10), maximumPeriod: .seconds(20)),
        ]
        model.components[0].currents[.idle] = nil                  // rest the CPU asleep so tasks dominate
        model.components[0].restingState = .sleep
        model.components[1].restingState = .idle
        model.components[1].currents[.idle] = 0
        model.components[3].measurementTime = .milliseconds(200)
        let battery = Battery(capacityAmpereHours: 1, nominalVolts: 3, usableFraction: 1, selfDischargePerYear: 0)
        let costs = model.tasks.map { EnergyPlanner.taskCost($0, model: model, batteryVolts: 3).total }
        let floor = 10e-6
        for lifetimeHours in [40.0, 100, 300, 600] {
            let lifetime = Duration.seconds(lifetimeHours * 3_600)
            let plan = try EnergyPlanner.plan(model, battery: battery, lifetime: lifetime)
            let planFractions = plan.tasks.map(\.samplingFraction).sorted()
            let budget = plan.budgetAmperes
            XCTAssertLessThanOrEqual(plan.averageCurrentAmperes, budget)
            var best: [Double] = []
            for first in stride(from: 1.0, through: 60, by: 0.5) {
                for second in stride(from: 2.0, through: 30, by: 0.5) {
                    for third in stride(from: 10.0, through: 20, by: 0.25) {
                        let current = floor + costs[0] / first + costs[1] / second + costs[2] / third
                        guard current <= budget else { continue }
                        let fractions = [1 / first, 2 / second, 10 / third].sorted()
                        if best.isEmpty || isLexicographicallyGreater(fractions, best) { best = fractions }
                    }
                }
            }
            XCTAssertFalse(best.isEmpty, "\(lifetimeHours) h: the grid has feasible points to compare with")
            // The plan's rounding to the millisecond costs at most a relative 1e-3 of a fraction.
            for (mine, theirs) in zip(planFractions, best) {
                if mine < theirs * (1 - 2e-3) {
                    XCTFail("\(lifetimeHours) h: grid \(best) beats plan \(planFractions)")
                    break
                }
                if mine > theirs * (1 + 2e-3) { break }
            }
        }
    }

    private func isLexicographicallyGreater(_ lhs: [Double], _ rhs: [Double]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right { return left > right }
        return false
    }

    func testPlansNeverExceedTheBudgetAndSpendAtLeast95PercentOfIt() throws {
        var random = SeededGenerator(seed: 7)
        var model = handModel()
        model.components[0].restingState = .sleep
        for _ in 0..<200 {
            model.tasks = (0..<Int.random(in: 1...5, using: &random)).map { index in
                let minimum = Duration.milliseconds(Int64.random(in: 100...10_000, using: &random))
                let component = ["sensor", "radio", "fan"].randomElement(using: &random)!
                return SamplingNeed(name: "task\(index)", component: component, minimumPeriod: minimum,
                                    maximumPeriod: minimum * Int.random(in: 1...1_000, using: &random),
                                    transmitBytes: Int.random(in: 0...500, using: &random),
                                    listenTime: .milliseconds(Int64.random(in: 0...100, using: &random)))
            }
            let battery = Battery(capacityAmpereHours: Double.random(in: 0.1...10, using: &random), nominalVolts: 3)
            let lifetime = Duration.seconds(Int64.random(in: 3_600...100_000_000, using: &random))
            do {
                let plan = try EnergyPlanner.plan(model, battery: battery, lifetime: lifetime)
                XCTAssertLessThanOrEqual(plan.averageCurrentAmperes, plan.budgetAmperes)
                let pinned = plan.tasks.allSatisfy { $0.period == $0.need.maximumPeriod }
                if !plan.budgetExceedsNeeds && !pinned {
                    XCTAssertGreaterThanOrEqual(plan.averageCurrentAmperes, 0.95 * plan.budgetAmperes)
                }
                XCTAssertGreaterThanOrEqual(plan.lifetime + .seconds(1), lifetime)
            } catch {
                switch error {
                case .budgetTooSmall(let minimum, let budget, _, _, _): XCTAssertGreaterThan(minimum, budget)
                case .selfDischargeExceedsLifetime:
                    XCTAssertLessThanOrEqual(battery.averageCurrentBudget(for: lifetime), 0)
                case .invalidBattery: XCTFail("\(error)")
                }
            }
        }
    }

    func testAnImpossibleBudgetSaysByHowMuchAndWhatWouldFit() throws {
        // A Raspberry Pi Zero 2 W idles at 120 mA (5 V): two AA cells cannot run it for a year.
        let model = try BoardProfiles.load("pi-zero-2w").model
        XCTAssertThrowsError(try EnergyPlanner.plan(model, battery: .twoAAAlkaline, lifetime: year)) { error in
            guard case PlanError.budgetTooSmall(let minimum, let budget, let achievable, let needed, _) = error else {
                return XCTFail("\(error)")
            }
            // The floor alone: 120 mA at 5 V through a 90 % boost from 3 V.
            XCTAssertGreaterThan(minimum, 0.120 * 5 / (3 * 0.9))
            XCTAssertEqual(budget, 201.7e-6, accuracy: 0.05e-6)
            XCTAssertEqual(achievable, Battery.twoAAAlkaline.lifetime(averageCurrent: minimum))
            let capacity = needed ?? 0
            let bigger = Battery(capacityAmpereHours: capacity, nominalVolts: 3)
            XCTAssertEqual(bigger.averageCurrentBudget(for: self.year), minimum, accuracy: minimum * 1e-9,
                           "the capacity named is exactly what the minimum duty needs")
            let text = "\(error)"
            XCTAssertTrue(text.contains("impossible budget"), text)
            XCTAssertTrue(text.contains("over the 201.7 µA budget"), text)
            XCTAssertTrue(text.contains("this battery lasts"), text)
        }
        let fortyYears = Duration.seconds(40 * 31_536_000)
        XCTAssertThrowsError(try EnergyPlanner.plan(model, battery: .twoAAAlkaline, lifetime: fortyYears)) { error in
            guard case PlanError.selfDischargeExceedsLifetime = error else { return XCTFail("\(error)") }
        }
    }

    func testAGenerousBudgetRunsEveryTaskAtItsMinimumPeriod() throws {
        let model = try BoardProfiles.load("mica").model
        let plan = try EnergyPlanner.plan(model, battery: .twoAAAlkaline, lifetime: .seconds(7 * 86_400))
        XCTAssertTrue(plan.budgetExceedsNeeds)
        XCTAssertEqual(plan.tasks.map(\.period), plan.tasks.map(\.need.minimumPeriod))
        XCTAssertEqual(plan.periods["sense.humidity"], .seconds(1))
        XCTAssertGreaterThan(plan.lifetime, .seconds(7 * 86_400))
    }
}
