/// A power state of one component of the node, as the ledger accounts for time and the model gives a current.
///
/// Not every component has every state: a sensor has no `transmit`, a radio no `measuring`. A state a component's
/// model gives no current for cannot be entered (the ledger refuses it), except `off`, which is 0 A unless the
/// model says otherwise (a board's halt current, for instance).
public enum PowerState: String, Sendable, CaseIterable, Codable, Comparable {
    /// Unpowered (GPIO-switched off), or halted.
    case off
    /// Powered in its lowest-power mode, waiting for a timer or a command (an MCU's suspend, a sensor's sleep).
    case sleep
    /// Powered and clocked, doing nothing (an MCU's idle, a radio listening to no one).
    case idle
    /// Working: a CPU executing, a load switched on, a sensor's heater on.
    case active
    /// A sensor converting.
    case measuring
    /// A radio sending.
    case transmit
    /// A radio receiving.
    case receive
    /// Power-on to ready: a sensor's start-up time, a radio's oscillator start, a board's boot.
    case boot

    /// Declaration order, so tables list states the same way everywhere.
    public static func < (lhs: PowerState, rhs: PowerState) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// What kind of part a component is; the planner and the ledger treat the kinds differently.
public enum ComponentKind: String, Sendable, CaseIterable, Codable {
    /// The processor (or the whole board, for a Raspberry Pi whose figures are board totals).
    case cpu
    /// The radio or network interface.
    case radio
    /// A sensor chip.
    case sensor
    /// Anything else switched by a GPIO line: a heater, a fan, a pump, an LED.
    case load
}

/// How the battery feeds the components, which decides the current the battery sees for a component's current.
public enum SupplyPath: Sendable, Equatable {
    /// Straight from the battery, or through a linear regulator: the battery supplies the component's current.
    case direct
    /// Through a switching converter of the given efficiency (0–1]: the battery supplies the component's power
    /// divided by the battery voltage and the efficiency.
    case switching(efficiency: Double)

    /// The current drawn from a battery at `batteryVolts` for `amperes` at `componentVolts`.
    public func batteryCurrent(_ amperes: Double, componentVolts: Double, batteryVolts: Double) -> Double {
        switch self {
        case .direct: return amperes
        case .switching(let efficiency): return amperes * componentVolts / (batteryVolts * efficiency)
        }
    }
}

/// One part of the node with a current per power state at its supply voltage.
public struct ComponentModel: Sendable, Equatable {
    /// A unique name: `cpu`, `radio`, `bme280@0x76`, `fan`.
    public var name: String
    /// What it is.
    public var kind: ComponentKind
    /// The supply voltage the currents are given at (V).
    public var supplyVolts: Double
    /// Current per state (A). `off` may be absent and then is 0 A.
    public var currents: [PowerState: Double]
    /// The state the component is in between tasks: `sleep` for an MCU, `off` for a GPIO-gated sensor.
    public var restingState: PowerState
    /// Power-on to ready (a sensor's start-up, a radio's oscillator start); spent in `boot`.
    public var startupTime: Duration
    /// One conversion (sensors); spent in `measuring`.
    public var measurementTime: Duration
    /// Cores (CPU): the `active` current is all cores busy, so process CPU time counts as time/cores of `active`.
    public var cores: Int
    /// On-air bit rate (radio, bit/s): a byte sent or received costs 8/bitRate seconds of `transmit`/`receive`.
    public var bitRate: Double?
    /// CPU time (of one core) awake per wake-up (CPU): what one task run costs the processor beyond its resting
    /// state, charged as this time over `cores` at the `active` current.
    public var activeTimePerWakeUp: Duration
    /// Where the figures come from: document, table, conditions.
    public var source: String

