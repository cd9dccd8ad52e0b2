/// Why the ledger refused an event. Every refusal leaves the ledger as it was.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An event's time is before the ledger's last one: the timeline is monotonic.
    case timeWentBackwards(event: Duration, ledger: Duration)
    /// No component of the model has this name.
    case unknownComponent(String, valid: [String])
    /// The component's model has no current for this state, so time in it could not be charged.
    case noCurrent(component: String, state: PowerState)
    /// A byte count or CPU time below zero, or a CPU time below the last one reported.
    case negativeAmount(String)
    /// Traffic was reported for a network component whose model gives no bit rate.
    case noBitRate(component: String)

    /// One line for logs.
    public var description: String {
        switch self {
        case .timeWentBackwards(let event, let ledger):
            return "event at \(event) is before the ledger's time \(ledger)"
        case .unknownComponent(let name, let valid):
            return "no component \"\(name)\"; the model has \(valid.joined(separator: ", "))"
        case .noCurrent(let component, let state):
            return "\(component) has no current for \(state.rawValue) in the power model"
        case .negativeAmount(let what): return what
        case .noBitRate(let component): return "\(component) has no bit_rate in the power model"
        }
    }
}

/// Time-in-state accounting for every component of the node, in the spirit of Contiki's Energest.
///
/// Each component is in exactly one state at a time, attributed to one activity label (`sense.bme280@0x76`,
/// `gossip.transmit`, or `unlabelled` while resting). Events carry their own time on a monotonic timeline
/// (`now: Duration`, e.g. since boot): the ledger never reads a clock. Between events every component's current
/// (state, activity) cell accrues the elapsed time, its charge (the state's current × time) and energy (× the
/// component's voltage). So, for every component, the time across its states always equals the elapsed time.
///
/// Two kinds of event re-file time instead of adding it, and so keep that invariant:
/// - process CPU time (`recordProcessCPUTime`, from the kernel's accounting): the CPU time since the last report,
///   divided by the CPU's cores, moves from the CPU's current state (its idle) to `active`;
/// - network traffic (`recordTraffic`): bytes × 8 / bit rate moves from the radio's current state to `transmit`
///   or `receive`.
/// Only time accrued in the component's current segment (since it last changed state, and not yet re-filed) can
/// move; what finds no such time is counted in `unplacedTime` rather than invented.
public struct EnergyLedger: Sendable {
    /// The activity label of time no task claimed.
    public static let unlabelled = "unlabelled"

    struct Segment: Sendable {
        var state: PowerState
        var activity: String
        /// Time accrued in this segment and not yet re-filed by CPU time or traffic.
        var refileable: Duration
    }

    /// The power model the currents come from.
    public let model: PowerModel
    /// The session's first instant.
    public let start: Duration
    /// The time of the last event.
    public private(set) var now: Duration
    /// What this session has accumulated.
    public private(set) var totals: LedgerTotals
    /// Per component, CPU or traffic time that found no accrued time to re-file (a sign of a wrong bit rate, core
    /// count, or reports that arrive late).
    public private(set) var unplacedTime: [String: Duration] = [:]
    private var segments: [String: Segment] = [:]
    private var lastProcessCPUTime: Duration

    /// Starts a session at `start` with every component in its resting state, unlabelled.
    ///
    /// `processCPUTime` is the node process's CPU time at `start` (what `ProcessCPUTime.current()` said), the
    /// baseline the first `recordProcessCPUTime` is measured from.
    public init(model: PowerModel, start: Duration, processCPUTime: Duration = .zero) {
        self.model = model
        self.start = start
        self.now = start
        self.lastProcessCPUTime = processCPUTime
        var totals = LedgerTotals()
        for component in model.components {
            totals.register(component: component.name, volts: component.supplyVolts)
            segments[component.name] = Segment(state: component.restingState, activity: Self.unlabelled,
                                               refileable: .zero)
        }
        self.totals = totals
    }

    /// Time since the session started.
    public var elapsed: Duration { now - start }

    /// The state `component` is in, or nil for an unknown name.
    public func state(of component: String) -> PowerState? { segments[component]?.state }

    /// The activity `component` is working for, or nil for an unknown name.
    public func activity(of component: String) -> String? { segments[component]?.activity }

    /// Time `component` spent in each state this session (states never entered are absent).
    public func timeInStates(of component: String) -> [PowerState: Duration] {
        totals.byState(of: component).mapValues(\.time)
    }

    /// Accrues every component's current cell up to `now`.
    public mutating func advance(to now: Duration) throws(LedgerError) {
        guard now >= self.now else { throw .timeWentBackwards(event: now, ledger: self.now) }
        let step = now - self.now
        guard step > .zero else { return }
        for component in model.components {
            guard var segment = segments[component.name],
                  let amperes = component.current(in: segment.state) else { continue }
            totals.add(LedgerCell(time: step, amperes: amperes, volts: component.supplyVolts),
                       component: component.name, state: segment.state, activity: segment.activity)
            segment.refileable += step
            segments[component.name] = segment
        }
        totals.extend(by: step)
        self.now = now
    }

