import MoteEnergy
import MoteHAL
import MoteSensors

/// A sensor the runner samples: the scheduler's device name, where it answers, and the driver family to open it.
public struct ScheduledSensor: Sendable {
    /// The scheduler's device and ledger component: `bme280@0x76`.
    public var device: String
    /// The bus number.
    public var bus: Int
    /// The address.
    public var address: I2CAddress
    /// The driver family that opens it.
    public var family: SensorFamily

    /// Creates a sensor slot.
    public init(device: String, bus: Int, address: I2CAddress, family: SensorFamily) {
        self.device = device
        self.bus = bus
        self.address = address
        self.family = family
    }
}

/// One sample the runner took: the reading, or the error that stopped it.
public struct SampledReading: Sendable, Equatable {
    /// The scheduler's device name.
    public var device: String
    /// The bus number.
    public var bus: Int
    /// The address.
    public var address: I2CAddress
    /// The chip as its driver identified it (`bme280`), or the family's name when it could not be opened.
    public var model: String
    /// When the reading was delivered, on the runner's clock.
    public var time: Duration
    /// The reading, when the sample worked.
    public var reading: Reading?
    /// What went wrong, when it did not.
    public var error: String?
}

/// Why the runner stopped.
public enum ScheduleRunnerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A bus or GPIO operation failed in a way the node cannot carry on from (a power line could not be driven).
    case hardware(HardwareError)
    /// The ledger refused a record: the scheduler and the power model disagree about a component or state.
    case ledger(LedgerError)
    /// The ledger could not be saved or loaded.
    case store(LedgerStoreError)
    /// The scheduler named a device no sensor was given for.
    case unknownDevice(String)

    /// One line for the user.
    public var description: String {
        switch self {
        case .hardware(let error): return error.description
        case .ledger(let error): return "energy ledger: \(error)"
        case .store(let error): return error.description
        case .unknownDevice(let device): return "the scheduler names \(device), which no sensor was given for"
        }
    }
}

/// The shell of a `DutyCycleScheduler` (ARCHITECTURE.md, pattern 2): executes its directives on a board, real or
/// simulated, and keeps the energy ledger.
///
/// - Power lines are requested once, as outputs driven inactive, and switched with `setValues`.
/// - `initialise` opens the sensor's driver through its family (identify, reset, configure): after every power-on,
///   since an unpowered chip forgets its configuration. `startMeasurement` runs the driver's `read()`, which
///   triggers, waits its conversion on the board's delay and reads; `read` delivers that result. The drivers
///   expose one blocking read, so the conversion's time passes inside `startMeasurement` and the scheduler's wait
///   after it is then already over. A device that fails is reported as a reading with its error; the others carry on.
/// - Waits and sleeps use the board's `Delay` (a real sleep on hardware, the board's clock when simulated), in
///   slices of at most `sleepSlice` so that a stop request is seen promptly; the time comes from `clock`.
/// - Every `record` directive enters the state in the ledger at the clock's time. With `recordsProcessCPUTime`,
///   the kernel's CPU time for this process is re-filed into the CPU's `active` state before each sleep, so on
///   hardware the CPU's cost is measured, not guessed. A consumption report is the battery-side charge since the
///   last report over the time since; each report and the stop save the ledger (totals of earlier sessions plus
///   this one) through `LedgerStore`, atomically.
public final class ScheduleRunner {
    /// Called with each directive after it is executed, and the time: lets tests watch the GPIO lines.
    public var observer: ((Duration, SchedulerDirective) -> Void)?
    /// The scheduler, as it stands.
    public private(set) var scheduler: DutyCycleScheduler
    /// The ledger of this session.
    public private(set) var ledger: EnergyLedger
    /// The longest single sleep; nil sleeps to the deadline at once (a manual clock).
    public var sleepSlice: Duration?

    private let board: any Board
    private let clock: () -> Duration
    private let batteryVolts: Double
    private let store: LedgerStore?
    private let storeLock: LedgerLock?
    private let earlierSessions: LedgerSnapshot
    private let recordsProcessCPUTime: Bool
    private let onReading: (SampledReading) -> Void
    private let onNetworkRound: (String) -> Void
    private var sensors: [String: ScheduledSensor] = [:]
    private var buses: [Int: any I2CBus] = [:]
    private var drivers: [String: any SensorDriver] = [:]
    private var openFailures: [String: String] = [:]
    private var results: [String: SampledReading] = [:]
    private var lineRequests: [PowerLine: any GPIOLineRequest] = [:]
    private var railsOn: Set<PowerLine> = []
    private var pending: [SchedulerDirective] = []
    private var lastReport: (time: Duration, charge: Double)
    private var started = false

