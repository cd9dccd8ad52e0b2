#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import MoteEnergy
import MoteHAL
import MoteNode
import MoteSensors
import MoteSimulation

/// `mote read --duty-cycle`'s options: the budget, the profile, the power lines and where the ledger goes.
struct DutyCycleOptions: ParsableArguments {
    @Flag(help: """
        Run the duty-cycling scheduler: sample each sensor on its own period, powering it through --power-line, \
        within the budget of --battery/--voltage/--lifetime, and keep the energy ledger in --state-dir. Stops \
        after --count readings or on Ctrl-C, saving the ledger.
        """)
    var dutyCycle = false

    @Option(help: ArgumentHelp("Rated battery capacity: mAh or Ah (e.g. 2850mAh).", valueName: "capacity"))
    var battery: String?

    @Option(help: ArgumentHelp("Nominal battery voltage: V or mV (e.g. 3V).", valueName: "voltage"))
    var voltage: String?

    @Option(help: ArgumentHelp("Lifetime to reach: ms, s, min, h, d or y (e.g. 365d).", valueName: "duration"))
    var lifetime: String?

    @OptionGroup var powerModel: PowerModelOptions

    @Option(name: .customLong("power-line"), help: ArgumentHelp(
        "A GPIO line switching the sensors' supply, CHIP:LINE (offset or name), or one sensor's, "
            + "DEVICE=CHIP:LINE; repeat for several.", valueName: "[device=]chip:line"))
    var powerLines: [String] = []

    @OptionGroup var stateDirectory: StateDirectoryOptions

    @Option(help: ArgumentHelp("The shortest period of a sensor's sampling (default: the profile's, or 1s).",
                               valueName: "duration"))
    var minPeriod: DurationArgument?

    @Option(help: ArgumentHelp("The longest period of a sensor's sampling (default: the profile's, or 1h).",
                               valueName: "duration"))
    var maxPeriod: DurationArgument?

    @Flag(help: "With --simulate: jump over the waits instead of sleeping through them (a day in moments).")
    var virtualTime = false

    var enabled: Bool { dutyCycle }

    /// Refuses options that mean nothing without --duty-cycle, a budget given in part, and virtual time on
    /// hardware.
    func validate(simulate: Bool) throws {
        let budget = [battery, voltage, lifetime].compactMap { $0 }
        let rest: [Any?] = [powerModel.profile, powerModel.config, stateDirectory.stateDir, minPeriod, maxPeriod,
                            powerLines.isEmpty ? nil : powerLines, virtualTime ? true : nil]
        if !dutyCycle, !budget.isEmpty || rest.contains(where: { $0 != nil }) {
            throw ValidationError("--battery, --voltage, --lifetime, --profile, --config, --power-line, --state-dir, "
                + "--min-period, --max-period and --virtual-time go with --duty-cycle")
        }
        if !budget.isEmpty, budget.count != 3 {
            throw ValidationError("give --battery, --voltage and --lifetime together (e.g. --battery 2850mAh "
                + "--voltage 3V --lifetime 365d)")
        }
        if virtualTime, !simulate { throw ValidationError("--virtual-time needs --simulate") }
    }
}

/// Set by SIGINT and SIGTERM; the runner looks at it between directives and while it sleeps.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

