/// The duty-cycling scheduler: decides when each sensor is powered, started, measured, read and switched off, and
/// when network rounds run, so that the node wakes as seldom as its tasks allow and stays within its budget.
///
/// A pure value (ARCHITECTURE.md, pattern 2): it never reads a clock, sleeps, or touches GPIO, buses, sockets or
/// files. The shell passes the time into every event and executes the directives that come back (see
/// `SchedulerDirective` for the batch protocol). The same code runs the daemon, a manual-clock test and a simulated
/// year.
///
/// **Windows and coalescing.** Each task has a period `P` (the planner's, scaled by the budget controller, within
/// the task's minimum and maximum). After a run at `t`, its next run is due at `d = t + P` and may run anywhere in
/// the window `[max(t + minimum, d − P·tolerance), d]`. The node wakes at the earliest due time and runs every
/// task whose window has opened, so tasks whose windows overlap share the wake-up, a shared power rail is
/// switched once for all its sensors, and tasks that ran together stay in step. A task runs after its due time
/// only when the node was still busy with an earlier wake-up at that time.
///
/// **Harmonic periods.** With `harmonisesPeriods`, every period is rounded to a whole multiple of the shortest one
/// (where the task's limits allow), so the fastest task's wake-ups form a grid that every other task's runs fall
/// on: the wake-up rate is then the fastest task's rate, the fewest the task set allows. When the controller
/// changes the periods, each harmonised task's next due time is moved to the nearest point of the new grid that
/// its limits allow, so tasks never drift out of phase.
///
/// **One wake-up.** The CPU wakes (`cpuActiveTimePerWakeUp` in `active`); the rails the due sensors need are
/// switched on; the scheduler waits the longest start-up time among the due sensors on them; then, sensor by
/// sensor, it initialises (after power-on, or on the first sample), starts a conversion, waits the measurement
/// time and reads: conversions run one after another, as the drivers' blocking reads and a shared bus do. The
/// rails go off, network rounds run (radio start-up, send, listen), and the CPU rests until the next due time.
///
/// **Budget.** With a `BudgetController`, the scheduler asks for a consumption report (`reportConsumption`) at
/// the end of the first wake-up after each `reportInterval`, so every report covers whole wake-up cycles, and
/// scales all periods by the controller's rate multiplier. The interval is the controller's reaction time to a
/// change it cannot foresee (a noisier radio channel, a colder battery): by default 10 minutes, so that a step up in
/// consumption is corrected before it can carry any 6-hour average over the budget (the controller aims 2.5 % of
/// the controllable part below it: a step that raises the draw by a third uses that margin up in about half an
/// hour), while each report still holds tens to hundreds of runs of the fastest task (80 to 200 in the benchmark's
/// scenarios), so one run more or less moves a report by about 1 % of the controllable part, inside the margin.
public struct DutyCycleScheduler: Sendable {
    /// The tasks and how the node's components behave around them.
    public struct Configuration: Sendable, Equatable {
        /// The tasks, in the order a wake-up runs them (sensors before network rounds, whatever the order here).
        public var tasks: [SchedulerTask]
        /// The processor's ledger component.
        public var cpu: String
        /// How long each wake-up keeps the CPU `active` before anything else happens (its work per wake-up).
        public var cpuActiveTimePerWakeUp: Duration
        /// The CPU's state in a wake-up after its `cpuActiveTimePerWakeUp`: while it waits for a start-up, a
        /// conversion or a listening window, and while the shell executes directives (a blocking driver read).
        public var cpuWaitingState: PowerState
        /// The CPU's state between wake-ups.
        public var cpuRestingState: PowerState
        /// How early a task may run to share a wake-up, as a fraction of its period, in [0, 1).
        public var tolerance: Double
        /// Whether periods are rounded to whole multiples of the shortest one.
        public var harmonisesPeriods: Bool
        /// The budget to keep, or nil to run the planned periods as they are.
        public var budget: BudgetController?
        /// How often to ask for a consumption report when there is a budget: the controller's reaction time.
        public var reportInterval: Duration