    /// Prepares a runner; `start()` requests the lines and runs the first wake-up.
    ///
    /// `ledger` starts this session (its model names the scheduler's components); `store`, when given, is where
    /// the ledger is saved: the runner holds its lock while it lives (another process keeping a ledger there is
    /// refused), and the snapshot it holds now is loaded so that the saved totals keep growing.
    public init(board: any Board, scheduler: DutyCycleScheduler, sensors: [ScheduledSensor],
                clock: @escaping () -> Duration, ledger: EnergyLedger, batteryVolts: Double,
                store: LedgerStore? = nil, recordsProcessCPUTime: Bool = false,
                onReading: @escaping (SampledReading) -> Void,
                onNetworkRound: @escaping (String) -> Void = { _ in }) throws(ScheduleRunnerError)
    {
        self.board = board
        self.scheduler = scheduler
        self.clock = clock
        self.ledger = ledger
        self.batteryVolts = batteryVolts
        self.store = store
        self.recordsProcessCPUTime = recordsProcessCPUTime
        self.onReading = onReading
        self.onNetworkRound = onNetworkRound
        do throws(LedgerStoreError) {
            self.storeLock = try store?.lock()
            self.earlierSessions = try store?.load() ?? .empty
        } catch {
            throw .store(error)
        }
        self.lastReport = (ledger.now, 0)
        for sensor in sensors { self.sensors[sensor.device] = sensor }
    }

    // MARK: Running

    /// Requests the power lines (driven inactive) and opens the sensors' buses, then starts the scheduler.
    public func start() throws(ScheduleRunnerError) {
        guard !started else { return }
        started = true
        var linesByChip: [String: [Int]] = [:]
        for task in scheduler.configuration.tasks {
            if let line = task.powerLine, !(linesByChip[line.chip]?.contains(line.offset) ?? false) {
                linesByChip[line.chip, default: []].append(line.offset)
            }
        }
        do throws(HardwareError) {
            for (chipName, offsets) in linesByChip.sorted(by: { $0.key < $1.key }) {
                let chip = try board.openGPIOChip(GPIOChipSelector(parsing: chipName))
                let request = try chip.requestLines(offsets.sorted(), settings: .output(.inactive),
                                                    consumer: "mote-node")
                for offset in offsets { lineRequests[PowerLine(chip: chipName, offset: offset)] = request }
            }
            for sensor in sensors.values where buses[sensor.bus] == nil {
                buses[sensor.bus] = try board.openI2CBus(sensor.bus)
            }
        } catch {
            throw .hardware(error)
        }
        pending = scheduler.onStart(now: clock())
    }

    /// Executes one batch of directives and waits for its deadline; returns false when `shouldStop` said so during
    /// a wait (the deadline not reached; the pending batch is kept).
    @discardableResult
    public func step(shouldStop: () -> Bool = { false }) throws(ScheduleRunnerError) -> Bool {
        if !started { try start() }
        let batch = pending
        pending = []
        for (index, directive) in batch.enumerated() {
            switch directive {
            case .wait(let deadline), .sleep(let deadline):
                if case .sleep = directive { try recordCPUTime() }
                observer?(clock(), directive)
                guard sleep(until: deadline, shouldStop: shouldStop) else {
                    pending = Array(batch[index...])
                    return false
                }
                pending = scheduler.onTimer(now: clock())
                return true
            case .reportConsumption:
                observer?(clock(), directive)
                let measured = try report()
                pending = scheduler.onLedgerReport(measuredAverageCurrent: measured, now: clock())
                return true
            default:
                try execute(directive)
                observer?(clock(), directive)
            }
        }
        return true
    }

    /// Runs until `shouldStop` returns true (checked after every directive batch and during sleeps), then switches
    /// every rail off and saves the ledger.
    public func run(until shouldStop: () -> Bool) throws(ScheduleRunnerError) {
        try start()
        while !shouldStop() {
            guard try step(shouldStop: shouldStop) else { break }
        }
        try stop()
    }

    /// Switches every rail off, records the sensors on them as off and the CPU at rest, and saves the ledger.
    public func stop() throws(ScheduleRunnerError) {
        let now = clock()
        for line in railsOn.sorted() {
            try drive(line, on: false)
            for task in scheduler.configuration.tasks where task.powerLine == line {
                if let device = task.device { try enter(.off, device, nil, at: now) }
            }
        }
        try enter(scheduler.configuration.cpuRestingState, scheduler.configuration.cpu, nil, at: now)
        try recordCPUTime()
        try save()
    }