    /// Creates a component; see the properties for what each figure means.
    public init(name: String, kind: ComponentKind, supplyVolts: Double, currents: [PowerState: Double],
                restingState: PowerState, startupTime: Duration = .zero, measurementTime: Duration = .zero,
                cores: Int = 1, bitRate: Double? = nil, activeTimePerWakeUp: Duration = .zero, source: String) {
        self.name = name
        self.kind = kind
        self.supplyVolts = supplyVolts
        self.currents = currents
        self.restingState = restingState
        self.startupTime = startupTime
        self.measurementTime = measurementTime
        self.cores = cores
        self.bitRate = bitRate
        self.activeTimePerWakeUp = activeTimePerWakeUp
        self.source = source
    }

    /// The current in `state` (A), or nil when the model has no figure for it; `off` defaults to 0 A.
    public func current(in state: PowerState) -> Double? {
        if let current = currents[state] { return current }
        return state == .off ? 0 : nil
    }

    /// The states this component can be in: those with a current, and `off`.
    public var states: [PowerState] {
        PowerState.allCases.filter { current(in: $0) != nil }
    }
}

/// What one periodic task costs and how often it may run: the planner's input.
///
/// A sensor task powers its sensor (start-up in `boot`), converts (`measuring`) and returns it to its resting
/// state; a network task wakes the radio (`boot`), sends `transmitBytes` and listens for `listenTime`. Every run
/// also wakes the CPU for its `activeTimePerWakeUp`.
public struct SamplingNeed: Sendable, Equatable {
    /// The activity label the ledger and the scheduler use: `sense.bme280@0x76`, `gossip.round`.
    public var name: String
    /// The component the task drives (a sensor or a radio).
    public var component: String
    /// The shortest useful period: the task never runs more often.
    public var minimumPeriod: Duration
    /// The longest acceptable period: the task always runs at least this often.
    public var maximumPeriod: Duration
    /// Bytes sent per run (network tasks).
    public var transmitBytes: Int
    /// Time spent receiving per run (network tasks): the listening window of a gossip round.
    public var listenTime: Duration

    /// Creates a task; periods must satisfy 0 < minimum ≤ maximum (the profile loader checks).
    public init(name: String, component: String, minimumPeriod: Duration, maximumPeriod: Duration,
                transmitBytes: Int = 0, listenTime: Duration = .zero) {
        self.name = name
        self.component = component
        self.minimumPeriod = minimumPeriod
        self.maximumPeriod = maximumPeriod
        self.transmitBytes = transmitBytes
        self.listenTime = listenTime
    }
}

/// A node's power model: its components, how the battery feeds them, and the tasks it runs by default.
public struct PowerModel: Sendable, Equatable {
    /// The profile name: `mica`, `pi-zero-2w`.
    public var name: String
    /// One line for humans.
    public var summary: String
    /// How the battery feeds the components.
    public var supply: SupplyPath
    /// The components, in profile order.
    public var components: [ComponentModel]
    /// The periodic tasks the plan schedules.
    public var tasks: [SamplingNeed]

    /// Creates a model.
    public init(name: String, summary: String, supply: SupplyPath, components: [ComponentModel],
                tasks: [SamplingNeed]) {
        self.name = name
        self.summary = summary
        self.supply = supply
        self.components = components
        self.tasks = tasks
    }

    /// The component called `name`, or nil.
    public func component(named name: String) -> ComponentModel? {
        components.first { $0.name == name }
    }

    /// The processor, the component whose wake-ups every task pays for (the first of kind `cpu`).
    public var cpu: ComponentModel? { components.first { $0.kind == .cpu } }

    /// The network interface traffic is charged to (the first of kind `radio`).
    public var radio: ComponentModel? { components.first { $0.kind == .radio } }
}

/// Seconds of a duration as a Double.
func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}

/// A duration of `value` seconds, rounded to the nanosecond; beyond ±9·10^18 s (or not finite) it saturates.
func duration(seconds value: Double) -> Duration {
    guard !value.isNaN else { return .zero }
    let clamped = min(max(value, -9e18), 9e18)
    let whole = clamped.rounded(.down)
    return .seconds(Int64(whole)) + .nanoseconds(Int64(((clamped - whole) * 1e9).rounded()))
}
