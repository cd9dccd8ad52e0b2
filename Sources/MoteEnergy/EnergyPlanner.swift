/// One task of a plan: the period chosen for it and what it costs.
public struct PlannedTask: Sendable, Equatable {
    /// The task as the profile gives it (name, component, period bounds, traffic).
    public var need: SamplingNeed
    /// The chosen period, within the task's bounds, rounded up to the millisecond.
    public var period: Duration
    /// The charge one run draws from the battery beyond the resting floor (C), the CPU's wake-up included.
    public var chargePerRunCoulombs: Double
    /// Of that, the part drawn by the CPU's wake-up (C).
    public var cpuChargePerRunCoulombs: Double
    /// The task's share of the average battery current at this period (A).
    public var averageCurrentAmperes: Double

    /// The fraction of its fastest rate the task runs at: minimum period / period.
    public var samplingFraction: Double { seconds(need.minimumPeriod) / seconds(period) }
}

/// What one component draws from the battery on average under a plan.
public struct ComponentShare: Sendable, Equatable {
    /// The component.
    public var component: String
    /// Its resting draw plus its part of every task's runs (A, battery side).
    public var averageCurrentAmperes: Double
    /// Its fraction of the plan's average current.
    public var fraction: Double
}

/// The planner's answer: a period per task, the predicted average current and lifetime, and who spends it.
///
/// A plain value: the scheduler takes `tasks` (name → period) as its starting periods and adapts them at run time.
public struct EnergyPlan: Sendable, Equatable {
    /// The model's name.
    public var profile: String
    /// The battery planned for.
    public var battery: Battery
    /// The lifetime asked for.
    public var targetLifetime: Duration
    /// The average battery current that lasts exactly `targetLifetime` (A).
    public var budgetAmperes: Double
    /// What the battery sees with every task resting (A).
    public var floorAmperes: Double
    /// The tasks, in the model's order, with their periods.
    public var tasks: [PlannedTask]
    /// The predicted average battery current (A), never above the budget.
    public var averageCurrentAmperes: Double
    /// How long the battery lasts at that current (at least `targetLifetime`).
    public var lifetime: Duration
    /// Per component, largest first.
    public var components: [ComponentShare]
    /// True when every task runs at its minimum period and the budget is still not spent.
    public var budgetExceedsNeeds: Bool
    /// What the figures assume, for the output.
    public var assumptions: [String]

    /// The component drawing most.
    public var dominant: ComponentShare? { components.first }