extension Read {
    /// Runs the scheduler against the board until `--count` readings or a signal, printing readings as `mote read`
    /// does and saving the ledger.
    func runDutyCycle() throws {
        let options = dutyCycle
        let virtual = options.virtualTime
        let manualClock = ManualClock()
        let realClock = MonotonicClock()
        let simulated = self.board.simulate || self.board.scenario != nil
        let board = try self.board.board(clock: virtual ? manualClock as any SimulationClock : realClock)
        let now: () -> Duration = virtual ? { manualClock.now } : { realClock.now }
        let number = bus ?? board.defaultI2CBus
        let handle = try hardware { () throws(HardwareError) in try board.openI2CBus(number) }
        let found = try openSensors(on: handle, number: number, delay: board.delay)
        var sensors: [ScheduledSensor] = []
        var drivers: [(device: String, driver: String)] = []
        for sensor in found {
            guard let family = SensorCatalog.family(named: sensor.model) else { continue }
            let device = "\(sensor.model)@\(sensor.address)"
            sensors.append(ScheduledSensor(device: device, bus: number, address: sensor.address, family: family))
            drivers.append((device, sensor.model))
        }
        guard !sensors.isEmpty else {
            throw Failure("no sensor the scheduler can sample on bus \(number)", code: Failure.unavailable)
        }

        var specifications: [(PowerLineSpecification, PowerLine)] = []
        for text in options.powerLines {
            let specification = try setup { () throws(SetupError) in try PowerLineSpecification(parsing: text) }
            let (_, offsets) = try openLines(specification.chip, [specification.line], on: board)
            specifications.append((specification, PowerLine(chip: specification.chip, offset: offsets[0])))
        }
        let lines = try setup { () throws(SetupError) in
            try PowerLineSpecification.assign(specifications, to: sensors.map(\.device))
        }
        let (profileModel, overrides) = try options.powerModel.load()
        let model = try setup { () throws(SetupError) in
            try DutyCycleSetup.model(profile: profileModel, sensors: drivers, powerLines: lines,
                                     minimumPeriod: options.minPeriod?.duration,
                                     maximumPeriod: options.maxPeriod?.duration)
        }

        var budget: BudgetController?
        var periods = Dictionary(uniqueKeysWithValues: model.tasks.map { need in
            (need.name, min(max(interval.duration, need.minimumPeriod), need.maximumPeriod))
        })
        var batteryVolts = model.cpu?.supplyVolts ?? 5
        if let capacity = options.battery, let voltage = options.voltage, let lifetime = options.lifetime {
            let pack = Battery(
                capacityAmpereHours: try quantity(.capacity, capacity, option: "--battery"),
                nominalVolts: try quantity(.voltage, voltage, option: "--voltage"),
                usableFraction: overrides.usableFraction ?? Battery.defaultUsableFraction,
                selfDischargePerYear: overrides.selfDischargePerYear ?? Battery.defaultSelfDischargePerYear)
            let life = Duration.seconds(try quantity(.duration, lifetime, option: "--lifetime"))
            let plan = try planOrFail(model, battery: pack, lifetime: life)
            periods = plan.periods
            budget = BudgetController(plan: plan)
            batteryVolts = pack.nominalVolts
        }

        // On hardware the kernel's CPU accounting charges the CPU; simulated, the model's cost per wake-up does.
        let scheduler = try setup { () throws(SchedulerError) in
            let configuration = try DutyCycleScheduler.Configuration(
                model: model, powerLines: lines, budget: budget, chargesCPUWakeUps: simulated)
            return try DutyCycleScheduler(configuration, plannedPeriods: periods)
        }
        let store = options.stateDirectory.store
        let output = ReadingOutput(
            format: format, watch: false, derived: derived, altitude: altitude, seaLevelPressure: seaLevelPressure,
            temperatureUnit: temperatureUnit, pressureUnit: pressureUnit,
            modelColumnWidth: drivers.map(\.driver.count).max() ?? 0)
        let offsets = ChannelOffsets(temperatureCelsius: temperatureOffset, relativeHumidityPercent: humidityOffset,
                                     pressurePascals: pressureOffset)
        let started = (date: Date(), time: now())
        let tally = Tally()
        let runner = try running { () throws(ScheduleRunnerError) in
            try ScheduleRunner(
                board: board, scheduler: scheduler, sensors: sensors, clock: now,
                ledger: EnergyLedger(model: model, start: started.time, processCPUTime: ProcessCPUTime.current()),
                batteryVolts: batteryVolts, store: store, recordsProcessCPUTime: !simulated,
                onReading: { sample in
                    let time = started.date.addingTimeInterval(seconds(sample.time - started.time))
                    let result = ReadingResult(bus: sample.bus, address: sample.address, model: sample.model,
                                               time: time, reading: sample.reading?.applying(offsets),
                                               error: sample.error)
                    output.emit([result], round: tally.readings)
                    tally.readings += 1
                    if sample.error != nil { tally.failures += 1 }
                })
        }
        runner.sleepSlice = virtual ? nil : .milliseconds(200)
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
        let limit = count ?? Int.max
        try running { () throws(ScheduleRunnerError) in
            try runner.start()
            try runner.save()
            try runner.run(until: { stopRequested != 0 || tally.readings >= limit })
        }
        if tally.failures > 0 {
            throw Failure("\(tally.failures) of \(tally.readings) readings failed", code: Failure.ioError)
        }
    }

    /// Counts what the reading callback has seen.
    private final class Tally {
        var readings = 0
        var failures = 0
    }
}

/// The planner's plan, or the failure to show: 78 for a budget no plan fits, 64 for a battery that makes no sense.
func planOrFail(_ model: PowerModel, battery: Battery, lifetime: Duration) throws -> EnergyPlan {
    do {
        return try EnergyPlanner.plan(model, battery: battery, lifetime: lifetime)
    } catch {
        switch error {
        case .invalidBattery: throw Failure(error.description, code: Failure.usage)
        case .selfDischargeExceedsLifetime, .budgetTooSmall: throw Failure(error.description, code: Failure.infeasible)
        }
    }
}

/// Seconds of a duration.
private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// Runs `body`, turning a setup or scheduler mistake into a usage failure.
private func setup<T, E: Error & CustomStringConvertible>(_ body: () throws(E) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw Failure(error.description, code: Failure.usage)
    }
}

/// Runs `body`, turning the runner's failure into the CLI's one-line failure with the right exit code.
private func running<T>(_ body: () throws(ScheduleRunnerError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        switch error {
        case .hardware(let hardware): throw Failure(hardware)
        case .ledger, .unknownDevice: throw Failure(error.description, code: Failure.software)
        case .store(let store): throw Failure(store)
        }
    }
}
