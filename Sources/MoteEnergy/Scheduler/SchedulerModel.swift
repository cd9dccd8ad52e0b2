extension DutyCycleScheduler.Configuration {
    /// The scheduler's view of a power model: one task per `SamplingNeed`, with the components' timing, the states
    /// the model has currents for, and the CPU's wake-up cost as the planner counts it.
    ///
    /// A sensor task samples its component; `powerLines` names the line that switches a sensor (by component
    /// name), and a sensor without one stays powered. A network task wakes its radio for the component's start-up
    /// time, sends its `transmitBytes` at the radio's bit rate and listens for `listenTime`. The CPU works
    /// `activeTimePerWakeUp` of one core per wake-up, recorded as that time over the core count in `active` (the
    /// model's `active` current is all cores busy, as the planner and the ledger count it), and rests in its
    /// resting state otherwise, waits included. `chargesCPUWakeUps: false` leaves the CPU's work to the kernel's
    /// accounting (`EnergyLedger.recordProcessCPUTime`), which a shell on real hardware has.
    ///
    /// Throws when a task names a component the model lacks or one the scheduler cannot run (a CPU or a load), or
    /// when the model has no CPU.
    public init(model: PowerModel, powerLines: [String: PowerLine] = [:], budget: BudgetController? = nil,
                chargesCPUWakeUps: Bool = true) throws(SchedulerError)
    {
        guard let cpu = model.cpu else { throw SchedulerError("the power model \(model.name) has no CPU component") }
        var tasks: [SchedulerTask] = []
        for need in model.tasks {
            guard let component = model.component(named: need.component) else {
                throw SchedulerError("task \(need.name): no component \(need.component) in the power model")
            }
            switch component.kind {
            case .sensor:
                let line = powerLines[component.name]
                let resting = line == nil ? component.restingState : .off
                let states = TaskStates(
                    resting: resting,
                    starting: Self.first([.boot, .measuring], chargedBy: component) ?? resting,
                    poweredIdle: Self.first([.sleep, .idle, .boot, .measuring], chargedBy: component) ?? resting)
                tasks.append(SchedulerTask(
                    name: need.name,
                    work: .sample(device: component.name, startupTime: component.startupTime,
                                  measurementTime: component.measurementTime, powerLine: line),
                    minimumPeriod: need.minimumPeriod, maximumPeriod: need.maximumPeriod, states: states))
            case .radio:
                let transmit = component.bitRate.map { duration(seconds: Double(need.transmitBytes) * 8 / $0) }
                let states = TaskStates(
                    resting: component.restingState,
                    starting: Self.first([.boot, .idle, .receive], chargedBy: component) ?? component.restingState,
                    poweredIdle: component.restingState)
                tasks.append(SchedulerTask(
                    name: need.name,
                    work: .networkRound(radio: component.name, startupTime: component.startupTime,
                                        transmitTime: transmit ?? .zero, listenTime: need.listenTime),
                    minimumPeriod: need.minimumPeriod, maximumPeriod: need.maximumPeriod, states: states))
            case .cpu, .load:
                throw SchedulerError("task \(need.name) drives \(need.component), a \(component.kind.rawValue): "
                    + "the scheduler runs sensor and network tasks only")
            }
        }
        let activeTime = chargesCPUWakeUps ? cpu.activeTimePerWakeUp / max(cpu.cores, 1) : .zero
        self.init(tasks: tasks, cpu: cpu.name, cpuActiveTimePerWakeUp: activeTime,
                  cpuWaitingState: cpu.restingState, cpuRestingState: cpu.restingState, budget: budget)
    }

    /// The first of `states` the component's model has a current for.
    private static func first(_ states: [PowerState], chargedBy component: ComponentModel) -> PowerState? {
        states.first { component.current(in: $0) != nil }
    }
}

extension BudgetController {
    /// A controller for a plan: its budget, with the plan's resting floor, less 10 %, as the fixed current (an
    /// under-estimate, as the controller's stability needs), and the floor itself as what the margin is measured
    /// from.
    public init(plan: EnergyPlan) {
        let floor = min(plan.floorAmperes, plan.budgetAmperes)
        self.init(budget: plan.budgetAmperes, fixedCurrent: 0.9 * floor,
                  floorCurrent: floor < plan.budgetAmperes ? floor : 0.9 * floor)
    }
}

extension DutyCycleSimulation {
    /// A simulation drawing the battery-side currents of `model` (through its supply path at `batteryVolts`).
    public init(scheduler: DutyCycleScheduler, model: PowerModel, batteryVolts: Double,
                changes: [CurrentChange] = []) {
        var currents: [String: [PowerState: Double]] = [:]
        for component in model.components {
            for state in PowerState.allCases {
                guard let amperes = component.current(in: state) else { continue }
                currents[component.name, default: [:]][state] = model.supply.batteryCurrent(
                    amperes, componentVolts: component.supplyVolts, batteryVolts: batteryVolts)
            }
        }
        self.init(scheduler: scheduler, currents: currents, changes: changes)
    }
}