        /// Creates a configuration; the defaults suit a mote that sleeps between wake-ups.
        public init(tasks: [SchedulerTask], cpu: String = "cpu", cpuActiveTimePerWakeUp: Duration = .zero,
                    cpuWaitingState: PowerState = .active, cpuRestingState: PowerState = .sleep,
                    tolerance: Double = 0.1, harmonisesPeriods: Bool = true,
                    budget: BudgetController? = nil, reportInterval: Duration = .seconds(600)) {
            self.tasks = tasks
            self.cpu = cpu
            self.cpuActiveTimePerWakeUp = cpuActiveTimePerWakeUp
            self.cpuWaitingState = cpuWaitingState
            self.cpuRestingState = cpuRestingState
            self.tolerance = tolerance
            self.harmonisesPeriods = harmonisesPeriods
            self.budget = budget
            self.reportInterval = reportInterval
        }
    }

    /// Where the budget controller stands after its latest report.
    public enum BudgetStatus: Sendable, Equatable {
        /// No budget is configured.
        case unconstrained
        /// No report yet.
        case awaitingReport
        /// The rate multiplier can still move both ways.
        case tracking
        /// Every task is at its maximum period and the latest report was still over the set point.
        case overBudgetAtSlowestRates
        /// Every task is at its minimum period and the latest report was still under the set point.
        case underBudgetAtFastestRates
    }

    private struct Step: Sendable {
        var directives: [SchedulerDirective]
        var wait: Duration
    }

    private enum Phase: Sendable {
        case notStarted
        case asleep(until: Duration)
        case awake(steps: [Step], next: Int)
        case awaitingReport
    }

    /// The configuration as given.
    public let configuration: Configuration
    private let tasks: [SchedulerTask]
    private let plannedPeriods: [Duration]
    private var currentPeriods: [Duration]
    private var lastRuns: [Duration?]
    private var dueTimes: [Duration?]
    private var runCounts: [Int]
    private var initialisedDevices: Set<String> = []
    private var planCache: [UInt64: [Step]] = [:]
    private let cpuRestRecord: SchedulerDirective
    private let hasBudget: Bool
    private let reportInterval: Duration
    private var phase: Phase = .notStarted
    private var lastReport: Duration = .zero
    private var controllerRate: Double = 1
    private let rateBounds: ClosedRange<Double>
    /// Where the budget controller stands.
    public private(set) var budgetStatus: BudgetStatus
    /// Wake-ups so far.
    public private(set) var wakeUps = 0

    /// Creates a scheduler for `configuration`, starting from the planner's `plannedPeriods` (by task name; a task
    /// the plan does not name starts at its minimum period).
    ///
    /// Throws when a task's figures cannot be scheduled: duplicate names or devices, non-positive or inverted
    /// period limits, a planned period outside them, negative times, a tolerance outside [0, 1), or a budget
    /// controller whose figures `BudgetController.validate()` refuses.
    public init(_ configuration: Configuration, plannedPeriods: [String: Duration] = [:]) throws(SchedulerError) {
        self.configuration = configuration
        guard !configuration.tasks.isEmpty else { throw SchedulerError("nothing to schedule: no task was given") }
        guard configuration.tolerance >= 0, configuration.tolerance < 1 else {
            throw SchedulerError("the tolerance must be in [0, 1), not \(configuration.tolerance)")
        }
        guard configuration.reportInterval > .zero else { throw SchedulerError("the report interval must be positive") }
        if let problem = configuration.budget?.validate() { throw SchedulerError(problem) }
        var names: Set<String> = []
        var devices: Set<String> = []
        var planned: [Duration] = []
        for task in configuration.tasks {
            guard names.insert(task.name).inserted else { throw SchedulerError("task \(task.name) is listed twice") }
            if let device = task.device, !devices.insert(device).inserted {
                throw SchedulerError("device \(device) is sampled by two tasks")
            }
            guard task.minimumPeriod > .zero, task.minimumPeriod <= task.maximumPeriod else {
                throw SchedulerError("task \(task.name): the periods must satisfy 0 < minimum ≤ maximum")
            }
            switch task.work {
            case .sample(_, let startup, let measurement, _):
                guard startup >= .zero, measurement >= .zero else {
                    throw SchedulerError("task \(task.name): start-up and measurement times cannot be negative")
                }
            case .networkRound(_, let startup, let transmit, let listen):
                guard startup >= .zero, transmit >= .zero, listen >= .zero else {
                    throw SchedulerError("task \(task.name): network times cannot be negative")
                }
            }
            let period = plannedPeriods[task.name] ?? task.minimumPeriod
            guard period >= task.minimumPeriod, period <= task.maximumPeriod else {
                throw SchedulerError("task \(task.name): the planned period \(period) is outside "
                    + "\(task.minimumPeriod)...\(task.maximumPeriod)")
            }
            planned.append(period)
        }
        self.tasks = configuration.tasks
        self.cpuRestRecord = .record(LedgerTransition(component: configuration.cpu, state: configuration.cpuRestingState,
                                                      activity: nil))
        self.hasBudget = configuration.budget != nil
        self.reportInterval = configuration.reportInterval
        self.plannedPeriods = planned
        self.lastRuns = Array(repeating: nil, count: planned.count)
        self.dueTimes = Array(repeating: nil, count: planned.count)
        self.runCounts = Array(repeating: 0, count: planned.count)
        let slowest = zip(planned, tasks).map { $0 / $1.maximumPeriod }.min() ?? 1
        let fastest = zip(planned, tasks).map { $0 / $1.minimumPeriod }.max() ?? 1
        self.rateBounds = slowest...fastest
        self.budgetStatus = configuration.budget == nil ? .unconstrained : .awaitingReport
        self.currentPeriods = planned
        self.currentPeriods = periods(forRate: 1)
    }

