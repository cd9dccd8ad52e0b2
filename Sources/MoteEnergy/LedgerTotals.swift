/// Time, charge and energy accumulated in one (component, state, activity) cell of the ledger.
///
/// Charge is at the component's own supply (its current times the time); energy is that charge times the
/// component's supply voltage. What the battery sees depends on the supply path: see
/// `LedgerTotals.batteryChargeCoulombs(supply:batteryVolts:)`.
public struct LedgerCell: Sendable, Equatable {
    /// Time spent (exact).
    public var time: Duration
    /// Charge drawn at the component's supply (C = A·s).
    public var chargeCoulombs: Double
    /// Energy drawn (J).
    public var energyJoules: Double

    /// An empty cell.
    public static let zero = LedgerCell(time: .zero, chargeCoulombs: 0, energyJoules: 0)

    /// Creates a cell.
    public init(time: Duration, chargeCoulombs: Double, energyJoules: Double) {
        self.time = time
        self.chargeCoulombs = chargeCoulombs
        self.energyJoules = energyJoules
    }

    /// The cell for `time` at `amperes` from a `volts` supply.
    public init(time: Duration, amperes: Double, volts: Double) {
        let charge = amperes * seconds(time)
        self.init(time: time, chargeCoulombs: charge, energyJoules: charge * volts)
    }

    /// Charge in milliampere-hours, for people.
    public var chargeMilliampereHours: Double { chargeCoulombs / 3.6 }
    /// Energy in watt-hours.
    public var energyWattHours: Double { energyJoules / 3_600 }

    /// Cell-wise sum.
    public static func + (lhs: LedgerCell, rhs: LedgerCell) -> LedgerCell {
        LedgerCell(time: lhs.time + rhs.time, chargeCoulombs: lhs.chargeCoulombs + rhs.chargeCoulombs,
                   energyJoules: lhs.energyJoules + rhs.energyJoules)
    }

    /// Cell-wise difference.
    public static func - (lhs: LedgerCell, rhs: LedgerCell) -> LedgerCell {
        LedgerCell(time: lhs.time - rhs.time, chargeCoulombs: lhs.chargeCoulombs - rhs.chargeCoulombs,
                   energyJoules: lhs.energyJoules - rhs.energyJoules)
    }
}

/// The ledger's accumulators: a cell per component, power state and activity label, and the time they span.
///
/// Totals of several sessions (restarts of the node) merge by adding cells and elapsed times, so every figure
/// only grows.
public struct LedgerTotals: Sendable, Equatable {
    /// component → state → activity → cell.
    public private(set) var cells: [String: [PowerState: [String: LedgerCell]]]
    /// The time the totals span (the sum of the sessions' elapsed times).
    public private(set) var elapsed: Duration
    /// The supply voltage of each component, so energy can be recomputed into battery charge.
    public private(set) var supplyVolts: [String: Double]

    /// Empty totals.
    public init() {
        cells = [:]
        elapsed = .zero
        supplyVolts = [:]
    }

    /// Totals from their parts (decoding a snapshot).
    public init(cells: [String: [PowerState: [String: LedgerCell]]], elapsed: Duration,
                supplyVolts: [String: Double]) {
        self.cells = cells
        self.elapsed = elapsed
        self.supplyVolts = supplyVolts
    }

    /// Adds `cell` to (component, state, activity).
    mutating func add(_ cell: LedgerCell, component: String, state: PowerState, activity: String) {
        cells[component, default: [:]][state, default: [:]][activity, default: .zero] =
            (cells[component]?[state]?[activity] ?? .zero) + cell
    }

    mutating func register(component: String, volts: Double) {
        supplyVolts[component] = volts
        if cells[component] == nil { cells[component] = [:] }
    }

    mutating func extend(by time: Duration) { elapsed += time }

    /// The component names, sorted.
    public var componentNames: [String] { cells.keys.sorted() }

    /// Everything one component spent.
    public func total(of component: String) -> LedgerCell {
        (cells[component] ?? [:]).values.flatMap(\.values).reduce(.zero, +)
    }

    /// What one component spent in each state.
    public func byState(of component: String) -> [PowerState: LedgerCell] {
        (cells[component] ?? [:]).mapValues { $0.values.reduce(.zero, +) }
    }

    /// What each activity label cost, across components.
    public var byActivity: [String: LedgerCell] {
        var result: [String: LedgerCell] = [:]
        for states in cells.values {
            for activities in states.values {
                for (activity, cell) in activities { result[activity] = (result[activity] ?? .zero) + cell }
            }
        }
        return result
    }

    /// What each component spent, per activity.
    public func byActivity(of component: String) -> [String: LedgerCell] {
        var result: [String: LedgerCell] = [:]
        for activities in (cells[component] ?? [:]).values {
            for (activity, cell) in activities { result[activity] = (result[activity] ?? .zero) + cell }
        }
        return result
    }

    /// Everything, all components together.
    public var grandTotal: LedgerCell { componentNames.map(total(of:)).reduce(.zero, +) }

    /// The charge the battery supplied for these totals: the components' charge on a direct supply, their energy
    /// over the battery voltage and the converter's efficiency on a switching one.
    public func batteryChargeCoulombs(supply: SupplyPath, batteryVolts: Double) -> Double {
        switch supply {
        case .direct: return grandTotal.chargeCoulombs
        case .switching(let efficiency): return grandTotal.energyJoules / (batteryVolts * efficiency)
        }
    }

    /// These totals and `other`'s, added: how a new session joins the totals of the previous ones.
    public func merging(_ other: LedgerTotals) -> LedgerTotals {
        var result = self
        for (component, states) in other.cells {
            result.cells[component] = result.cells[component] ?? [:]
            for (state, activities) in states {
                for (activity, cell) in activities {
                    result.add(cell, component: component, state: state, activity: activity)
                }
            }
        }
        result.elapsed += other.elapsed
        result.supplyVolts.merge(other.supplyVolts) { _, new in new }
        return result
    }

    /// Whether these totals grew from `other`: no less elapsed time and, for every component, no less time,
    /// charge or energy. (Single cells may shrink: process CPU time and traffic re-file time already counted as
    /// idle, and a re-filing may land after a save.)
    public func covers(_ other: LedgerTotals) -> Bool {
        guard elapsed >= other.elapsed else { return false }
        for component in other.componentNames {
            let mine = total(of: component)
            let theirs = other.total(of: component)
            let slack = 1e-9
            guard mine.time >= theirs.time, mine.chargeCoulombs >= theirs.chargeCoulombs * (1 - slack),
                  mine.energyJoules >= theirs.energyJoules * (1 - slack)
            else { return false }
        }
        return true
    }
}
