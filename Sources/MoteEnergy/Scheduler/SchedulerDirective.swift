/// A change of power state the ledger must record: from the moment the shell executes it, `component` is in
/// `state`, and the time is charged to `activity` (nil: to no activity, the node's resting consumption).
public struct LedgerTransition: Sendable, Equatable, CustomStringConvertible {
    /// The ledger component: `cpu`, `radio`, a sensor's `bme280@0x76`.
    public var component: String
    /// The state it enters.
    public var state: PowerState
    /// The activity the time is charged to: a task's name (`sense.bme280@0x76`, `gossip.round`), or nil.
    public var activity: String?

    /// Creates a transition.
    public init(component: String, state: PowerState, activity: String?) {
        self.component = component
        self.state = state
        self.activity = activity
    }

    /// `component → state [activity]`.
    public var description: String { "\(component) → \(state.rawValue)" + (activity.map { " [\($0)]" } ?? "") }
}

/// What the scheduler asks its shell to do, in order.
///
/// Every batch the scheduler returns ends with exactly one of `wait(until:)`, `sleep(until:)` or
/// `reportConsumption`, and contains no other of the three: the shell executes the directives before it in order,
/// then waits (or sleeps) until the deadline and calls `onTimer(now:)`, or, for `reportConsumption`, asks the
/// ledger for the average current since its last report and calls `onLedgerReport(measuredAverageCurrent:now:)`.
///
/// The ledger is kept by the scheduler's `record` directives, not derived by the shell: the scheduler knows which
/// task a moment of CPU or radio time serves, and that a shared rail powers sensors that are not being sampled.
/// A record is placed just before the hardware directive that starts a state and just after the one that ends it.
public enum SchedulerDirective: Sendable, Equatable, CustomStringConvertible {
    /// Drive the power line active (sensors on it start up).
    case powerOn(PowerLine)
    /// Drive the power line inactive (sensors on it lose power and their configuration).
    case powerOff(PowerLine)
    /// Open the sensor's driver (identify, reset, configure): after power-on, or on the first sample.
    case initialise(device: String)
    /// Start one conversion.
    case startMeasurement(device: String)
    /// Read the conversion started by the last `startMeasurement` and deliver the reading.
    case read(device: String)
    /// Start one round of the network task (send to peers; replies arrive during the listening time that follows).
    case runNetworkRound(task: String)
    /// Record a change of power state in the ledger, at the time the shell executes it.
    case record(LedgerTransition)
    /// Stay awake until the deadline (a conversion, a start-up, a listening window), then call `onTimer(now:)`.
    case wait(until: Duration)
    /// Let the processor rest until the deadline, then call `onTimer(now:)`.
    case sleep(until: Duration)
    /// Ask the ledger for the average current drawn since the last report, and pass it to `onLedgerReport`.
    case reportConsumption

    /// Whether this directive ends a batch.
    public var endsBatch: Bool {
        switch self {
        case .wait, .sleep, .reportConsumption: return true
        default: return false
        }
    }

    /// A short form for logs and test messages.
    public var description: String {
        switch self {
        case .powerOn(let line): return "powerOn(\(line))"
        case .powerOff(let line): return "powerOff(\(line))"
        case .initialise(let device): return "initialise(\(device))"
        case .startMeasurement(let device): return "startMeasurement(\(device))"
        case .read(let device): return "read(\(device))"
        case .runNetworkRound(let task): return "runNetworkRound(\(task))"
        case .record(let transition): return "record(\(transition))"
        case .wait(let deadline): return "wait(until: \(deadline))"
        case .sleep(let deadline): return "sleep(until: \(deadline))"
        case .reportConsumption: return "reportConsumption"
        }
    }
}