    // MARK: Events

    /// The node starts at `now`: records every component's resting state and runs every task at once.
    public mutating func onStart(now: Duration) -> [SchedulerDirective] {
        lastReport = now
        var directives: [SchedulerDirective] = [record(configuration.cpu, .active, nil)]
        for task in tasks {
            switch task.work {
            case .sample(let device, _, _, let line):
                directives.append(record(device, line == nil ? task.states.resting : .off, nil))
            case .networkRound(let radio, _, _, _):
                if !directives.contains(record(radio, task.states.resting, nil)) {
                    directives.append(record(radio, task.states.resting, nil))
                }
            }
        }
        return directives + beginWakeUp(now: now)
    }

    /// The deadline of the last `wait` or `sleep` has come (or passed: the shell may be late, never early).
    public mutating func onTimer(now: Duration) -> [SchedulerDirective] {
        switch phase {
        case .notStarted:
            return onStart(now: now)
        case .asleep(let deadline):
            guard now >= deadline else { return [.sleep(until: deadline)] }
            return beginWakeUp(now: now)
        case .awake(let steps, let next):
            return emit(steps, from: next, now: now)
        case .awaitingReport:
            // The shell skipped the report: carry on without adapting.
            return goToSleep(now: now)
        }
    }

    /// The ledger measured `measuredAverageCurrent` amperes on average since the previous report (or the start).
    ///
    /// Adapts the periods with the budget controller. Asked for (`reportConsumption`) or between wake-ups, it
    /// returns a `sleep(until:)` that replaces the pending one; during a wake-up, nothing (the wake-up finishes as
    /// planned and the new periods count from its end).
    public mutating func onLedgerReport(measuredAverageCurrent: Double, now: Duration) -> [SchedulerDirective] {
        lastReport = now
        if let controller = configuration.budget {
            let next = controller.nextRate(after: controllerRate, measured: measuredAverageCurrent,
                                           bounds: rateBounds)
            if next <= rateBounds.lowerBound && measuredAverageCurrent > controller.setPoint {
                budgetStatus = .overBudgetAtSlowestRates
            } else if next >= rateBounds.upperBound && measuredAverageCurrent < controller.setPoint {
                budgetStatus = .underBudgetAtFastestRates
            } else {
                budgetStatus = .tracking
            }
            controllerRate = next
            let periods = periods(forRate: next)
            if periods != currentPeriods {
                currentPeriods = periods
                realignDueTimes(now: now)
            }
        }
        switch phase {
        case .awake: return []
        case .notStarted: return []
        case .asleep, .awaitingReport: return goToSleep(now: now)
        }
    }

    // MARK: What a test or a report may ask

    /// The current period of each task, by name.
    public var periods: [String: Duration] {
        Dictionary(uniqueKeysWithValues: zip(tasks.map(\.name), currentPeriods))
    }

    /// The budget controller's rate multiplier: 1 runs the planned periods, 2 twice as often.
    public var rateMultiplier: Double { controllerRate }