    /// Periods by task name: the scheduler's input.
    public var periods: [String: Duration] {
        Dictionary(tasks.map { ($0.need.name, $0.period) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Why no plan fits.
public enum PlanError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The battery's figures make no sense (a fraction out of range, a zero capacity).
    case invalidBattery(String)
    /// Self-discharge alone empties the battery before the lifetime: no current is left for the node.
    case selfDischargeExceedsLifetime(lifetime: Duration, battery: Battery)
    /// Even with every task at its maximum period the node draws more than the budget. Says by how much, and what
    /// would fit: the lifetime this battery gives at the minimum draw, and the capacity the lifetime needs.
    case budgetTooSmall(minimumAmperes: Double, budgetAmperes: Double, achievableLifetime: Duration,
                        capacityNeededAmpereHours: Double?, lifetime: Duration)

    /// One line for the user.
    public var description: String {
        switch self {
        case .invalidBattery(let reason):
            return "battery: \(reason)"
        case .selfDischargeExceedsLifetime(let lifetime, let battery):
            return "self-discharge (\(HumanUnits.percent(battery.selfDischargePerYear)) a year) empties "
                + "\(HumanUnits.charge(ampereHours: battery.capacityAmpereHours)) before "
                + "\(HumanUnits.duration(lifetime)) even with the node off: shorten the lifetime"
        case .budgetTooSmall(let minimum, let budget, let achievable, let needed, let lifetime):
            var text = "impossible budget: the minimum duty (every task at its maximum period, plus the always-on "
                + "floor) draws \(HumanUnits.current(minimum)), \(HumanUnits.current(minimum - budget)) over the "
                + "\(HumanUnits.current(budget)) budget for \(HumanUnits.duration(lifetime)); this battery lasts "
                + "\(HumanUnits.duration(achievable)) at that draw"
            if let needed {
                text += ", and \(HumanUnits.duration(lifetime)) needs \(HumanUnits.charge(ampereHours: needed)) "
                    + "of the same cells"
            }
            return text
        }
    }
}

/// Chooses task periods that spend an average-current budget: the battery and lifetime set the budget, the power
/// model sets each task's cost, and the planner stretches every task by a common factor.
///
/// The cost of a run is the charge above the resting floor: a sensor's start-up at its `boot` current and one
/// conversion at its `measuring` (or `active`) current; a network round's bytes at the link rate in `transmit`
/// and its listening window in `receive`, plus the radio's start-up in `boot`; and for every run the CPU's
/// `activeTimePerWakeUp` of one core, i.e. that time over the core count at the all-cores `active` current (as the
/// ledger counts process CPU time). Runs are costed as if each woke the node on its own: the
/// scheduler's coalescing can only make the real draw lower.
///
/// Objective: every task runs at the same fraction f of its fastest rate (period = minimum period / f), clamped to
/// its period bounds, with f as large as the budget allows. This is the lexicographic max-min fair allocation of
/// the sampling fractions under one budget: no task's fraction can rise without lowering the fraction of a task
/// that is no better off. f is found by bisection on the monotonic average current, then periods are rounded up
/// to the millisecond, so the plan never exceeds the budget.
public enum EnergyPlanner {
    /// Plans `model`'s tasks for `battery` to last `lifetime`.
    public static func plan(_ model: PowerModel, battery: Battery, lifetime: Duration) throws(PlanError)
        -> EnergyPlan
    {
        if let problem = battery.validate() { throw .invalidBattery(problem) }
        guard lifetime > .zero else { throw .invalidBattery("the lifetime must be positive") }
        let budget = battery.averageCurrentBudget(for: lifetime)
        guard budget > 0 else { throw .selfDischargeExceedsLifetime(lifetime: lifetime, battery: battery) }
        let costs = model.tasks.map { taskCost($0, model: model, batteryVolts: battery.nominalVolts) }
        let floor = model.components.reduce(0.0) { sum, component in
            sum + batteryCurrent(component, component.restingState, model: model, volts: battery.nominalVolts)
        }
        let minimums = model.tasks.map { seconds($0.minimumPeriod) }
        let maximums = model.tasks.map { seconds($0.maximumPeriod) }
        func periods(_ fraction: Double) -> [Double] {
            zip(minimums, maximums).map { minimum, maximum in min(max(minimum / fraction, minimum), maximum) }
        }
        func current(_ periods: [Double]) -> Double {
            floor + zip(costs, periods).reduce(0.0) { $0 + $1.0.total / $1.1 }
        }
        let slowest = current(maximums)
        guard slowest <= budget else {
            throw .budgetTooSmall(
                minimumAmperes: slowest, budgetAmperes: budget,
                achievableLifetime: battery.lifetime(averageCurrent: slowest),
                capacityNeededAmpereHours: battery.capacityNeeded(averageCurrent: slowest, lifetime: lifetime),
                lifetime: lifetime)
        }
        let fastest = current(minimums)
        var chosen: [Double]
        if fastest <= budget {
            chosen = minimums
        } else {
            // Below `low` the draw fits, above `high` it does not; f = min/max ratio puts every task at its maximum.
            var low = 0.0
            var high = 1.0
            for _ in 0..<200 {
                let middle = (low + high) / 2
                if current(periods(middle)) <= budget { low = middle } else { high = middle }
            }
            chosen = low > 0 ? periods(low) : maximums
        }
        let rounded = zip(chosen, maximums).map { period, maximum in
            min((period * 1_000).rounded(.up) / 1_000, maximum)
        }
        let average = current(rounded)
        var shares: [String: Double] = [:]
        for component in model.components {
            shares[component.name] = batteryCurrent(component, component.restingState, model: model,
                                                    volts: battery.nominalVolts)
        }
        var tasks: [PlannedTask] = []
        for ((need, cost), period) in zip(zip(model.tasks, costs), rounded) {
            tasks.append(PlannedTask(need: need, period: duration(seconds: period),
                                     chargePerRunCoulombs: cost.total, cpuChargePerRunCoulombs: cost.cpu,
                                     averageCurrentAmperes: cost.total / period))
            shares[need.component, default: 0] += (cost.total - cost.cpu) / period
            if let cpu = model.cpu { shares[cpu.name, default: 0] += cost.cpu / period }
        }
        let components = model.components.map { component in
            ComponentShare(component: component.name, averageCurrentAmperes: shares[component.name] ?? 0,
                           fraction: average > 0 ? (shares[component.name] ?? 0) / average : 0)
        }.sorted { $0.averageCurrentAmperes > $1.averageCurrentAmperes }
        return EnergyPlan(
            profile: model.name, battery: battery, targetLifetime: lifetime, budgetAmperes: budget,
            floorAmperes: floor, tasks: tasks, averageCurrentAmperes: average,
            lifetime: battery.lifetime(averageCurrent: average), components: components,
            budgetExceedsNeeds: fastest <= budget, assumptions: assumptions(model: model, battery: battery))
    }

    /// The charge (C, battery side) one run of `need` draws above the resting floor, and the CPU's part of it.
    public static func taskCost(_ need: SamplingNeed, model: PowerModel, batteryVolts: Double)
        -> (total: Double, cpu: Double)
    {
        var cpuCharge = 0.0
        if let cpu = model.cpu, let active = cpu.current(in: .active) {
            let rest = cpu.current(in: cpu.restingState) ?? 0
            cpuCharge = model.supply.batteryCurrent(active - rest, componentVolts: cpu.supplyVolts,
                                                    batteryVolts: batteryVolts)
                * seconds(cpu.activeTimePerWakeUp) / Double(cpu.cores)
        }
        guard let component = model.component(named: need.component) else {
            return (max(0, cpuCharge), max(0, cpuCharge))
        }
        let rest = component.current(in: component.restingState) ?? 0
        func above(_ state: PowerState, _ time: Duration) -> Double {
            guard time > .zero, let amperes = component.current(in: state) else { return 0 }
            return model.supply.batteryCurrent(amperes - rest, componentVolts: component.supplyVolts,
                                               batteryVolts: batteryVolts) * seconds(time)
        }
        var charge = above(.boot, component.startupTime)
        switch component.kind {
        case .radio:
            if let bitRate = component.bitRate, need.transmitBytes > 0 {
                charge += above(.transmit, duration(seconds: Double(need.transmitBytes) * 8 / bitRate))
            }
            charge += above(.receive, need.listenTime)
        case .sensor, .load, .cpu:
            charge += above(component.current(in: .measuring) != nil ? .measuring : .active,
                            component.measurementTime)
        }
        // A state below the resting current would make running cheaper than resting; plan such a run as free.
        return (max(0, charge) + max(0, cpuCharge), max(0, cpuCharge))
    }

    private static func batteryCurrent(_ component: ComponentModel, _ state: PowerState, model: PowerModel,
                                       volts: Double) -> Double
    {
        model.supply.batteryCurrent(component.current(in: state) ?? 0, componentVolts: component.supplyVolts,
                                    batteryVolts: volts)
    }

    private static func assumptions(model: PowerModel, battery: Battery) -> [String] {
        var result = battery.assumptions
        switch model.supply {
        case .direct:
            result.append("supply: components fed straight from the battery (or a linear regulator): battery "
                + "current = component current")
        case .switching(let efficiency):
            result.append("supply: a switching converter at \(HumanUnits.percent(efficiency)) efficiency: "
                + "battery current = component power / (\(formatDecimal(battery.nominalVolts, places: 2)) V × "
                + "efficiency)")
        }
        result.append("each task run wakes the node on its own (coalesced wake-ups only lower the draw); "
            + "periods share one stretch factor within their bounds and are rounded up to the millisecond")
        return result
    }
}
