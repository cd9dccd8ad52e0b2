/// A GPIO line that switches the supply of one or more sensors: a chip (as `mote gpio` names chips) and an offset.
///
/// Several sensors may share one line (one switched rail); the scheduler then switches it once per wake-up.
public struct PowerLine: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The chip, as a `GPIOChipSelector` reads it: `gpiochip0`, `0`, `/dev/gpiochip0` or a label.
    public var chip: String
    /// The line's offset on the chip.
    public var offset: Int

    /// Creates a line reference.
    public init(chip: String, offset: Int) {
        self.chip = chip
        self.offset = offset
    }

    /// `CHIP:OFFSET`, as the CLI writes it.
    public var description: String { "\(chip):\(offset)" }

    /// Chip first, then offset, so rails are always switched in the same order.
    public static func < (lhs: PowerLine, rhs: PowerLine) -> Bool {
        (lhs.chip, lhs.offset) < (rhs.chip, rhs.offset)
    }
}

/// The power states the scheduler records for a task's component, chosen so that the power model has a current for
/// each (the ledger refuses a state its model cannot charge).
public struct TaskStates: Sendable, Equatable {
    /// Between runs: an ungated sensor's sleep, a radio's off or idle. A gated sensor is `off` between runs.
    public var resting: PowerState
    /// From power-on to ready: a sensor's start-up, a radio's oscillator start.
    public var starting: PowerState
    /// Powered and not converting: a gated sensor waiting for its rail to go off after its read.
    public var poweredIdle: PowerState

    /// Creates the states; the defaults suit a sensor with sleep and boot figures and a radio that sleeps.
    public init(resting: PowerState = .sleep, starting: PowerState = .boot, poweredIdle: PowerState = .sleep) {
        self.resting = resting
        self.starting = starting
        self.poweredIdle = poweredIdle
    }
}

/// One periodic job of the node: sample a sensor, or run a network round.
///
/// The task's `name` is its activity label in the ledger (`sense.bme280@0x76`, `gossip.round`), as in the energy
/// planner's `SamplingNeed`, so the planner's periods are looked up by it.
public struct SchedulerTask: Sendable, Equatable {
    /// What a run of the task does.
    public enum Work: Sendable, Equatable {
        /// Power the sensor (when `powerLine` switches it), wait its start-up time, initialise it, start a
        /// conversion, wait the measurement time, read it, and power it off again.
        ///
        /// `device` is both the sensor's ledger component and what the shell opens: `bme280@0x76`.
        case sample(device: String, startupTime: Duration, measurementTime: Duration, powerLine: PowerLine?)
        /// Wake the radio (its start-up time in `boot`), send for `transmitTime`, listen for `listenTime`.
        ///
        /// `radio` is the ledger component: `radio`, `wlan0`.
        case networkRound(radio: String, startupTime: Duration, transmitTime: Duration, listenTime: Duration)
    }

    /// The activity label and identity of the task: `sense.bme280@0x76`, `gossip.round`.
    public var name: String
    /// What one run does.
    public var work: Work
    /// The task never runs more often than this (measured between the starts of two runs).
    public var minimumPeriod: Duration
    /// The task always runs at least this often, unless the node itself was late.
    public var maximumPeriod: Duration
    /// The states recorded for the task's component.
    public var states: TaskStates

    /// Creates a task; `DutyCycleScheduler.init` checks the figures.
    public init(name: String, work: Work, minimumPeriod: Duration, maximumPeriod: Duration,
                states: TaskStates = TaskStates()) {
        self.name = name
        self.work = work
        self.minimumPeriod = minimumPeriod
        self.maximumPeriod = maximumPeriod
        self.states = states
    }

    /// A sensor-sampling task named `sense.DEVICE`.
    public static func sample(_ device: String, startupTime: Duration, measurementTime: Duration,
                              powerLine: PowerLine? = nil, minimumPeriod: Duration, maximumPeriod: Duration,
                              states: TaskStates = TaskStates()) -> SchedulerTask
    {
        SchedulerTask(name: "sense.\(device)",
                      work: .sample(device: device, startupTime: startupTime, measurementTime: measurementTime,
                                    powerLine: powerLine),
                      minimumPeriod: minimumPeriod, maximumPeriod: maximumPeriod, states: states)
    }

    /// The sensor this task samples, or nil for a network task.
    public var device: String? {
        if case .sample(let device, _, _, _) = work { return device }
        return nil
    }

    /// The line that powers this task's sensor, if one does.
    public var powerLine: PowerLine? {
        if case .sample(_, _, _, let line) = work { return line }
        return nil
    }
}

/// A configuration the scheduler cannot run: what is wrong, for a one-line message.
public struct SchedulerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong and with which task.
    public var message: String

    /// Creates an error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