    /// How many times each task has run, by name.
    public var runs: [String: Int] {
        Dictionary(uniqueKeysWithValues: zip(tasks.map(\.name), runCounts))
    }

    /// The window of every task that has run, by name (see `window(ofTask:)`).
    public var windows: [(task: String, window: ClosedRange<Duration>)] {
        var windows: [(task: String, window: ClosedRange<Duration>)] = []
        for index in tasks.indices {
            if let window = window(index) { windows.append((tasks[index].name, window)) }
        }
        return windows
    }

    /// When the next run of `task` may start and when it is due, or nil for an unknown task or one that has not
    /// run yet (it runs at the first wake-up).
    public func window(ofTask name: String) -> ClosedRange<Duration>? {
        guard let index = tasks.firstIndex(where: { $0.name == name }) else { return nil }
        return window(index)
    }

    /// When the scheduler will next wake, if it is asleep.
    public var nextWakeUp: Duration? {
        if case .asleep(let deadline) = phase { return deadline }
        return nil
    }

    // MARK: Periods

    /// The planned periods scaled by `rate`, within each task's limits, harmonised when configured.
    private func periods(forRate rate: Double) -> [Duration] {
        let scaled = tasks.indices.map { index in
            min(max(plannedPeriods[index] / rate, tasks[index].minimumPeriod), tasks[index].maximumPeriod)
        }
        guard configuration.harmonisesPeriods else { return scaled }
        return Self.harmonised(scaled, minimum: tasks.map(\.minimumPeriod), maximum: tasks.map(\.maximumPeriod))
    }

    /// Rounds each period to the whole multiple of the shortest period nearest to it (at least once the
    /// shortest) that lies within the task's limits; a period with no such multiple stays as it is.
    public static func harmonised(_ periods: [Duration], minimum: [Duration], maximum: [Duration]) -> [Duration] {
        guard let base = periods.min(), base > .zero else { return periods }
        return periods.indices.map { index in
            let ratio = periods[index] / base
            let nearest = Int(ratio.rounded())
            let candidates = [nearest, Int(ratio.rounded(.down)), Int(ratio.rounded(.up))]
                .filter { $0 >= 1 }
                .map { base * $0 }
                .filter { $0 >= minimum[index] && $0 <= maximum[index] }
            return candidates.min { abs(($0 - periods[index]) / base) < abs(($1 - periods[index]) / base) }
                ?? periods[index]
        }
    }

    /// After a change of periods at `now`: the fastest task is due one new period after its last run (or now),
    /// and every task whose period is a multiple of the fastest is due at the point of the fastest task's grid
    /// nearest to its own new due time, within its limits; the others are due one new period after their last run.
    private mutating func realignDueTimes(now: Duration) {
        guard let leader = currentPeriods.indices.min(by: { currentPeriods[$0] < currentPeriods[$1] }) else { return }
        let base = currentPeriods[leader]
        for index in tasks.indices {
            guard let last = lastRuns[index] else { continue }
            dueTimes[index] = max(now, last + currentPeriods[index])
        }
        guard configuration.harmonisesPeriods, let anchor = dueTimes[leader], base > .zero else { return }
        for index in tasks.indices where index != leader {
            guard let last = lastRuns[index], let nominal = dueTimes[index] else { continue }
            let multiple = (currentPeriods[index] / base).rounded()
            guard base * Int(multiple) == currentPeriods[index] else { continue }
            let steps = Int(((nominal - anchor) / base).rounded())
            let candidates = [steps, steps + 1, steps - 1].map { anchor + base * $0 }.filter {
                $0 >= now && $0 - last >= tasks[index].minimumPeriod && $0 - last <= tasks[index].maximumPeriod
            }
            if let point = candidates.first { dueTimes[index] = point }
        }
    }

    // MARK: Wake-ups

    /// The window of the task at `index` in the configuration (see `window(ofTask:)`).
    func window(_ index: Int) -> ClosedRange<Duration>? {
        guard let last = lastRuns[index], let due = dueTimes[index] else { return nil }
        let early = max(last + tasks[index].minimumPeriod, due - currentPeriods[index] * configuration.tolerance)
        return min(early, due)...due
    }