    /// Puts `component` in `state` from `now` on, working for `activity` (nil: unlabelled).
    public mutating func enter(_ state: PowerState, component: String, activity: String? = nil, at now: Duration)
        throws(LedgerError)
    {
        let model = try componentModel(component)
        guard model.current(in: state) != nil else { throw .noCurrent(component: component, state: state) }
        try advance(to: now)
        segments[component] = Segment(state: state, activity: activity ?? Self.unlabelled, refileable: .zero)
    }

    /// Returns `component` to its resting state, unlabelled.
    public mutating func rest(_ component: String, at now: Duration) throws(LedgerError) {
        try enter(try componentModel(component).restingState, component: component, at: now)
    }

    /// Charges the node process's CPU time to the CPU's `active` state.
    ///
    /// `total` is the process's cumulative user + system CPU time (what `ProcessCPUTime.current()` returns); the
    /// increase since the last report, divided by the CPU's cores (the model's `active` current is all cores
    /// busy), is re-filed from the CPU's current state to `active` under `activity`.
    public mutating func recordProcessCPUTime(_ total: Duration, activity: String = "node", at now: Duration)
        throws(LedgerError)
    {
        guard total >= lastProcessCPUTime else {
            throw .negativeAmount("process CPU time \(total) is below the last report, \(lastProcessCPUTime)")
        }
        guard let cpu = model.cpu else {
            throw .unknownComponent("(any of kind cpu)", valid: model.components.map(\.name))
        }
        guard cpu.current(in: .active) != nil else { throw .noCurrent(component: cpu.name, state: .active) }
        try advance(to: now)
        let busy = (total - lastProcessCPUTime) / cpu.cores
        lastProcessCPUTime = total
        refile(busy, component: cpu.name, to: .active, activity: activity)
    }

    /// Charges bytes actually sent and received to the radio's `transmit` and `receive` states.
    ///
    /// Each byte takes 8 / bit rate seconds on the link; that time is re-filed from the radio's current state.
    /// `component` defaults to the model's first radio.
    public mutating func recordTraffic(sentBytes: Int, receivedBytes: Int, activity: String,
                                       component: String? = nil, at now: Duration) throws(LedgerError)
    {
        guard sentBytes >= 0, receivedBytes >= 0 else {
            throw .negativeAmount("byte counts must not be negative (\(sentBytes) sent, \(receivedBytes) received)")
        }
        guard let radio = component.map({ name in model.component(named: name) }) ?? model.radio else {
            throw .unknownComponent(component ?? "(any of kind radio)", valid: model.components.map(\.name))
        }
        guard let bitRate = radio.bitRate else { throw .noBitRate(component: radio.name) }
        if sentBytes > 0, radio.current(in: .transmit) == nil {
            throw .noCurrent(component: radio.name, state: .transmit)
        }
        if receivedBytes > 0, radio.current(in: .receive) == nil {
            throw .noCurrent(component: radio.name, state: .receive)
        }
        try advance(to: now)
        refile(duration(seconds: Double(sentBytes) * 8 / bitRate), component: radio.name, to: .transmit,
               activity: activity)
        refile(duration(seconds: Double(receivedBytes) * 8 / bitRate), component: radio.name, to: .receive,
               activity: activity)
    }

    /// Moves up to `time` of the component's current segment to (`state`, `activity`).
    private mutating func refile(_ time: Duration, component: String, to state: PowerState, activity: String) {
        guard time > .zero, var segment = segments[component], let model = model.component(named: component),
              let from = model.current(in: segment.state), let to = model.current(in: state) else { return }
        let moved = min(time, segment.refileable)
        if moved < time { unplacedTime[component, default: .zero] += time - moved }
        guard moved > .zero else { return }
        totals.add(.zero - LedgerCell(time: moved, amperes: from, volts: model.supplyVolts),
                   component: component, state: segment.state, activity: segment.activity)
        totals.add(LedgerCell(time: moved, amperes: to, volts: model.supplyVolts),
                   component: component, state: state, activity: activity)
        segment.refileable -= moved
        segments[component] = segment
    }

    private func componentModel(_ name: String) throws(LedgerError) -> ComponentModel {
        guard let component = model.component(named: name) else {
            throw .unknownComponent(name, valid: model.components.map(\.name))
        }
        return component
    }

    /// The average current the battery has supplied this session (A), at `batteryVolts` through the model's
    /// supply path: what the scheduler compares with its plan.
    public func averageBatteryCurrent(batteryVolts: Double) -> Double {
        let time = seconds(elapsed)
        guard time > 0 else { return 0 }
        return totals.batteryChargeCoulombs(supply: model.supply, batteryVolts: batteryVolts) / time
    }
}
