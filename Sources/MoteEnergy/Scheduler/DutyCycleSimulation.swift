/// Runs a `DutyCycleScheduler` on a manual clock with an ideal shell: directives take no time, waits end exactly on
/// their deadlines, and the energy drawn is integrated from a current per component and state.
///
/// It checks, at every directive, what the real shell relies on, and collects what fails in `violations` (so
/// tests assert that list is empty and the benchmark reports it): batches end with exactly one wait, sleep or
/// report, never in the past; a rail is switched on only when off and off only when on; a sensor is initialised
/// only when powered and past its start-up time, measured only when initialised since its last power-on, read
/// only after its measurement time; whenever time passes, a gated sensor's ledger state is `off` exactly when its
/// rail is off, and the node sleeps with every rail off; each task starts only inside its window (after its due
/// time only when the node went to sleep with the task already due) and every task whose window has opened runs
/// at that wake-up; every component's time across its states equals the elapsed time.
public struct DutyCycleSimulation {
    /// A change of one component's current in one state from a given time on: a step change in consumption.
    public struct CurrentChange: Sendable, Equatable {
        /// When the change takes effect.
        public var at: Duration
        /// The component.
        public var component: String
        /// The state whose current changes.
        public var state: PowerState
        /// The new current as a multiple of the simulation's initial figure (2: doubled, 1: back to normal).
        public var factor: Double

        /// Creates a change.
        public init(at: Duration, component: String, state: PowerState, factor: Double) {
            self.at = at
            self.component = component
            self.state = state
            self.factor = factor
        }
    }

    /// One consumption report the scheduler received.
    public struct Report: Sendable, Equatable {
        /// When it was made.
        public var at: Duration
        /// The average current measured since the previous report (A).
        public var measuredAverageCurrent: Double
        /// The rate multiplier the scheduler chose after it.
        public var rateMultiplier: Double
    }

    /// What a run did.
    public struct Figures: Sendable, Equatable {
        /// Simulated time.
        public var elapsed: Duration
        /// Wake-ups of the CPU.
        public var wakeUps: Int
        /// Runs per task, by name.
        public var runs: [String: Int]
        /// The fewest wake-ups these runs could have needed: the most runs of any one task.
        public var minimumWakeUps: Int { runs.values.max() ?? 0 }
        /// The wake-ups without coalescing: one per task run.
        public var uncoalescedWakeUps: Int { runs.values.reduce(0, +) }
        /// The charge drawn (A·s).
        public var charge: Double
        /// The average current over the whole run (A).
        public var averageCurrent: Double { charge / max(seconds(elapsed), 1e-18) }
        /// Wake-ups per hour.
        public var wakeUpsPerHour: Double { Double(wakeUps) / max(seconds(elapsed) / 3600, 1e-18) }
        /// The minimum wake-ups per hour.
        public var minimumWakeUpsPerHour: Double { Double(minimumWakeUps) / max(seconds(elapsed) / 3600, 1e-18) }
    }

    /// Every component's accumulators, in flat arrays (component `m`, state slot `k` at `m * 8 + k`), so that
    /// recording a transition copies nothing.
    private struct Meters {
        var names: [String] = []
        var states: [Int] = []
        var since: [Duration] = []
        var charges: [Double] = []
        var currents: [Double] = []
        var times: [Duration] = []
    }

    /// The scheduler being run.
    public private(set) var scheduler: DutyCycleScheduler
    /// Current per component and state (A, as the battery sees it); a state with no figure draws nothing.
    public private(set) var currents: [String: [PowerState: Double]]
    private let initialCurrents: [String: [PowerState: Double]]
    private var changes: [CurrentChange]
    /// The simulated time.
    public private(set) var now: Duration = .zero
    /// Every invariant that failed, with the time and what was seen.
    public private(set) var violations: [String] = []
    /// Every consumption report, in order.
    public private(set) var reports: [Report] = []
    /// The length of the fixed windows `windowAverages` measures, counted from the start: how a reader of the
    /// ledger would judge the node, whatever its controller's report interval.
    public let window: Duration
    /// The average current of every complete window so far (A), in order.
    public private(set) var windowAverages: [Double] = []
    /// Called for every directive before it is checked, with the time: lets a test watch the stream.
    public var observer: ((Duration, SchedulerDirective) -> Void)?