    private mutating func beginWakeUp(now: Duration) -> [SchedulerDirective] {
        var due: [Int] = []
        for index in tasks.indices {
            if let window = window(index), window.lowerBound > now { continue }
            due.append(index)
        }
        guard !due.isEmpty else { return goToSleep(now: now) }
        wakeUps += 1
        for index in due {
            lastRuns[index] = now
            dueTimes[index] = now + currentPeriods[index]
            runCounts[index] += 1
        }
        return emit(cachedPlan(due), from: 0, now: now)
    }

    /// Emits step `index` and the wait after it, or, after the last step, the end of the wake-up.
    private mutating func emit(_ steps: [Step], from index: Int, now: Duration) -> [SchedulerDirective] {
        guard index < steps.count else { return goToSleep(now: now) }
        let step = steps[index]
        if index == steps.count - 1 || step.wait <= .zero {
            phase = .awake(steps: steps, next: index + 1)
            if index == steps.count - 1 { return step.directives + finishWakeUp(now: now) }
            return step.directives + emit(steps, from: index + 1, now: now)
        }
        phase = .awake(steps: steps, next: index + 1)
        return step.directives + [.wait(until: now + step.wait)]
    }

    private mutating func finishWakeUp(now: Duration) -> [SchedulerDirective] {
        if hasBudget, now - lastReport >= reportInterval {
            phase = .awaitingReport
            return [cpuRestRecord, .reportConsumption]
        }
        return [cpuRestRecord] + goToSleep(now: now)
    }

    private mutating func goToSleep(now: Duration) -> [SchedulerDirective] {
        var earliest: Duration?
        for case let due? in dueTimes where earliest.map({ due < $0 }) ?? true { earliest = due }
        let next = max(now, earliest ?? now)
        phase = .asleep(until: next)
        return [.sleep(until: next)]
    }

    /// The plan for `due`, from the cache when the same set of tasks has run before (plans depend only on the set,
    /// except for the first sample of an ungated sensor, which initialises it).
    private mutating func cachedPlan(_ due: [Int]) -> [Step] {
        var key: UInt64 = 0
        for index in due {
            if case .sample(let device, _, _, nil) = tasks[index].work, !initialisedDevices.contains(device) {
                return plan(due)
            }
            key |= 1 << UInt64(index & 63)
        }
        guard tasks.count <= 64 else { return plan(due) }
        if let steps = planCache[key] { return steps }
        let steps = plan(due)
        planCache[key] = steps
        return steps
    }