    /// Saves the ledger: earlier sessions' totals plus this session's, up to now.
    public func save() throws(ScheduleRunnerError) {
        do throws(LedgerError) {
            try ledger.advance(to: max(clock(), ledger.now))
        } catch {
            throw .ledger(error)
        }
        guard let store else { return }
        do throws(LedgerStoreError) {
            try store.save(earlierSessions.appending(ledger.totals))
        } catch {
            throw .store(error)
        }
    }

    // MARK: Directives

    private func execute(_ directive: SchedulerDirective) throws(ScheduleRunnerError) {
        switch directive {
        case .powerOn(let line): try drive(line, on: true)
        case .powerOff(let line):
            try drive(line, on: false)
            for task in scheduler.configuration.tasks where task.powerLine == line {
                if let device = task.device { drivers[device] = nil }
            }
        case .initialise(let device): try initialise(device)
        case .startMeasurement(let device): try measure(device)
        case .read(let device):
            guard var result = results.removeValue(forKey: device) else { throw .unknownDevice(device) }
            result.time = clock()
            onReading(result)
        case .runNetworkRound(let task): onNetworkRound(task)
        case .record(let transition):
            try enter(transition.state, transition.component, transition.activity, at: clock())
        case .wait, .sleep, .reportConsumption: break
        }
    }

    private func drive(_ line: PowerLine, on: Bool) throws(ScheduleRunnerError) {
        guard let request = lineRequests[line] else {
            throw .hardware(HardwareError(.invalidArgument, device: line.chip,
                                          detail: "line \(line) was not requested"))
        }
        do throws(HardwareError) {
            try request.setValues([line.offset: on ? .active : .inactive])
        } catch {
            throw .hardware(error)
        }
        if on { railsOn.insert(line) } else { railsOn.remove(line) }
    }

    private func initialise(_ device: String) throws(ScheduleRunnerError) {
        guard let sensor = sensors[device], let bus = buses[sensor.bus] else { throw .unknownDevice(device) }
        do throws(SensorError) {
            drivers[device] = try sensor.family.open(bus, sensor.address, board.delay)
            openFailures[device] = nil
        } catch {
            drivers[device] = nil
            openFailures[device] = error.description
        }
    }

    private func measure(_ device: String) throws(ScheduleRunnerError) {
        guard let sensor = sensors[device] else { throw .unknownDevice(device) }
        var result = SampledReading(device: device, bus: sensor.bus, address: sensor.address,
                                    model: drivers[device]?.model ?? sensor.family.name, time: clock())
        if var driver = drivers[device] {
            do throws(SensorError) {
                result.reading = try driver.read()
            } catch {
                result.error = error.description
            }
            drivers[device] = driver
        } else {
            result.error = openFailures[device] ?? "not initialised"
        }
        results[device] = result
    }

    // MARK: Time and the ledger

    private func sleep(until deadline: Duration, shouldStop: () -> Bool) -> Bool {
        while true {
            let now = clock()
            guard now < deadline else { return true }
            if shouldStop() { return false }
            let remaining = deadline - now
            board.delay.sleep(for: sleepSlice.map { min($0, remaining) } ?? remaining)
        }
    }

    private func enter(_ state: PowerState, _ component: String, _ activity: String?, at now: Duration)
        throws(ScheduleRunnerError)
    {
        do throws(LedgerError) {
            try ledger.enter(state, component: component, activity: activity, at: max(now, ledger.now))
        } catch {
            throw .ledger(error)
        }
    }

    private func recordCPUTime() throws(ScheduleRunnerError) {
        guard recordsProcessCPUTime else { return }
        do throws(LedgerError) {
            try ledger.recordProcessCPUTime(ProcessCPUTime.current(), activity: "node", at: max(clock(), ledger.now))
        } catch {
            throw .ledger(error)
        }
    }

    /// The average battery current since the last report (A); saves the ledger.
    private func report() throws(ScheduleRunnerError) -> Double {
        try recordCPUTime()
        try save()
        let charge = ledger.totals.batteryChargeCoulombs(supply: ledger.model.supply, batteryVolts: batteryVolts)
        let span = ledger.now - lastReport.time
        let seconds = Double(span.components.seconds) + Double(span.components.attoseconds) * 1e-18
        let average = seconds > 0 ? (charge - lastReport.charge) / seconds : 0
        lastReport = (ledger.now, charge)
        return average
    }
}