    private var meters = Meters()
    private var meterIndex: [String: Int] = [:]
    /// The states in the meters' slot order (`slot(_:)`).
    private let states: [PowerState] = [.off, .sleep, .idle, .active, .measuring, .transmit, .receive, .boot]
    private var start: Duration = .zero
    private var lastReport: (time: Duration, charge: Double) = (.zero, 0)
    private var windowStart: (time: Duration, charge: Double) = (.zero, 0)
    private var pending: [SchedulerDirective] = []
    private var started = false
    private var railsOn: Set<PowerLine> = []
    private var wakeUpTime: Duration?
    private var sleptAt: Duration?
    /// Per task, by index in the configuration.
    private let tasks: [SchedulerTask]
    private let taskIndex: [String: Int]
    private let deviceIndex: [String: Int]
    private var poweredAt: [Duration?]
    private var initialised: [Bool]
    private var measuringSince: [Duration?]
    private var ranThisWakeUp: [Bool]
    private var windowsAtWakeUp: [ClosedRange<Duration>?]
    private var deviceMeters: [Int] = []
    private let taskLines: [PowerLine?]
    private let maximumViolations = 50
    private let cpu: String
    private let cpuRestingState: PowerState

    /// Creates a simulation of `scheduler` drawing `currents`, with `changes` applied at their times, averaging
    /// the current over consecutive windows of `window` (6 h by default).
    public init(scheduler: DutyCycleScheduler, currents: [String: [PowerState: Double]],
                changes: [CurrentChange] = [], window: Duration = .seconds(6 * 3600)) {
        self.scheduler = scheduler
        self.window = window
        self.currents = currents
        self.initialCurrents = currents
        self.changes = changes.sorted { $0.at < $1.at }
        let tasks = scheduler.configuration.tasks
        self.tasks = tasks
        var taskIndex: [String: Int] = [:]
        var deviceIndex: [String: Int] = [:]
        for (index, task) in tasks.enumerated() {
            taskIndex[task.name] = index
            if let device = task.device { deviceIndex[device] = index }
        }
        self.taskIndex = taskIndex
        self.taskLines = tasks.map(\.powerLine)
        self.deviceIndex = deviceIndex
        self.poweredAt = Array(repeating: nil, count: tasks.count)
        self.initialised = Array(repeating: false, count: tasks.count)
        self.measuringSince = Array(repeating: nil, count: tasks.count)
        self.ranThisWakeUp = Array(repeating: false, count: tasks.count)
        self.windowsAtWakeUp = Array(repeating: nil, count: tasks.count)
        self.cpu = scheduler.configuration.cpu
        self.cpuRestingState = scheduler.configuration.cpuRestingState
    }

    /// Runs until `now + duration`, stopping at the first deadline at or past it (which is left pending).
    public mutating func run(for duration: Duration) {
        let end = now + duration
        if !started {
            started = true
            start = now
            lastReport = (now, 0)
            windowStart = (now, 0)
            pending = scheduler.onStart(now: now)
        }
        while true {
            guard let terminator = execute(pending) else { return }
            switch terminator {
            case .wait(let deadline), .sleep(let deadline):
                if deadline < now { violate("\(terminator) is in the past") }
                if deadline >= end {
                    advance(to: end)
                    pending = [terminator]
                    return
                }
                let wasAsleep = Self.isSleep(terminator)
                let sleptAt = now
                advance(to: max(deadline, now))
                if wasAsleep { prepareWakeUp(sleptAt: sleptAt) }
                pending = scheduler.onTimer(now: now)
            case .reportConsumption:
                settle()
                let charge = totalCharge
                let interval = seconds(now - lastReport.time)
                let average = interval > 0 ? (charge - lastReport.charge) / interval : 0
                lastReport = (now, charge)
                pending = scheduler.onLedgerReport(measuredAverageCurrent: average, now: now)
                reports.append(Report(at: now, measuredAverageCurrent: average,
                                      rateMultiplier: scheduler.rateMultiplier))
            default:
                violate("a batch ended with \(terminator)")
                return
            }
        }
    }

    /// The figures so far.
    public var figures: Figures {
        var simulation = self
        simulation.settle()
        return Figures(elapsed: now - start, wakeUps: scheduler.wakeUps, runs: scheduler.runs,
                       charge: simulation.totalCharge)
    }