    /// The steps of one wake-up running the tasks at `due` (indices into `tasks`), laid out on a timeline from the
    /// wake-up's start and cut into steps at each distinct time.
    ///
    /// Conversions run one after another (the bus and the drivers' blocking reads serialise them): first the
    /// sensors without a power line, then, rail by rail, the sensors on each. A rail is switched on as late as its
    /// slowest due sensor's start-up allows and off right after its last read, so a sensor is powered for its own
    /// start-up and its rail's conversions, not for the whole wake-up; the next rail warms up while the previous
    /// one converts. Since every wait counts from when the shell calls, a late shell only stretches the timeline:
    /// every start-up and conversion gets at least its time.
    private mutating func plan(_ due: [Int]) -> [Step] {
        var timeline = Timeline()
        let start = configuration.cpuActiveTimePerWakeUp
        var clock = start
        let sampling = due.filter { tasks[$0].device != nil }
        let network = due.filter { tasks[$0].device == nil }

        for index in sampling {
            guard case .sample(let device, _, let measurement, nil) = tasks[index].work else { continue }
            let activity = tasks[index].name
            if !initialisedDevices.contains(device) {
                timeline.add(clock, .initialise(device: device), activity)
                initialisedDevices.insert(device)
            }
            timeline.add(clock, record(device, .measuring, activity), activity)
            timeline.add(clock, .startMeasurement(device: device), activity)
            clock += measurement
            timeline.add(clock, .read(device: device), activity)
            timeline.add(clock, record(device, tasks[index].states.resting, nil), activity)
        }

        for line in Set(sampling.compactMap { tasks[$0].powerLine }).sorted() {
            let onRail = tasks.indices.filter { tasks[$0].powerLine == line }
            let dueOnRail = sampling.filter { tasks[$0].powerLine == line }
            let activity = tasks[dueOnRail[0]].name
            let lead = dueOnRail.map { startupTime(of: $0) }.max() ?? .zero
            let first = max(clock, start + lead)
            let on = first - lead
            for index in onRail {
                timeline.add(on, record(tasks[index].device ?? "", tasks[index].states.starting, activity), activity)
            }
            timeline.add(on, .powerOn(line), activity)
            var slot = first
            var slotStarts: [Int: Duration] = [:]
            for index in dueOnRail {
                guard case .sample(let device, _, let measurement, _) = tasks[index].work else { continue }
                let taskActivity = tasks[index].name
                slotStarts[index] = slot
                timeline.add(slot, .initialise(device: device), taskActivity)
                timeline.add(slot, record(device, .measuring, taskActivity), taskActivity)
                timeline.add(slot, .startMeasurement(device: device), taskActivity)
                slot += measurement
                timeline.add(slot, .read(device: device), taskActivity)
                timeline.add(slot, record(device, tasks[index].states.poweredIdle, taskActivity), taskActivity)
            }
            // A sensor whose start-up ends before its conversion (or before the rail goes off) waits powered.
            for index in onRail where tasks[index].states.poweredIdle != tasks[index].states.starting {
                let ready = on + startupTime(of: index)
                if ready < (slotStarts[index] ?? slot) {
                    timeline.add(ready, record(tasks[index].device ?? "", tasks[index].states.poweredIdle, activity),
                                 activity)
                }
            }
            timeline.add(slot, .powerOff(line), activity)
            for index in onRail { timeline.add(slot, record(tasks[index].device ?? "", .off, nil), activity) }
            clock = slot
        }

        for index in network {
            guard case .networkRound(let radio, let startup, let transmit, let listen) = tasks[index].work else {
                continue
            }
            let activity = tasks[index].name
            if startup > .zero {
                timeline.add(clock, record(radio, tasks[index].states.starting, activity), activity)
                clock += startup
            }
            timeline.add(clock, record(radio, .transmit, activity), activity)
            timeline.add(clock, .runNetworkRound(task: activity), activity)
            clock += transmit
            timeline.add(clock, record(radio, .receive, activity), activity)
            clock += listen
            timeline.add(clock, record(radio, tasks[index].states.resting, nil), activity)
        }
        return timeline.steps(cpu: configuration.cpu, waiting: configuration.cpuWaitingState, workTime: start,
                              firstActivity: tasks[due[0]].name)
    }

    private func startupTime(of index: Int) -> Duration {
        if case .sample(_, let startup, _, _) = tasks[index].work { return startup }
        return .zero
    }

    private func record(_ component: String, _ state: PowerState, _ activity: String?) -> SchedulerDirective {
        .record(LedgerTransition(component: component, state: state, activity: activity))
    }

    /// A wake-up's directives at their times from its start, in the order they were added at equal times.
    private struct Timeline {
        private var events: [(time: Duration, order: Int, directive: SchedulerDirective, activity: String)] = []

        mutating func add(_ time: Duration, _ directive: SchedulerDirective, _ activity: String) {
            events.append((time, events.count, directive, activity))
        }

        /// Steps at each distinct time. The CPU is `active` for `workTime` from the start (the work a wake-up
        /// costs it) and in its `waiting` state for everything after, directives included: a shell's blocking
        /// driver read or a process asleep in a wait costs the CPU no work. A change of activity re-records the
        /// CPU's state under the new label.
        func steps(cpu: String, waiting: PowerState, workTime: Duration, firstActivity: String) -> [Step] {
            let sorted = events.sorted { ($0.time, $0.order) < ($1.time, $1.order) }
            var steps: [Step] = []
            var current: [SchedulerDirective] = []
            var cpuState: PowerState = workTime > .zero ? .active : waiting
            var cpuActivity = firstActivity
            current.append(.record(LedgerTransition(component: cpu, state: cpuState, activity: firstActivity)))
            var time = Duration.zero
            for event in sorted {
                if event.time > time {
                    steps.append(Step(directives: current, wait: event.time - time))
                    current = []
                    time = event.time
                }
                if cpuState != waiting || event.activity != cpuActivity {
                    current.append(.record(LedgerTransition(component: cpu, state: waiting, activity: event.activity)))
                    (cpuState, cpuActivity) = (waiting, event.activity)
                }
                current.append(event.directive)
            }
            return steps + [Step(directives: current, wait: .zero)]
        }
    }
}