    /// Time spent in each state by `component`, up to now.
    public func timeInStates(of component: String) -> [PowerState: Duration] {
        guard let index = meterIndex[component] else { return [:] }
        var times = Array(meters.times[index * 8..<index * 8 + 8])
        times[meters.states[index]] += now - meters.since[index]
        return Dictionary(uniqueKeysWithValues: zip(states, times).filter { $0.1 > .zero })
    }

    /// The state the ledger has `component` in.
    public func state(of component: String) -> PowerState? {
        guard let index = meterIndex[component] else { return nil }
        return states[meters.states[index]]
    }

    // MARK: Executing

    /// Executes a batch up to its terminator, which it returns; nil (with a violation) when there is none.
    private mutating func execute(_ batch: [SchedulerDirective]) -> SchedulerDirective? {
        guard let last = batch.last, last.endsBatch else {
            violate("a batch does not end with a wait, a sleep or a report: \(batch.map(\.description))")
            return nil
        }
        for directive in batch.dropLast() {
            observer?(now, directive)
            if directive.endsBatch { violate("\(directive) inside a batch") }
            apply(directive)
        }
        observer?(now, last)
        let sleeping = Self.isSleep(last)
        if case .reportConsumption = last {} else { checkBeforeTimePasses(sleeping: sleeping) }
        return last
    }

    private static func isSleep(_ directive: SchedulerDirective) -> Bool {
        if case .sleep = directive { return true }
        return false
    }

    private mutating func apply(_ directive: SchedulerDirective) {
        switch directive {
        case .powerOn(let line):
            if !railsOn.insert(line).inserted { violate("\(line) switched on while on") }
            for index in taskLines.indices where taskLines[index] == line { poweredAt[index] = now }
        case .powerOff(let line):
            if railsOn.remove(line) == nil { violate("\(line) switched off while off") }
            for index in taskLines.indices where taskLines[index] == line {
                poweredAt[index] = nil
                initialised[index] = false
                if measuringSince[index] != nil { violate("\(tasks[index].name) lost power while measuring") }
            }
        case .initialise(let device):
            guard let index = deviceIndex[device], case .sample(_, let startup, _, let line) = tasks[index].work else {
                return violate("initialise of unknown device \(device)")
            }
            if line != nil {
                guard let powered = poweredAt[index] else { return violate("\(device) initialised unpowered") }
                if now - powered < startup {
                    violate("\(device) initialised \(now - powered) after power-on, before its \(startup) start-up")
                }
            }
            initialised[index] = true
        case .startMeasurement(let device):
            guard let index = deviceIndex[device] else { return violate("measurement of unknown device \(device)") }
            if taskLines[index] != nil, poweredAt[index] == nil { violate("\(device) measured unpowered") }
            if !initialised[index] { violate("\(device) measured before initialisation") }
            measuringSince[index] = now
            noteRun(index)
        case .read(let device):
            guard let index = deviceIndex[device], let since = measuringSince[index],
                case .sample(_, _, let measurement, _) = tasks[index].work
            else { return violate("\(device) read without a measurement") }
            measuringSince[index] = nil
            if now - since < measurement { violate("\(device) read \(now - since) into a \(measurement) conversion") }
        case .runNetworkRound(let task):
            guard let index = taskIndex[task] else { return violate("round of unknown task \(task)") }
            noteRun(index)
        case .record(let transition):
            record(transition)
        case .wait, .sleep, .reportConsumption:
            break
        }
    }

    private mutating func noteRun(_ index: Int) {
        guard let wakeUpTime else { return }
        ranThisWakeUp[index] = true
        if let window = windowsAtWakeUp[index],
            wakeUpTime < window.lowerBound || (wakeUpTime > window.upperBound && wakeUpTime != sleptAt)
        {
            violate("\(tasks[index].name) ran at \(wakeUpTime), outside its window \(window)")
        }
    }

    /// Called when a sleep ends: remembers every task's window, to check the wake-up against them.
    private mutating func prepareWakeUp(sleptAt: Duration) {
        finishWakeUpChecks()
        wakeUpTime = now
        self.sleptAt = sleptAt
        for index in tasks.indices {
            ranThisWakeUp[index] = false
            windowsAtWakeUp[index] = scheduler.window(index)
        }
    }

    private mutating func finishWakeUpChecks() {
        guard let wakeUpTime else { return }
        for index in tasks.indices {
            guard let window = windowsAtWakeUp[index], window.lowerBound <= wakeUpTime, !ranThisWakeUp[index] else {
                continue
            }
            violate("\(tasks[index].name)'s window \(window) was open at the wake-up at \(wakeUpTime), "
                + "but it did not run")
        }
    }

    private mutating func checkBeforeTimePasses(sleeping: Bool) {
        if deviceMeters.count != tasks.count {
            deviceMeters = tasks.map { task in task.device.flatMap { meterIndex[$0] } ?? -1 }
        }
        for index in taskLines.indices {
            guard let line = taskLines[index] else { continue }
            let meter = deviceMeters[index]
            let off = meter >= 0 && meters.states[meter] == 0
            if off == railsOn.contains(line) {
                violate("\(tasks[index].device ?? "")'s ledger state \(off ? "off" : "on") disagrees with "
                    + "\(line) being \(railsOn.contains(line) ? "on" : "off")")
            }
        }
        if sleeping {
            if !railsOn.isEmpty { violate("sleeping with \(railsOn.sorted()) on") }
            if measuringSince.contains(where: { $0 != nil }) { violate("sleeping with a sensor measuring") }
            let cpuState = state(of: cpu)
            if cpuState != cpuRestingState {
                violate("sleeping with the CPU \(cpuState?.rawValue ?? "unrecorded")")
            }
        }
    }

    // MARK: Energy

    private mutating func record(_ transition: LedgerTransition) {
        let state = Self.slot(transition.state)
        if let index = meterIndex[transition.component] {
            accumulate(index, until: now)
            meters.states[index] = state
        } else {
            if now != start { violate("\(transition.component) first recorded at \(now), not at the start") }
            meterIndex[transition.component] = meters.names.count
            let table = currents[transition.component] ?? [:]
            meters.names.append(transition.component)
            meters.states.append(state)
            meters.since.append(now)
            meters.charges.append(0)
            meters.currents += states.map { table[$0] ?? 0 }
            meters.times += Array(repeating: .zero, count: states.count)
        }
    }

    /// The position of `state` in `PowerState.allCases`, the meters' index for it.
    private static func slot(_ state: PowerState) -> Int {
        switch state {
        case .off: return 0
        case .sleep: return 1
        case .idle: return 2
        case .active: return 3
        case .measuring: return 4
        case .transmit: return 5
        case .receive: return 6
        case .boot: return 7
        }
    }

    private mutating func accumulate(_ index: Int, until time: Duration) {
        let span = time - meters.since[index]
        let slot = index * 8 + meters.states[index]
        meters.charges[index] += meters.currents[slot] * seconds(span)
        meters.times[slot] += span
        meters.since[index] = time
    }

    /// Brings every meter up to `now`, checking that each one's time across its states is the elapsed time.
    private mutating func settle() {
        for index in meters.names.indices {
            accumulate(index, until: now)
            let total = meters.times[index * 8..<index * 8 + 8].reduce(Duration.zero, +)
            if total != now - start {
                violate("\(meters.names[index]): \(total) across its states, but \(now - start) elapsed")
            }
        }
    }

    private var totalCharge: Double { meters.charges.reduce(0, +) }

    /// Moves the clock to `time`, applying current changes and closing windows on the way.
    private mutating func advance(to time: Duration) {
        while true {
            let boundary = window > .zero ? windowStart.time + window : nil
            guard let next = [boundary, changes.first?.at].compactMap({ $0 }).min(), next <= time else { break }
            now = max(now, next)
            settle()
            if next == boundary {
                let charge = totalCharge
                windowAverages.append((charge - windowStart.charge) / seconds(window))
                windowStart = (now, charge)
                continue
            }
            let change = changes.removeFirst()
            let amperes = (initialCurrents[change.component]?[change.state] ?? 0) * change.factor
            currents[change.component, default: [:]][change.state] = amperes
            if let index = meterIndex[change.component] {
                meters.currents[index * 8 + Self.slot(change.state)] = amperes
            }
        }
        now = max(now, time)
    }

    private mutating func violate(_ message: String) {
        guard violations.count < maximumViolations else { return }
        violations.append("at \(now): \(message)")
    }
}

